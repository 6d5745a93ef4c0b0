"""Executors: run chunks of runs serially, in local processes, or on a Dask cluster.

An executor maps a picklable function over tasks and yields ``(task, outcome)`` pairs
as they finish, in any order; ``outcome`` is the function's result, or the exception
that stopped it (a dead worker, a lost connection), so that one failing chunk never
loses the others. The runner writes what comes back; workers never touch the disk.
Only a bounded number of tasks is in flight at once, so memory does not grow with the
size of a sweep.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Protocol, TypeVar

from sim.errors import InputError

T = TypeVar("T")
R = TypeVar("R")

EXECUTORS = ("serial", "process", "dask")
"""Names an experiment may be run with."""


class Executor(Protocol):
    """Runs tasks and yields ``(task, result or exception)`` as each finishes."""

    name: str
    workers: int

    def map(
        self, fn: Callable[[T], R], tasks: Iterable[T]
    ) -> Iterator[tuple[T, R | BaseException]]:
        """Run ``fn`` over ``tasks``; yield each task with its outcome."""
        ...

    def describe(self) -> dict[str, object]:
        """What the manifest records of this executor."""
        ...

    def close(self) -> None:
        """Release workers and clusters."""
        ...


PARENT_POLL = 0.5
"""Seconds between a worker's checks that the process that started it still lives."""


def exit_with_parent(poll: float = PARENT_POLL) -> None:
    """Make this process exit soon after the process that started it dies.

    A worker started by a runner that is killed (SIGKILL included, which lets the
    runner clean up nothing) is handed to another parent; a daemon thread that sees
    the parent change ends the worker at once, so no orphan keeps computing. Called in
    every worker of the process executor and of a local Dask cluster.
    """
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def start_worker(model: object = None) -> None:
    """Set up a worker of the process executor: exit with the runner
    (:func:`exit_with_parent`), then warm the model up (its ``warm`` method, if it has
    one: imports and compiled code loaded), so that the first chunk does not wait for
    them and a pool started early gets them done while the runner still checks the spec.

    A warm-up that fails is left to the first chunk to report.
    """
    exit_with_parent()
    warm = getattr(model, "warm", None)
    if warm is not None:
        try:
            warm()
        except Exception:  # noqa: BLE001 - the chunk that needs it reports the fault
            pass


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


@dataclass
class SerialExecutor:
    """Runs every task in this process, one after another (for debugging and tests)."""

    name: str = "serial"
    workers: int = 1

    def map(self, fn, tasks):
        """Run each task in turn."""
        for task in tasks:
            try:
                yield task, fn(task)
            except Exception as err:  # noqa: BLE001 - a failing task is recorded, not fatal
                yield task, err

    def describe(self) -> dict[str, object]:
        """Name and worker count."""
        return {"name": self.name, "workers": self.workers}

    def close(self) -> None:
        """Nothing to release."""


NEEDS_MAIN_GUARD = (
    "the worker processes could not start: they re-import the script that started them "
    "(it defines the model), so the script needs its calls under "
    '`if __name__ == "__main__":`; or pass executor="serial"'
)
"""What a broken process pool means, almost always, and what to do."""


def main_is_importable() -> bool:
    """Whether spawned workers can re-import the ``__main__`` module, as they do first.

    A script read from standard input (``python - < script.py``) or given with ``-c``
    has no file to re-import; a module run with ``-m``, a script file and an
    interactive session are fine.
    """
    main = sys.modules.get("__main__")
    if getattr(getattr(main, "__spec__", None), "name", None):
        return True
    path = getattr(main, "__file__", None)
    return path is None or os.path.isfile(path)


def leave_if_worker_bootstrap() -> None:
    """End this process, quietly, if it is a spawned worker still importing its
    parent's script: a script that starts a sweep at its top level, run again by its
    worker, would start a sweep of its own. Its parent explains
    (:data:`NEEDS_MAIN_GUARD`)."""
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        os._exit(1)


