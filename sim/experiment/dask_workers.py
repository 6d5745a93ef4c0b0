"""What the workers of a local Dask cluster run at start-up (imported only with Dask)."""

from __future__ import annotations

from distributed.diagnostics.plugin import WorkerPlugin

from sim.experiment.executors import exit_with_parent


class ExitWithRunner(WorkerPlugin):
    """The worker processes of a local cluster end when the runner that started the
    cluster dies, SIGKILL included (:func:`~sim.experiment.executors.exit_with_parent`):
    their parent is the runner, which holds the cluster's nannies."""

    def setup(self, worker) -> None:
        """Start watching the worker process's parent."""
        exit_with_parent()
