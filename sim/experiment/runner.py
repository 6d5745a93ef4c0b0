"""The runner: plan an experiment's runs, run the unfinished ones in chunks, store them.

``sweep`` is the whole of ``relsim sweep``: runs, then figures and results page through
the report hook the views set (:func:`set_reporter`). ``run_experiment`` is the same in
one call for scripts and notebooks, returning the run table; ``load_results`` reads a
finished experiment back.
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim import inputs
from sim.errors import InputError
from sim.experiment import SERIAL_BELOW, lock, models, provenance
from sim.experiment.batch import BatchModel, PopulationInfo
from sim.experiment.chunks import ChunkTask, failure, run_chunk
from sim.experiment.designs import Points, design_points, drawn_params, n_points
from sim.experiment.executors import (
    Executor,
    check_executor,
    default_workers,
    leave_if_worker_bootstrap,
    make_executor,
)
from sim.experiment.models import get_model, is_registered
from sim.experiment.seeding import run_keys
from sim.experiment.spec import Spec, load_spec
from sim.experiment.storage import ResultStore, RunsStream

DEFAULT_RESULTS = Path("results")
"""Folder under which each experiment gets its own results folder by default."""

STARTUP_SECONDS = 2.0
"""Rough time to start worker processes, which the dry-run estimate adds."""

MIN_CHUNK = 5_000
"""Smallest chunk the runner picks by itself when there are enough runs: the engine's
per-step overhead is paid once per chunk, so a few thousand couples a batch run several
times faster per couple than a few hundred."""

MAX_CHUNK = 20_000
"""Largest chunk the runner picks by itself, so that results stream to disk and the
runner's memory stays flat in the number of runs (benchmarks/README.md: at 20,000 a
million runs take the same time as at 50,000 and 614 MB instead of 959 MB)."""

MAX_CHUNK_VALUES = 20_000_000
"""Most series values (runs x records x columns) one chunk may hold in memory."""

Reporter = Callable[[Path], Path]
"""Draws the figures and writes the page of a results folder; returns the page."""

PlotCheck = Callable[[Spec, BatchModel, Path], None]
"""Checks a spec's plots against what its sweep will store; raises ``InputError``."""


def set_reporter(reporter: Reporter | str | None) -> None:
    """Set the function a sweep calls to draw its figures and write its page (None: none;
    see :func:`sim.experiment.models.set_reporter`)."""
    models.set_reporter(reporter)


def set_plot_check(check: PlotCheck | str | None) -> None:
    """Set the function a sweep calls, before any run starts, to check the spec's plots
    against what it will store (None: none; see :func:`sim.experiment.models.set_plot_check`)."""
    models.set_plot_check(check)


def reporter() -> Reporter | None:
    """The function a sweep calls for its figures and page, if one is set."""
    return models.reporter()


@dataclass(frozen=True)
class Plan:
    """What an experiment will run.

    Attributes
    ----------
    spec : Spec
        The spec.
    points : Points
        Its design points.
    """

    spec: Spec
    points: Points

    @property
    def n_runs(self) -> int:
        """Points times replicates."""
        return self.points.n * self.spec.replicates

    @property
    def couple_steps(self) -> int:
        """Runs times steps: the work the engine does."""
        return self.n_runs * self.spec.steps


@dataclass(frozen=True)
class Estimate:
    """What ``--dry-run`` reports.

    Attributes
    ----------
    points, runs, steps : int
        Design points, runs, and run-steps in all.
    seconds : float
        Estimated wall time on ``workers`` workers, from a short timed batch.
    bytes : int
        Estimated disk use (uncompressed, an upper bound).
    workers : int
        Workers the estimate assumes.
    """

    points: int
    runs: int
    steps: int
    seconds: float
    bytes: int
    workers: int

    def lines(self, spec: Spec) -> list[str]:
        """The estimate as lines of text."""
        bases = (
            f"population {spec.population}"
            if spec.population
            else (f"{len(spec.scenarios)} scenario(s)")
        )
        return [
            f"experiment {spec.name}: {spec.design.kind} design, {bases}",
            f"  points     {self.points:,}",
            f"  runs       {self.runs:,} ({spec.replicates} replicate(s) a point; "
            f"max_runs {spec.max_runs:,})",
            f"  run-steps  {self.steps:,} ({spec.steps} steps a run)",
            f"  time       about {_duration(self.seconds)} on {self.workers} worker(s)",
            f"  disk       at most about {_size(self.bytes)}",
        ]


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # pragma: no cover