class _WorkerWithoutMain(multiprocessing.context.SpawnProcess):
    """A spawned worker that does not run its parent's ``__main__`` module first.

    Spawned workers normally import the parent's script before their task, and so run
    whatever it does at its top level (a sweep, a market, a plot) unless it is under
    ``if __name__ == "__main__":``. A sweep's workers need none of it: what they run
    lives in ``sim``. Only the start of each worker is changed: the preparation data
    it is handed leaves the main module out.
    """

    @staticmethod
    def _Popen(process_obj):
        from multiprocessing import spawn

        prepare = spawn.get_preparation_data

        def without_main(name):
            data = prepare(name)
            data.pop("init_main_from_path", None)
            data.pop("init_main_from_name", None)
            return data

        spawn.get_preparation_data = without_main
        try:
            return multiprocessing.context.SpawnProcess._Popen(process_obj)
        finally:
            spawn.get_preparation_data = prepare


class _SpawnWithoutMain(multiprocessing.context.SpawnContext):
    Process = _WorkerWithoutMain


class ProcessExecutor:
    """A :class:`concurrent.futures.ProcessPoolExecutor`, one worker per core by default.

    Workers are started with ``spawn`` so they never inherit the parent's threads
    (progress bar, Dask) or locks, and end when the runner does
    (:func:`exit_with_parent`). They do not re-run the script that started them
    (:class:`_WorkerWithoutMain`), so a script needs no main guard, unless
    ``keep_main``: a model defined in the script itself needs it in its workers.
    Each worker warms ``model`` up as it starts (:func:`start_worker`); :meth:`start`
    starts them all at once, before the first task.
    """

    name = "process"

    def __init__(self, workers: int | None = None, keep_main: bool = False, model: object = None):
        leave_if_worker_bootstrap()
        self.workers = workers or default_workers()
        context = multiprocessing.get_context("spawn") if keep_main else _SpawnWithoutMain()
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context,
            initializer=start_worker,
            initargs=(model,),
        )

    def start(self) -> None:
        """Start every worker now rather than with the first tasks: each submission of
        a task while none is idle starts one more worker, up to their number."""
        for _ in range(self.workers):
            self._pool.submit(int)

    def map(self, fn, tasks):
        """Keep two tasks per worker in flight; yield each as it finishes.

        Raises
        ------
        InputError
            If the workers could not start at all (:data:`NEEDS_MAIN_GUARD`), rather
            than reporting every run as failed.
        """
        started = False
        try:
            for task, outcome in _bounded(self._pool.submit, fn, tasks, 2 * self.workers):
                if isinstance(outcome, BrokenProcessPool) and not started:
                    raise InputError("executor process", "", NEEDS_MAIN_GUARD)
                started = True  # a worker that dies later loses its chunk only, as on Dask
                yield task, outcome
        except BrokenProcessPool:
            if started:
                raise
            # workers started early (:meth:`start`) broke before the first task
            raise InputError("executor process", "", NEEDS_MAIN_GUARD) from None

    def describe(self) -> dict[str, object]:
        """Name and worker count."""
        return {"name": self.name, "workers": self.workers}

    def close(self) -> None:
        """Shut the pool down, cancelling tasks not started."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def _bounded(submit, fn, tasks, limit):
    pending: dict[Future, object] = {}
    it = iter(tasks)
    exhausted = False
    while True:
        while not exhausted and len(pending) < limit:
            try:
                task = next(it)
            except StopIteration:
                exhausted = True
                break
            pending[submit(fn, task)] = task
        if not pending:
            return
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for fut in done:
            task = pending.pop(fut)
            try:
                yield task, fut.result()
            except Exception as err:  # noqa: BLE001 - recorded with the chunk
                yield task, err


class DaskExecutor:
    """dask.distributed: a ``LocalCluster`` on 127.0.0.1, or a running scheduler.

    Parameters
    ----------
    workers : int, optional
        Worker processes of a local cluster (one thread each); one per core by default.
    scheduler : str, optional
        Address of a running scheduler (``tcp://HOST:PORT``); its workers must have
        this package installed. No local cluster is started then.
    """

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None):
        from dask.distributed import Client, LocalCluster

        self.scheduler = scheduler
        self._cluster = None
        if scheduler:
            try:
                self._client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as err:
                raise InputError(
                    scheduler, "", f"cannot reach the Dask scheduler ({err})"
                ) from None
            self.workers = max(1, sum(self._client.nthreads().values()))
        else:
            self.workers = workers or default_workers()
            self._cluster = LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            self._client = Client(self._cluster)
            from sim.experiment.dask_workers import ExitWithRunner

            self._client.register_plugin(ExitWithRunner(), name="exit-with-runner")

    def map(self, fn, tasks):
        """Keep two tasks per worker in flight; yield each as it finishes."""
        from dask.distributed import as_completed

        it = iter(tasks)
        pending: dict[str, object] = {}
        queue = as_completed()

        def submit_next() -> bool:
            for task in it:
                fut = self._client.submit(fn, task, pure=False)
                pending[fut.key] = task
                queue.add(fut)
                return True
            return False

        for _ in range(2 * self.workers):
            if not submit_next():
                break
        for fut in queue:
            task = pending.pop(fut.key)
            try:
                yield task, fut.result()
            except Exception as err:  # noqa: BLE001 - recorded with the chunk
                yield task, err
            fut.release()
            submit_next()

    def describe(self) -> dict[str, object]:
        """Name, worker count and scheduler address."""
        return {
            "name": self.name,
            "workers": self.workers,
            "scheduler": self.scheduler or self._client.scheduler.address,
            "local_cluster": self._cluster is not None,
        }

    def close(self) -> None:
        """Close the client, and the local cluster if this executor started one."""
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def check_executor(name: str, workers: int | None = None, scheduler: str | None = None) -> None:
    """Check executor arguments without starting anything.

    Raises
    ------
    InputError
        For an unknown name, a worker count below 1, or a scheduler without dask.
    """
    if name not in EXECUTORS:
        raise InputError(
            "--executor", "", f"unknown executor {name!r}; expected one of {', '.join(EXECUTORS)}"
        )
    if workers is not None and workers < 1:
        raise InputError("--workers", "", f"expected at least 1 worker, got {workers}")
    if scheduler and name != "dask":
        raise InputError("--scheduler", "", "a scheduler address needs --executor dask")
    if scheduler is not None:
        check_address(scheduler)


def check_address(address: str) -> tuple[str, int]:
    """The host and port of a Dask scheduler address (``tcp://HOST:PORT``).

    Raises
    ------
    InputError
        For anything else: another protocol, no host, no port or a port out of range.
    """
    import re

    m = re.fullmatch(r"(?:(tcp|tls)://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})", address)
    if m is None or not 1 <= int(m.group(3)) <= 65535:
        shown = repr(address) if len(address) <= 80 else f"{address[:80]!r}..."
        raise InputError(
            "--scheduler", "", f"expected an address tcp://HOST:PORT (port 1-65535), got {shown}"
        )
    return m.group(2).strip("[]"), int(m.group(3))


def make_executor(
    name: str,
    workers: int | None = None,
    scheduler: str | None = None,
    keep_main: bool = False,
    model: object = None,
) -> Executor:
    """The executor called ``name`` (``serial``, ``process`` or ``dask``), started.

    ``keep_main``: the process executor's workers must import the ``__main__`` module
    (it defines what they run). ``model``: what its workers warm up as they start
    (:func:`start_worker`).

    Raises
    ------
    InputError
        For bad arguments (see :func:`check_executor`) or an unreachable scheduler.
    """
    check_executor(name, workers, scheduler)
    if name == "serial":
        return SerialExecutor()
    if name == "process":
        if keep_main and not main_is_importable():
            print(
                "relsim: a script read from standard input cannot be re-imported by worker "
                "processes; running serially",
                file=sys.stderr,
            )
            return SerialExecutor()
        return ProcessExecutor(workers, keep_main, model)
    return DaskExecutor(workers, scheduler)
