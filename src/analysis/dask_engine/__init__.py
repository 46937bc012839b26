"""The Dask engine: the same stage functions as the pandas engine, per partition of a Dask cluster."""