def as_spec(spec_or_path: Spec | str | Path, model: BatchModel | None = None) -> Spec:
    """A spec as given, or read from a file."""
    return spec_or_path if isinstance(spec_or_path, Spec) else load_spec(spec_or_path, model)


def spec_model(spec: Spec, model: BatchModel | None = None) -> BatchModel:
    """The model to sweep: the one given, else the one the spec names."""
    return model if model is not None else get_model(spec.model)


def plan(spec: Spec, model: BatchModel | None = None) -> Plan:
    """Design points of ``spec`` for ``model`` (by default the model the spec names)."""
    return Plan(spec, design_points(spec, spec_model(spec, model)))


def estimate(spec: Spec, model: BatchModel | None = None, workers: int | None = None) -> Estimate:
    """Time and disk a sweep of ``spec`` would take, timing a short batch of the model
    at its base values (with each factor at its first value).

    Counts come from the design's size (:func:`~sim.experiment.designs.n_points`): the
    plan's arrays are never built, however large the spec.
    """
    model = spec_model(spec, model)
    points = n_points(spec)
    runs = points * spec.replicates
    workers = workers or default_workers()
    # time a batch the size of the chunks the runner would use (capped, to stay quick)
    n, steps = min(default_chunk_size(spec, runs, workers), 4000), 8
    base = model.base(spec.scenarios[0])
    for f in spec.design.factors:
        value = f.values[0] if f.values else 0.5 * (f.low + f.high)
        for column in model.columns(f.name):
            base[column] = value
    params = {c: np.full(n, float(base[c])) for c in model.defaults()}
    keys = run_keys(spec.seed, np.arange(n), np.zeros(n))
    model.run({c: v[:8] for c, v in params.items()}, keys[:8], 2)  # warm-up: imports
    t0 = time.perf_counter()
    result = model.run(params, keys, steps)
    rate = n * steps / max(time.perf_counter() - t0, 1e-9)
    n_cols = 6 + len(params) + len(spec.design.factors) + len(result.metrics)
    series_bytes = runs * n_records(spec.steps, spec.record_every) * (3 + len(spec.series)) * 8
    run_steps = runs * spec.steps
    return Estimate(
        points=points,
        runs=runs,
        steps=run_steps,
        seconds=run_steps / rate / workers + (STARTUP_SECONDS if workers > 1 else 0.0),
        bytes=runs * n_cols * 8 + series_bytes,
        workers=workers,
    )


def n_records(steps: int, every: int) -> int:
    """How many weeks a run records its series at (weeks 0, every, ... and the last),
    counted without listing them."""
    if every <= 0:
        return 0
    return steps // every + 1 + (1 if steps % every else 0)


def refusals(spec: Spec, force: bool = False) -> list[InputError]:
    """Every work limit a sweep of ``spec`` passes (:data:`~sim.inputs.RUNS` as its
    ``max_runs``, :data:`~sim.inputs.STEPS`, :data:`~sim.inputs.RUN_STEPS`,
    :data:`~sim.inputs.SERIES_VALUES`); none with ``force``.

    Computed from the design's size alone, before any array is built.
    """
    runs = n_points(spec) * spec.replicates
    records = n_records(spec.steps, spec.record_every)
    series = runs * records * (len(spec.series) + 3) if spec.series else 0
    checks = (
        ("max_runs", runs, inputs.RUNS, "runs", "", spec.max_runs, None),
        ("steps", spec.steps, inputs.STEPS, "steps a run", "use fewer steps", None, None),
        (
            "steps",
            runs * spec.steps,
            inputs.RUN_STEPS,
            f"run-steps ({runs:,} runs x {spec.steps:,} steps)",
            "use fewer runs or steps",
            None,
            None,
        ),
        (
            "metrics.record_every",
            series,
            inputs.SERIES_VALUES,
            "series values",
            "record fewer series or every more steps",
            None,
            series * 8,
        ),
    )
    out = []
    for key, amount, limit, unit, fewer, top, memory in checks:
        try:
            inputs.check_work(spec.source, key, amount, limit, unit, force, memory, fewer, top)
        except InputError as err:
            out.append(err)
    return out


