"""Where the Dask engine runs: an existing cluster's scheduler, or a local cluster of processes.

Any Dask scheduler address works (`tcp://host:8786`): the one dask-jobqueue's SLURMCluster,
dask-kubernetes' KubeCluster or Coiled give (`cluster.scheduler_address`). Its workers need this
package installed, and the data file and the run folder at the same path as the client.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from distributed import Client, LocalCluster


@contextmanager
def connect(
    scheduler: str | None = None,
    n_workers: int | None = None,
    memory_limit: str | None = None,
) -> Iterator[Client]:
    """A client of the cluster at `scheduler`, else of a new local cluster of `n_workers`
    single-threaded processes (`memory_limit` each), closed at the end."""
    if scheduler is not None:
        with Client(scheduler) as client:
            yield client
        return
    # One thread per worker: the stages hold the GIL in pandas and regex code.
    with (
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=memory_limit or "auto",
            dashboard_address=":0",
        ) as local,
        Client(local) as client,
    ):
        yield client
