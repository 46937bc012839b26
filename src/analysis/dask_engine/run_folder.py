"""The Dask engine's run folder: analyze.write_run's folder, with the four large tables written
by the workers as partitioned parquet (a folder of parts at the table's own path, which
`pd.read_parquet` and so store.Run read as one table), and params.json written last."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import dask
import dask.dataframe as dd
import pandas as pd
import pyarrow as pa

from analysis import analyze, schema, store


def start(out_dir: Path) -> None:
    """Make the folder an unfinished run: params.json goes until the run is written again."""
    out_dir.mkdir(parents=True, exist_ok=True)
    store.params_path(out_dir).unlink(missing_ok=True)


def write_partitioned(frame: dd.DataFrame, out_dir: Path, name: str) -> None:
    """One table as a folder of parquet parts, each part checked by schema.validate, all parts
    with one arrow schema (a column null in one part and text in another is text in both)."""
    checked = frame.map_partitions(_validated, name, meta=frame._meta).persist()
    part_schemas = dask.compute(*[_arrow_schema(part) for part in checked.to_delayed()])
    path = store.table_path(out_dir, name)
    if path.is_dir():
        shutil.rmtree(path)
    path.unlink(missing_ok=True)
    unified = pa.unify_schemas(list(part_schemas), promote_options="permissive")
    checked.to_parquet(path, write_index=False, schema=unified, write_metadata_file=False)


def _validated(part: pd.DataFrame, name: str) -> pd.DataFrame:
    return schema.validate(name, part)


@dask.delayed
def _arrow_schema(part: pd.DataFrame) -> pa.Schema:
    return pa.Schema.from_pandas(part, preserve_index=False)


def finish(
    result: analyze.Analysis, out_dir: Path, partitioned: list[str], data_sha256: str
) -> store.Run:
    """The rest of the run folder as analyze.write_run writes it (rejected rows, tickets,
    scorecards, load summary), then params.json naming the partitioned tables too and the engine.

    `result` holds every table but the partitioned ones (None there)."""
    # write_run writes into a scratch folder inside the run, whose files are moved in before
    # params.json: the run is complete only when all of it is there.
    scratch = Path(tempfile.mkdtemp(prefix=".write_run.", dir=out_dir))
    try:
        analyze.write_run(result, scratch, data_sha256=data_sha256)
        params = json.loads(store.params_path(scratch).read_text())
        store.params_path(scratch).unlink()
        for path in scratch.iterdir():
            os.replace(path, out_dir / path.name)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    params["tables"] = sorted({*params["tables"], *partitioned})
    params["engine"] = "dask"
    store.params_path(out_dir).write_text(json.dumps(params, indent=2) + "\n")
    return store.Run(out_dir)