def choose_executor(spec: Spec, scheduler: str | None = None) -> str:
    """The executor of a sweep given none: ``dask`` with a scheduler address; ``serial``
    for a sweep of fewer than :data:`SERIAL_BELOW` couple-weeks; ``process`` otherwise."""
    if scheduler:
        return "dask"
    work = n_points(spec) * spec.replicates * spec.steps
    return "serial" if work < SERIAL_BELOW else "process"


def results_dir(spec: Spec, out: str | Path | None = None) -> Path:
    """Where a sweep of ``spec`` writes: ``out``, or ``results/NAME``."""
    return Path(out) if out is not None else DEFAULT_RESULTS / spec.name


@dataclass(frozen=True)
class Summary:
    """What a sweep did.

    Attributes
    ----------
    out : Path
        The results folder.
    planned : int
        Runs the spec asks for.
    rows : int
        Rows of ``runs.parquet`` (runs finished or failed).
    failed : int
        Rows of ``runs.parquet`` whose status is not ``ok``.
    ran : int
        Runs run by this sweep (the rest were finished before).
    seconds : float
        Wall time of the sweep.
    page : Path or None
        The results page (``index.html``) written, or None when none was asked for or
        no run finished.
    """

    out: Path
    planned: int
    rows: int
    failed: int
    ran: int
    seconds: float
    page: Path | None = None


def sweep(
    spec_or_path: Spec | str | Path,
    executor: str | None = None,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    resume: bool = False,
    force: bool = False,
    quiet: bool = False,
    report: bool = True,
    model: BatchModel | None = None,
    replace: bool = False,
) -> Summary:
    """Run an experiment's unfinished runs into its results folder; return a summary.

    The whole of ``relsim sweep``: the same parameters as :func:`run_experiment`, but
    the run table is left on disk rather than loaded, so memory stays bounded however
    many runs there are. ``replace`` replaces results of a different spec without
    ``force`` (as ``relsim run`` replaces its study run with other weeks or seed);
    corrupt results are started over only with ``force``.
    """
    leave_if_worker_bootstrap()
    t0 = time.perf_counter()
    spec = as_spec(spec_or_path, model)
    model = spec_model(spec, model)
    if chunk_size is not None and chunk_size < 1:
        raise InputError("--chunk-size", "", f"expected at least 1 run a chunk, got {chunk_size}")
    refused = refusals(spec, force)
    if refused:
        raise refused[0]
    root = inputs.output_folder(results_dir(spec, out), "--out" if out is not None else spec.source)
    executor = executor or choose_executor(spec, scheduler)
    check_executor(executor, workers, scheduler)
    exe = _early_executor(executor, workers, model, root)
    try:
        return _sweep_checked(
            spec,
            model,
            root,
            t0,
            executor=executor,
            exe=exe,
            workers=workers,
            scheduler=scheduler,
            chunk_size=chunk_size,
            resume=resume,
            force=force,
            quiet=quiet,
            report=report,
            replace=replace,
        )
    finally:
        if exe is not None:
            exe.close()


def _early_executor(
    executor: str, workers: int | None, model: BatchModel, root: Path
) -> Executor | None:
    """The process executor, its workers started now, for a sweep into a folder that
    holds no runs yet (so every run is to run): the workers start and warm the model up
    while the runner checks the spec and plans the runs. None otherwise: a sweep that
    resumes may have nothing left to run, and then starts no workers."""
    if executor != "process" or ResultStore(root).has_runs():
        return None
    exe = make_executor(executor, workers, keep_main=_defined_in_main(model), model=model)
    start = getattr(exe, "start", None)
    if start is not None:
        start()
    return exe


