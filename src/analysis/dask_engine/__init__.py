"""The Dask engine: the same stage functions as the pandas engine, per partition of a Dask cluster
(`run`, behind `analysis analyze DATA --engine dask`; docs/dask.md)."""

from analysis.dask_engine.engine import run

__all__ = ["run"]
