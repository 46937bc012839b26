"""Chunks spread over processes give what one call in this process gives, in the same order."""

from __future__ import annotations

import os

import pytest

from analysis import parallel


def _lengths(texts: list[str]) -> list[tuple[int, int]]:
    return [(len(text), os.getpid()) for text in texts]


TEXTS = [f"reply number {i} " * (i % 7) for i in range(60)]


def test_processes_give_the_serial_result_in_order() -> None:
    serial = parallel.map_chunks(_lengths, TEXTS, jobs=1)
    spread = parallel.map_chunks(_lengths, TEXTS, jobs=2, min_items=1, chunk_size=13)
    assert len(serial) == 1 and len(spread) == 5  # 60 items in chunks of at most 13
    assert [n for part in spread for n, _ in part] == [n for n, _ in serial[0]]
    # The chunks really ran elsewhere: no chunk ran in this process.
    assert {pid for part in spread for _, pid in part}.isdisjoint({os.getpid()})


def test_few_items_stay_in_this_process() -> None:
    (only,) = parallel.map_chunks(_lengths, TEXTS, jobs=2, min_items=61)
    assert {pid for _, pid in only} == {os.getpid()}


def test_chunks_cover_every_item_once_and_none_is_empty() -> None:
    for parts in (1, 2, 7, 60, 100):
        pieces = parallel.chunks(TEXTS, parts)
        assert [t for piece in pieces for t in piece] == TEXTS
        assert all(pieces) and len(pieces) <= parts
    assert parallel.chunks([], 2) == []


def test_job_count_reads_the_environment(monkeypatch) -> None:
    monkeypatch.delenv(parallel.JOBS_ENV, raising=False)
    assert parallel.job_count() == len(os.sched_getaffinity(0))
    monkeypatch.setenv(parallel.JOBS_ENV, "3")
    assert parallel.job_count() == 3
    for bad in ("0", "two", "-1"):
        monkeypatch.setenv(parallel.JOBS_ENV, bad)
        with pytest.raises(ValueError, match=parallel.JOBS_ENV):
            parallel.job_count()


def _job_count_here(_: object) -> int:
    return parallel.job_count()


def test_a_dask_worker_runs_its_partition_in_one_process(monkeypatch) -> None:
    distributed = pytest.importorskip("distributed")
    monkeypatch.delenv(parallel.JOBS_ENV, raising=False)
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        assert client.submit(_job_count_here, 0).result(timeout=120) == 1
    assert parallel.job_count() == len(os.sched_getaffinity(0))


def test_stopped_workers_are_gone_and_new_ones_start_when_needed() -> None:
    first = parallel.map_chunks(_lengths, TEXTS, jobs=2, min_items=1)
    parallel.stop_workers()
    again = parallel.map_chunks(_lengths, TEXTS, jobs=2, min_items=1)
    assert [n for part in again for n, _ in part] == [n for part in first for n, _ in part]
    workers = {pid for part in first for _, pid in part}
    assert workers.isdisjoint({pid for part in again for _, pid in part})  # new processes
    for pid in workers:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


@pytest.mark.parametrize("chunked", [False, True])
def test_an_arrow_kernel_in_threads_gives_the_one_call_result(monkeypatch, chunked) -> None:
    """Sliced over threads, a replace, a match and an extract give the values of one call, in
    order, nulls and non-ASCII text included, and a chunked column comes back in one chunk."""
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = ["Hi @Dana, order 123 ships", None, "", "café naïve 42", "x" * 50, "@a @b 7"] * 7
    values = pa.chunked_array([texts[:10], texts[10:]]) if chunked else pa.array(texts)
    monkeypatch.setenv(parallel.JOBS_ENV, "3")
    monkeypatch.setattr(parallel, "MIN_THREADED_VALUES", 4)
    for kernel, args in [
        (pc.replace_substring_regex, (r"\d+", "<num>")),
        (pc.match_substring_regex, (r"@\w+",)),
        (pc.extract_regex, (r"(?P<handle>@\w+)",)),
    ]:
        threaded = parallel.arrow_kernel(kernel, values, *args)
        expected = kernel(values, *args)
        assert threaded.equals(
            expected if not chunked else pa.chunked_array([expected.combine_chunks()])
        )
        if chunked:
            assert threaded.num_chunks == 1
    monkeypatch.setenv(parallel.JOBS_ENV, "1")
    assert parallel.arrow_kernel(pc.utf8_lower, values).equals(pc.utf8_lower(values))