def _sweep_checked(
    spec: Spec,
    model: BatchModel,
    root: Path,
    t0: float,
    *,
    executor: str,
    exe: Executor | None,
    workers: int | None,
    scheduler: str | None,
    chunk_size: int | None,
    resume: bool,
    force: bool,
    quiet: bool,
    report: bool,
    replace: bool,
) -> Summary:
    """The part of :func:`sweep` after its executor is chosen (and ``exe`` started, if
    it was started early): the plot check, the plan and the results folder, then the
    runs under the folder's lock."""
    check = models.plot_check()
    if report and check is not None and reporter() is not None and is_registered(model.name):
        check(spec, model, root)
    p = plan(spec, model)
    store = ResultStore(root)
    population = _population(spec, model)
    extra = {"model": model.name, "fingerprint": model.fingerprint(), "bases": _bases(spec, model)}
    if population is not None:
        extra["population"] = population.identity()
    identity = spec.identity_hash(extra)
    fresh = False
    if store.exists():
        try:
            old = store.read_manifest()
        except InputError:
            if not force:
                raise
            old = {}  # a corrupt manifest: --force replaces the results
        if old.get("identity_hash") != identity:
            if not (force or replace) and store.has_runs():
                raise InputError(
                    str(store.root),
                    "",
                    f"holds results of a different spec ({old.get('spec_source')}) "
                    "or model version; "
                    "use --force to replace them, or --out to write elsewhere",
                )
            fresh = True
    elif resume:
        raise InputError(str(store.root), "", "nothing to resume (no manifest.json)")
    if store.exists() and not fresh:
        try:
            store.check()
        except InputError:
            if not force:
                raise
            fresh = True  # --force starts afresh over corrupt results
    try:
        store.root.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        msg = f"cannot create the results folder ({err.strerror})"
        raise InputError(str(store.root), "", msg) from None
    with lock.hold(store.root, f"relsim sweep {spec.source}"):
        return _sweep_locked(
            spec,
            model,
            p,
            store,
            population,
            identity,
            fresh,
            t0,
            executor=executor,
            exe=exe,
            workers=workers,
            scheduler=scheduler,
            chunk_size=chunk_size,
            quiet=quiet,
            report=report,
        )


def _sweep_locked(
    spec: Spec,
    model: BatchModel,
    p: Plan,
    store: ResultStore,
    population: PopulationInfo | None,
    identity: str,
    replace: bool,
    t0: float,
    *,
    executor: str,
    exe: Executor | None,
    workers: int | None,
    scheduler: str | None,
    chunk_size: int | None,
    quiet: bool,
    report: bool,
) -> Summary:
    """The part of :func:`sweep` that writes, run while it holds the folder's lock
    (on ``exe`` when it was started early, else on an executor started here)."""
    if replace:
        store.clear()
    store.recover()
    pending_point, pending_rep = _pending(store, p)
    n_pending = len(pending_point)
    # A rerun with nothing left to run starts no workers and adds no session.
    manifest = _manifest(spec, p, model, identity, store, new_session=n_pending > 0)
    failed, model_seconds = 0, 0.0
    page_ready = None
    if report and reporter() is not None and is_registered(model.name):
        page_ready = _warm_page(model) if n_pending else None
    if n_pending:
        if exe is None:
            keep_main = _defined_in_main(model)
            exe = make_executor(executor, workers, scheduler, keep_main=keep_main, model=model)
        first = store.next_chunk_id()
        # Every run into an empty folder: runs.parquet is written as the chunks come back.
        fresh = n_pending == p.n_runs and not store.has_runs()
        stream = store.stream(first, p.points.n, spec.replicates) if fresh else None
        try:
            manifest["executor"] = exe.describe()
            store.write_manifest(manifest)
            if chunk_size is None:
                chunk_size = default_chunk_size(spec, n_pending, exe.workers)
            tasks = _tasks(
                spec, p, model, pending_point, pending_rep, chunk_size, first, population
            )
            failed, model_seconds = _drive(exe, tasks, store, n_pending, quiet, stream)
            if stream is not None:
                stream.finish()  # or, when it could not, the parts are merged below
                stream = None
        except OSError as err:
            _stopped(store, manifest, err)
            raise
        finally:
            exe.close()
            if stream is not None:
                stream.stop()
    try:
        rows = store.consolidate(p.points.n, spec.replicates)
    except OSError as err:
        _stopped(store, manifest, err)
        raise
    if n_pending:
        session = manifest["sessions"][-1]
        session.update(
            finished=provenance.now(),
            runs_run=n_pending,
            runs_failed=failed,
            model_seconds=round(model_seconds, 3),
        )
    failed_rows = _count_failed(store) if rows else 0
    complete = rows == p.n_runs and failed_rows == 0
    manifest["status"] = "complete" if complete else "incomplete"
    store.write_manifest(manifest)
    if failed and not quiet:
        print(
            f"relsim: {failed} run(s) failed; see the error column of runs.parquet", file=sys.stderr
        )
    page = None
    write_page = reporter()
    if page_ready is not None:
        page_ready.join()
    if report and write_page is not None and is_registered(model.name) and rows > failed_rows:
        page = write_page(store.root)
    seconds = time.perf_counter() - t0
    return Summary(store.root, p.n_runs, rows, failed_rows, n_pending, seconds, page)


