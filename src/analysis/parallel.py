"""Chunks of an embarrassingly parallel stage run on every core this process may use.

One definition of how many processes a stage may use (`job_count`: `SUPPORT_QUALITY_JOBS`, else
the cores of `os.sched_getaffinity`) and of how work is spread (`map_chunks`: joblib's loky
processes, which ship with scikit-learn). Work is sent to the processes as plain lists of
strings (or small frames), never a whole run's tables: pickling is the price of a process.

A pyarrow compute kernel over a whole column (the text stage's regular expressions) needs no
process: pyarrow releases the GIL while it runs, so `arrow_kernel` runs it on slices of the
column in threads, one a core, with nothing copied but the results.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import TypeVar

import pyarrow as pa
from joblib import Parallel, delayed

JOBS_ENV = "SUPPORT_QUALITY_JOBS"
# Below this many items a stage stays in this process: starting processes and pickling costs
# more than a second core gives back.
MIN_PARALLEL_ITEMS = 50_000
# Below this many values a kernel runs in one call: each slice compiles its pattern again
# (20-50 ms for the text stage's), the time RE2 takes for tens of thousands of texts.
MIN_THREADED_VALUES = 100_000

Chunk = TypeVar("Chunk")
Result = TypeVar("Result")


def job_count() -> int:
    """Processes a parallel stage may use: `SUPPORT_QUALITY_JOBS` if set (1 runs in-process),
    else the cores this process may run on."""
    value = os.environ.get(JOBS_ENV, "").strip()
    if not value:
        # A Dask worker's cores are the cluster's to schedule: processes of its own would compete.
        return 1 if _in_dask_worker() else max(len(os.sched_getaffinity(0)), 1)
    if not value.isdigit() or int(value) < 1:
        raise ValueError(
            f"analysis: {JOBS_ENV}={value!r} is not a number of processes (expected 1 or more)"
        )
    return int(value)


def _in_dask_worker() -> bool:
    """Whether this code runs inside a Dask worker (the Dask engine's partition stages)."""
    if "distributed" not in sys.modules:  # never imported: not a worker, and no import cost
        return False
    from distributed import get_worker

    try:
        get_worker()
    except ValueError:
        return False
    return True


def chunks(items: Sequence[Chunk], parts: int) -> list[Sequence[Chunk]]:
    """`items` cut into `parts` consecutive slices of near-equal length (none empty)."""
    size = max(math.ceil(len(items) / max(parts, 1)), 1)
    return [items[start : start + size] for start in range(0, len(items), size)]


def map_chunks(
    function: Callable[[Sequence[Chunk]], Result],
    items: Sequence[Chunk],
    *,
    jobs: int | None = None,
    min_items: int | None = None,
    chunk_size: int | None = None,
) -> list[Result]:
    """`function` of consecutive chunks of `items`, in order: spread over processes when there
    are at least `min_items` (`MIN_PARALLEL_ITEMS`) items and more than one job (`job_count()` by default), one chunk
    per process or, with `chunk_size`, chunks of at most that many items (to bound a process's
    memory); else one call on all of them in this process. `function` must be picklable (a
    module-level function or a `functools.partial` of one)."""
    jobs = job_count() if jobs is None else jobs
    min_items = MIN_PARALLEL_ITEMS if min_items is None else min_items
    if jobs <= 1 or len(items) < min_items:
        return [function(items)]
    parts = jobs if chunk_size is None else max(jobs, math.ceil(len(items) / chunk_size))
    return Parallel(n_jobs=jobs, backend="loky")(
        delayed(function)(part) for part in chunks(items, parts)
    )


def stop_workers() -> None:
    """Stop the idle worker processes now. They otherwise linger for loky's idle timeout (five
    minutes), which a process that must exit first (`analysis bench` runs each size in a child
    process, joined at its end) would wait out."""
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True)


def arrow_kernel(
    kernel: Callable[..., pa.Array | pa.ChunkedArray],
    values: pa.Array | pa.ChunkedArray,
    *args: object,
    **kwargs: object,
) -> pa.Array | pa.ChunkedArray:
    """`kernel(values, *args, **kwargs)` of an element-wise pyarrow compute function (a regex
    replace, match or extract), run on `job_count()` slices of `values` in threads when there
    are at least `MIN_THREADED_VALUES`: the same values, in one chunk when `values` is chunked."""
    jobs = job_count()
    if jobs <= 1 or len(values) < MIN_THREADED_VALUES:
        return kernel(values, *args, **kwargs)
    whole = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    size = math.ceil(len(whole) / jobs)
    slices = [whole.slice(start, size) for start in range(0, len(whole), size)]
    parts = list(_threads(jobs).map(lambda part: kernel(part, *args, **kwargs), slices))
    joined = pa.concat_arrays(parts)
    return pa.chunked_array([joined]) if isinstance(values, pa.ChunkedArray) else joined


@cache
def _threads(jobs: int) -> ThreadPoolExecutor:
    """One pool of `jobs` threads per process, kept for every kernel (threads are cheap to keep)."""
    return ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="arrow-kernel")