def run_experiment(
    spec_or_path: Spec | str | Path,
    executor: str | None = None,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    resume: bool = False,
    force: bool = False,
    quiet: bool = False,
    report: bool = True,
    model: BatchModel | None = None,
) -> pd.DataFrame:
    """Run an experiment (or its unfinished part) and return its run table.

    Parameters
    ----------
    spec_or_path : Spec or path
        A spec, or the path of an ``experiments/NAME.toml`` file.
    executor : {"process", "serial", "dask"}, optional
        Where chunks run: local processes (one per core), this process, or Dask (a
        ``LocalCluster`` on 127.0.0.1, or the running scheduler at ``scheduler``). By
        default chosen by :func:`choose_executor`: serial for a small sweep, where
        starting workers costs more than they give back.
    out : path, optional
        The results folder; ``results/NAME`` by default.
    workers : int, optional
        Worker processes; one per core by default.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://HOST:PORT``).
    chunk_size : int, optional
        Runs per chunk; by default about four chunks per worker, at most 10,000 runs.
    resume : bool
        Require results to resume (a plain rerun resumes too, but also starts afresh).
    force : bool
        Replace results made by a different spec, start corrupt results over, and
        start past ``max_runs`` and the other work limits (:data:`sim.inputs.LIMITS`).
    quiet : bool
        No progress bar.
    report : bool
        Draw the spec's ``[[plots]]`` into ``figures/`` and write the results page
        ``index.html`` (and ``results/index.html`` beside it), as ``relsim sweep``
        does (through the reporter the views set, see :func:`set_reporter`); False skips
        them, for speed. Only registered models get them (their figures may replay runs
        of the model).
    model : BatchModel, optional
        The model to sweep; by default the one the spec names (``model = "..."``).

    Returns
    -------
    pandas.DataFrame
        The run table (``runs.parquet``).

    Raises
    ------
    InputError
        For a bad spec, a spec past ``max_runs`` without ``force``, results of another
        spec without ``force``, or ``resume`` with nothing to resume.

    Notes
    -----
    Results never depend on the executor, the worker count or the chunk size: each
    run's key is a function of (seed, point, replicate) only. Finished chunks are
    kept; a sweep that stops for any reason resumes where it stopped.
    """
    summary = sweep(
        spec_or_path,
        executor,
        out,
        workers=workers,
        scheduler=scheduler,
        chunk_size=chunk_size,
        resume=resume,
        force=force,
        quiet=quiet,
        report=report,
        model=model,
    )
    return load_results(summary.out)


def default_chunk_size(spec: Spec, n_runs: int, workers: int) -> int:
    """Runs a chunk when none is asked for.

    About two chunks per worker, but at least :data:`MIN_CHUNK` runs (so vectorising
    pays), at most :data:`MAX_CHUNK` runs and :data:`MAX_CHUNK_VALUES` series values
    (so memory stays bounded), and never more than one worker's share.
    """
    size = max(MIN_CHUNK, math.ceil(n_runs / (2 * workers)))
    limit = MAX_CHUNK
    if spec.record_every and spec.series:
        records = n_records(spec.steps, spec.record_every)
        limit = min(limit, MAX_CHUNK_VALUES // (records * (len(spec.series) + 3)))
    return max(1, min(size, limit, math.ceil(n_runs / workers)))


def _bases(spec: Spec, model: BatchModel) -> dict[str, dict[str, float]]:
    return {s: model.base(s) for s in spec.scenarios}


def _base_sources(spec: Spec, model: BatchModel) -> dict[str, str]:
    """The file each base scenario was read from, where the model can say."""
    source = getattr(model, "base_source", None)
    return {s: source(s) for s in spec.scenarios} if source else {}


def _population(spec: Spec, model: BatchModel) -> PopulationInfo | None:
    """The population the spec's runs are drawn from, loaded once for the sweep."""
    if not spec.population:
        return None
    try:
        return model.population(spec.population)
    except InputError as err:
        raise InputError(spec.source, "population", str(err)) from None


def _count_failed(store: ResultStore) -> int:
    import pyarrow.compute as pc

    from sim.experiment.storage import read_table

    status = read_table(store.root / "runs.parquet", ["status"]).column("status")
    return int(pc.sum(pc.not_equal(status, "ok")).as_py() or 0)


def _manifest(
    spec: Spec,
    p: Plan,
    model: BatchModel,
    identity: str,
    store: ResultStore,
    new_session: bool = True,
) -> dict:
    old = store.read_manifest() if store.exists() else {}
    sessions = old.get("sessions", [])
    kept = {"executor": old["executor"]} if not new_session and "executor" in old else {}
    return {
        "name": spec.name,
        "description": spec.description,
        "model": model.name,
        "model_fingerprint": model.fingerprint(),
        "spec_source": spec.source,
        "spec": spec.text,
        "spec_hash": spec.text_hash,
        "identity_hash": identity,
        "design": {
            "kind": spec.design.kind,
            "scenarios": list(spec.scenarios),
            **({"population": spec.population} if spec.population else {}),
            "points": p.points.n,
            "replicates": spec.replicates,
            "runs": p.n_runs,
            "steps": spec.steps,
            "record_every": spec.record_every,
        },
        "seeds": {
            "root": spec.seed,
            "design": spec.design.seed,
            "run_keys": "sim.experiment.seeding.run_keys(root, point, replicate); "
            "each run's key is in the key column of runs.parquet",
        },
        "code": {
            "version": provenance.package_versions().get("relsim"),
            "git": provenance.git_commit(),
        },
        "packages": provenance.package_versions(),
        "scenario_files": _base_sources(spec, model),
        "created": sessions[0]["started"] if sessions else provenance.now(),
        "sessions": [*sessions, {"started": provenance.now()}] if new_session else sessions,
        "status": "running",
        **kept,
    }


def _pending(store: ResultStore, p: Plan) -> tuple[np.ndarray, np.ndarray]:
    done = np.zeros((p.points.n, p.spec.replicates), dtype=bool)
    point, rep = store.finished()
    keep = (point < p.points.n) & (rep < p.spec.replicates)
    done[point[keep], rep[keep]] = True
    pending = np.argwhere(~done)
    return pending[:, 0].astype(np.int64), pending[:, 1].astype(np.int64)


def _tasks(
    spec: Spec,
    p: Plan,
    model: BatchModel,
    point: np.ndarray,
    rep: np.ndarray,
    chunk_size: int,
    first_id: int,
    population: PopulationInfo | None = None,
) -> Iterator[ChunkTask]:
    """The chunks of the pending runs; with a population, each run's columns are drawn
    by its key and the design's factors laid over them."""
    param_names = set(p.points.params)
    extra = {k: v for k, v in p.points.factors.items() if k not in param_names}
    for i, start in enumerate(range(0, len(point), chunk_size)):
        pt = point[start : start + chunk_size]
        rp = rep[start : start + chunk_size]
        keys = run_keys(spec.seed, pt, rp)
        if population is None:
            params = {k: v[pt] for k, v in p.points.params.items()}
        else:
            params = drawn_params(p.points, model, pt, population.columns(keys))
        yield ChunkTask(
            chunk_id=first_id + i,
            model=model,
            point=pt,
            replicate=rp,
            keys=keys,
            scenario=p.points.scenario[pt],
            factors={k: v[pt] for k, v in extra.items()},
            params=params,
            steps=spec.steps,
            record_every=spec.record_every,
            series=spec.series,
            final=spec.final,
        )


def _warm_page(model: BatchModel) -> threading.Thread | None:
    """Start the page warm-up the views set (:func:`~sim.experiment.models.page_warmup`)
    on a thread of its own, so that it runs while the workers run the chunks: done
    after them, it would keep every worker waiting. A warm-up that fails is left to the
    page to report."""
    warmup = models.page_warmup()
    if warmup is None:
        return None

    def warm() -> None:
        try:
            warmup(model)
        except Exception:  # noqa: BLE001 - the page, drawn later, reports the fault
            pass

    thread = threading.Thread(target=warm, name="page-warmup", daemon=True)
    thread.start()
    return thread


def _stopped(store: ResultStore, manifest: dict, err: OSError) -> None:
    """Say in the manifest that the sweep stopped on a fault and is incomplete (if the
    manifest itself can still be written); the chunks written so far are whole and a
    rerun resumes from them."""
    manifest["status"] = "incomplete"
    for session in manifest["sessions"][-1:]:
        session.update(
            finished=provenance.now(),
            stopped=f"{err.strerror or err} ({err.filename or 'a write'})",
        )
    try:
        store.write_manifest(manifest)
    except OSError:
        pass  # the manifest on disk still says "running": a rerun resumes all the same


def _defined_in_main(model: BatchModel) -> bool:
    """Whether the model is defined in the ``__main__`` module (a user's script), which
    its workers must then import."""
    return type(model).__module__ == "__main__"


def _drive(
    exe,
    tasks: Iterator[ChunkTask],
    store: ResultStore,
    total: int,
    quiet: bool,
    stream: RunsStream | None = None,
) -> tuple[int, float]:
    """Run the tasks on the executor, writing each chunk as it finishes (and feeding it
    to ``stream``); return the number of failed runs and the seconds the model took,
    summed over the workers."""
    from tqdm.auto import tqdm

    failed, seconds = 0, 0.0
    with tqdm(total=total, unit="run", disable=quiet, dynamic_ncols=True, smoothing=0.1) as bar:
        for task, outcome in exe.map(run_chunk, tasks):
            if isinstance(outcome, BaseException):
                outcome = failure(task, f"{type(outcome).__name__}: {outcome}")
            store.write_chunk(outcome.chunk_id, outcome.runs, outcome.series)
            if stream is not None:
                stream.add(outcome.chunk_id, outcome.runs, outcome.error is None)
            seconds += outcome.seconds
            if outcome.error is not None:
                failed += task.n
            bar.update(task.n)
    return failed, seconds


def load_results(path: str | Path) -> pd.DataFrame:
    """The run table of an experiment's results folder (``results/NAME``)."""
    return ResultStore(path).runs()


def load_timeseries(path: str | Path) -> pd.DataFrame:
    """The tidy time series of an experiment (run, point, replicate, step, series...)."""
    return ResultStore(path).timeseries()


def export(path: str | Path, fmt: str = "csv") -> list[Path]:
    """Write an experiment's runs and series as one file each beside its results
    (:meth:`~sim.experiment.storage.ResultStore.export`); return the paths written.

    In CSV, keys are written as text so spreadsheets keep every digit.
    """
    store = ResultStore(path)
    store.read_manifest()
    return store.export(fmt)
