"""Run a calibration: pyabc's ABC-SMC on relsim's executors, into ``results/NAME/``.

:func:`calibrate` is the whole of ``relsim calibrate``. It checks the spec, opens (or
resumes) pyabc's database ``abc.db`` in the results folder, runs generations until a
stopping rule holds, then writes the posterior (``posterior.parquet``), the thresholds
and acceptance rates by generation (``generations.parquet``), the posterior predictive
check (``predictive.parquet``), the manifest and the page. Every file but pyabc's
database is written atomically; the database keeps each finished generation, so a
calibration stopped at any moment (even by SIGKILL) resumes from its last finished
generation and ends with the same posterior as one never stopped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import shutil
import sys
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim import atomic
from sim.calibration.spec import CalibrationSpec, load_calibration, parse_calibration
from sim.calibration.statistics import VALUE_PREFIX, Statistic
from sim.errors import InputError
from sim.experiment import provenance as prov
from sim.experiment.executors import check_executor, make_executor

DEFAULT_RESULTS = Path("results")
"""Folder under which each calibration gets its results folder by default."""

DATABASE = "abc.db"
"""pyabc's database in the results folder."""

CODE_MODULES = (
    "sim.calibration.sampler",
    "sim.calibration.simulate",
    "sim.calibration.statistics",
    "sim.validation.couples",
    "sim.validation.measures",
)
"""Modules of the calibration whose code decides its results (beside the model's)."""

STOP_KEYS = (
    "generations",
    "min_epsilon",
    "min_epsilon_diff",
    "min_acceptance_rate",
    "max_simulations",
)

_POOL = 0x9001


@dataclass(frozen=True)
class Calibration:
    """What a calibration gave.

    Attributes
    ----------
    out : Path
        The results folder.
    posterior : DataFrame
        The last generation: a column per fitted parameter, ``weight`` and
        ``distance``.
    generations : DataFrame
        By generation: ``t``, ``epsilon``, ``particles``, ``samples`` (candidates
        evaluated), ``acceptance_rate``.
    predictive : DataFrame
        The posterior predictive draws: parameters, every statistic's value, distance.
    stop : str
        Why it stopped.
    seconds : float
        Wall time of this call.
    page : Path or None
        ``index.html``.
    """

    out: Path
    posterior: pd.DataFrame
    generations: pd.DataFrame
    predictive: pd.DataFrame
    stop: str
    seconds: float
    page: Path | None = None


def as_spec(spec: CalibrationSpec | Mapping | str | Path) -> CalibrationSpec:
    """A spec as given, read from a file, or checked from a dict."""
    if isinstance(spec, CalibrationSpec):
        return spec
    if isinstance(spec, Mapping):
        return parse_calibration(spec, default_name=str(spec.get("name", "calibration")))
    return load_calibration(spec)


def results_dir(spec: CalibrationSpec, out: str | Path | None = None) -> Path:
    """Where a calibration writes: ``out``, or ``results/NAME``."""
    return Path(out) if out is not None else DEFAULT_RESULTS / spec.name


def identity_extra(spec: CalibrationSpec) -> dict[str, object]:
    """What decides the results beside the spec: the model's and the calibration's code,
    pyabc's version, and the population's draws or the scenario's values."""
    from importlib import metadata

    from sim.model import RESULT_MODULES

    extra: dict[str, object] = {
        "model": prov.code_fingerprint(RESULT_MODULES),
        "calibration": prov.code_fingerprint(CODE_MODULES),
        "pyabc": metadata.version("pyabc"),
    }
    if spec.population:
        from sim.population import load_population

        extra["population_draws"] = load_population(spec.population).identity()
    else:
        from sim.calibration.simulate import scenario_columns

        extra["scenario_values"] = scenario_columns(spec.scenario)
    return extra


def setup(spec: CalibrationSpec):
    """What every particle of the calibration shares (:class:`~sim.calibration.simulate.Setup`)."""
    from sim.calibration.simulate import Setup, scenario_columns

    population, base, pool_id = None, {}, ""
    if spec.population:
        from sim.population import load_population

        population = load_population(spec.population)
        pool_id = population.content_hash()
    else:
        base = dict(scenario_columns(spec.scenario))
    pool_seed = int(np.random.SeedSequence([spec.seed, _POOL]).generate_state(1, np.uint64)[0])
    return Setup(
        population=population,
        base=base,
        couples=spec.couples,
        weeks=spec.weeks,
        pool=spec.pool,
        pool_seed=pool_seed,
        pool_id=pool_id,
        names=spec.names,
        integer=tuple(p.integer for p in spec.parameters),
        statistics=spec.statistics,
    )


def prior(spec: CalibrationSpec):
    """pyabc's prior: a ``Distribution`` of one ``RV`` per fitted parameter."""
    import pyabc

    rvs = {}
    for p in spec.parameters:
        if p.kind == "uniform":
            rvs[p.name] = pyabc.RV("uniform", p.low, p.high - p.low)
        else:
            a, b = (p.low - p.mean) / p.sd, (p.high - p.mean) / p.sd
            rvs[p.name] = pyabc.RV("truncnorm", a, b, loc=p.mean, scale=p.sd)
    return pyabc.Distribution(**rvs)


def stop_settings(spec: CalibrationSpec) -> dict[str, object]:
    """The stopping rules, as the manifest keeps them."""
    return {k: getattr(spec.abc, k) for k in STOP_KEYS}


def stop_reason(spec: CalibrationSpec, generations: pd.DataFrame) -> str:
    """The stopping rule the finished generations meet (pyabc's, in its order), or ``""``."""
    if generations.empty:
        return ""
    a = spec.abc
    last = generations.iloc[-1]
    eps = float(last["epsilon"])
    if len(generations) >= a.generations:
        return "generations"
    if eps <= a.min_epsilon:
        return "min_epsilon"
    if len(generations) > 1 and abs(eps - float(generations.iloc[-2]["epsilon"])) < (
        a.min_epsilon_diff
    ):
        return "min_epsilon_diff"
    if float(last["acceptance_rate"]) < a.min_acceptance_rate:
        return "min_acceptance_rate"
    if a.max_simulations is not None and int(generations["samples"].sum()) >= a.max_simulations:
        return "max_simulations"
    return ""


def _quiet_pyabc() -> None:
    for name in ("ABC", "pyabc", "Epsilon", "Distance", "Acceptor", "History", "Sampler"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("ABC.History").setLevel(logging.WARNING)


def time_left(
    seconds: float, evaluated: int, rate: float, previous: float | None, n: int, left: int
) -> float:
    """Seconds the ``left`` generations still allowed would take: each needs ``n``
    acceptances at the last generation's time per candidate, its acceptance rate falling
    from ``rate`` by the factor it fell last (at most 1)."""
    per_candidate = seconds / max(evaluated, 1)
    factor = min(1.0, rate / previous) if previous else 1.0
    total = 0.0
    for k in range(1, left + 1):
        total += n / max(rate * factor**k, 1e-3) * per_candidate
    return total


class _Progress:
    """Generation, threshold, acceptance rate and time left, on standard error."""

    def __init__(self, spec: CalibrationSpec, quiet: bool, done: int):
        self.spec = spec
        self.quiet = quiet
        self.done = done
        self.bar = None
        self.previous: float | None = None

    def __call__(self, event: str, info: dict) -> None:
        if self.quiet:
            return
        from tqdm.auto import tqdm

        t, eps = info["t"], info["epsilon"]
        threshold = "none (the prior)" if math.isinf(eps) else f"{eps:.4g}"
        if event == "start":
            self.bar = tqdm(
                total=info["n"],
                desc=f"generation {t} (threshold {threshold})",
                unit="particle",
                dynamic_ncols=True,
                leave=False,
                file=sys.stderr,
            )
            return
        rate = info["accepted"] / max(info["evaluated"], 1)
        if event == "batch" and self.bar is not None:
            self.bar.n = info["accepted"]
            self.bar.set_postfix_str(f"acceptance {rate:.1%}", refresh=True)
            return
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        self.done += 1
        left = self.spec.abc.generations - self.done
        tail = ""
        if left > 0:
            previous = self.previous if not math.isinf(eps) else None
            guess = time_left(info["seconds"], info["evaluated"], rate, previous, info["n"], 1)
            tail = f"; time left: about {_duration(guess)} for the next (at most {left} more)"
        self.previous = rate if not math.isinf(eps) else None
        print(
            f"relsim calibrate: generation {t}: threshold {threshold}, acceptance rate "
            f"{rate:.1%} ({info['accepted']:,} of {info['evaluated']:,}), "
            f"{_duration(info['seconds'])}{tail}",
            file=sys.stderr,
            flush=True,
        )


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _prepare(folder: Path, identity: str, resume: bool, force: bool) -> dict:
    """Check the folder against the spec; return the old manifest (empty when new).

    A folder of the same calibration resumes; one of another calibration is replaced
    with ``force`` and refused without; anything else is refused.
    """
    manifest_path = folder / "manifest.json"
    if manifest_path.is_file():
        try:
            old = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise InputError(str(folder), "manifest.json", f"unreadable: {err}") from None
        if old.get("kind") != "calibration":
            raise InputError(str(folder), "", "holds results that are not a calibration's")
        if old.get("identity_hash") == identity:
            return old
        if not force:
            raise InputError(
                str(folder),
                "",
                f"holds a calibration of a different spec ({old.get('spec_source')}) or code "
                "version; use --force to replace it, or --out to write elsewhere",
            )
        shutil.rmtree(folder)
        return {}
    if resume:
        raise InputError(str(folder), "", "nothing to resume (no manifest.json)")
    if folder.exists() and any(folder.iterdir()):
        raise InputError(str(folder), "", "exists and is not a calibration's folder")
    return {}


def _stored(db_path: Path) -> int | None:
    """Generations finished in pyabc's database, or None when it holds no calibration."""
    if not db_path.is_file():
        return None
    import pyabc

    history = pyabc.History(f"sqlite:///{db_path.resolve()}", create=False)
    if not history.all_runs():
        return None
    history.id = 1
    return (history.max_t if history.max_t is not None else -1) + 1


def _manifest(spec: CalibrationSpec, identity: str, old: dict, executor: dict) -> dict:
    sessions = old.get("sessions", [])
    packages = prov.package_versions()
    from importlib import metadata

    packages["pyabc"] = metadata.version("pyabc")
    return {
        "kind": "calibration",
        "name": spec.name,
        "description": spec.description,
        "spec_source": spec.source,
        "spec": spec.text,
        "spec_hash": hashlib.sha256(spec.text.encode()).hexdigest(),
        "identity_hash": identity,
        "population": spec.population,
        "scenario": spec.scenario,
        "couples": spec.couples,
        "years": spec.years,
        "pool": spec.pool,
        "parameters": {p.name: p.describe() for p in spec.parameters},
        "statistics": [
            {"name": s.name, "target": s.target, "observed": s.observed, "scale": s.scale}
            for s in spec.statistics
        ],
        "seeds": {
            "root": spec.seed,
            "candidates": "sim.calibration.sampler.candidate_seed(root, t, j) seeds numpy's "
            "and Python's generators for candidate j of generation t",
            "couples": "sim.calibration.sampler.couples_root(root, t, j) is the root of "
            "couple_keys for its couples",
        },
        "stop_settings": stop_settings(spec),
        "executor": executor,
        "database": DATABASE,
        "code": {"version": packages.get("relsim"), "git": prov.git_commit()},
        "model_fingerprint": identity_extra_cache(spec)["model"],
        "packages": packages,
        "created": sessions[0]["started"] if sessions else prov.now(),
        "sessions": [*sessions, {"started": prov.now()}],
        "status": "running",
        "stop": old.get("stop", ""),
        "timings": old.get("timings", []),
    }


_EXTRA: dict[str, dict] = {}


def identity_extra_cache(spec: CalibrationSpec) -> dict[str, object]:
    """:func:`identity_extra`, computed once a spec."""
    key = spec.text + spec.source
    if key not in _EXTRA:
        _EXTRA[key] = identity_extra(spec)
    return _EXTRA[key]


def _timings(old: dict, sampler) -> list[dict]:
    """Each generation's times: those of earlier sessions, then this one's."""
    return old.get("timings", []) + [
        {
            "t": g.t,
            "seconds": g.seconds,
            "engine_seconds": g.engine_seconds,
            "task_seconds": g.task_seconds,
            "evaluated": g.evaluated,
            "simulated": g.simulated,
        }
        for g in sampler.generations
    ]


def _write_manifest(folder: Path, manifest: dict) -> None:
    atomic.write_text(folder / "manifest.json", json.dumps(manifest, indent=2, default=str))


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    with atomic.replacing(path) as tmp:
        frame.to_parquet(tmp, index=False)


def read_generations(history) -> pd.DataFrame:
    """Threshold, particles, candidates evaluated and acceptance rate by generation."""
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0].sort_values("t")
    out = pd.DataFrame(
        {
            "t": pops["t"].astype(int).to_numpy(),
            "epsilon": pops["epsilon"].astype(float).to_numpy(),
            "particles": pops["particles"].astype(int).to_numpy(),
            "samples": pops["samples"].astype(int).to_numpy(),
        }
    )
    out["acceptance_rate"] = out["particles"] / out["samples"]
    return out


def read_posterior(history, spec: CalibrationSpec, t: int | None = None) -> pd.DataFrame:
    """The particles of generation ``t`` (default the last): parameters, weight, distance."""
    frame, w = history.get_distribution(m=0, t=t)
    dist = history.get_weighted_distances(t=t)
    out = frame[list(spec.names)].reset_index(drop=True).astype(float)
    out["weight"] = np.asarray(w, dtype=float)
    out["distance"] = dist["distance"].to_numpy(dtype=float)
    return out


def predictive_check(spec: CalibrationSpec, posterior: pd.DataFrame, runs) -> pd.DataFrame:
    """Simulate ``abc.predictive`` draws from the posterior (by weight, from the seed);
    one row per draw: its parameters, every statistic's value and the distance."""
    from sim.calibration.sampler import predictive_root
    from sim.calibration.statistics import distance

    k = spec.abc.predictive
    rng = np.random.default_rng(np.random.SeedSequence([spec.seed, 0xF00D]))
    w = posterior["weight"].to_numpy()
    rows = rng.choice(len(posterior), size=k, replace=True, p=w / w.sum())
    values = posterior[list(spec.names)].to_numpy()[rows]
    ids = list(range(k))
    stats = runs.run(ids, [predictive_root(spec.seed, i) for i in ids], values)
    out = pd.DataFrame(values, columns=list(spec.names))
    out.insert(0, "draw", ids)
    out.insert(1, "particle", rows)
    for s in spec.statistics:
        out[s.name] = [stats[i][VALUE_PREFIX + s.name] for i in ids]
    raw = out[[s.name for s in spec.statistics]].to_dict(orient="records")
    out["distance"] = [distance(spec.statistics, r) for r in raw]
    return out


def predictive_summary(statistics: tuple[Statistic, ...], predictive: pd.DataFrame) -> pd.DataFrame:
    """By statistic: the target, its scale, the predictive median and 90 % interval, and
    whether the target (or the allowed values) lies within that interval; ``z05``,
    ``z50``, ``z95`` are the same quantiles of what the distance adds up, ``(model -
    target) / scale`` (for a statistic given by bounds, its miss over its scale)."""
    from sim.calibration.statistics import compared

    rows = []
    for s in statistics:
        x = predictive[s.name].to_numpy(dtype=float)
        finite = x[np.isfinite(x)]
        lo, med, hi = np.quantile(finite, [0.05, 0.5, 0.95]) if finite.size else [np.nan] * 3
        if s.criterion is not None:
            a, _, b, _ = s.criterion.interval()
            inside = bool(finite.size) and hi >= a and lo <= b
        else:
            inside = bool(finite.size) and lo <= s.observed <= hi
        z = [(compared([s], {s.name: v})[s.name] - s.observed) / s.scale for v in x]
        z05, z50, z95 = np.quantile(z, [0.05, 0.5, 0.95]) if len(z) else [np.nan] * 3
        rows.append(
            {
                "statistic": s.name,
                "what": s.label,
                "target": s.described(),
                "observed": s.observed if s.criterion is None else math.nan,
                "scale": s.scale,
                "median": float(med),
                "q05": float(lo),
                "q95": float(hi),
                "computed": int(finite.size),
                "inside": inside,
                "z05": float(z05),
                "z50": float(z50),
                "z95": float(z95),
            }
        )
    return pd.DataFrame(rows)


def calibrate(
    spec: CalibrationSpec | Mapping | str | Path,
    executor: str = "process",
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
    quiet: bool = False,
    report: bool = True,
) -> Calibration:
    """Calibrate the model's parameters to targets by ABC-SMC with pyabc.

    Parameters
    ----------
    spec : CalibrationSpec, mapping or path
        A spec, the parsed contents of one, or an ``experiments/NAME.toml`` file.
    executor : {"process", "serial", "dask"}
        Where the particles' couples run.
    out : path, optional
        The results folder (default ``results/NAME``).
    workers, scheduler
        As for :func:`sim.run_experiment`.
    resume : bool
        Require a calibration to resume (a plain rerun resumes too).
    force : bool
        Replace the results of a different spec.
    quiet : bool
        No progress.
    report : bool
        Write the page ``index.html`` (with its figures).

    Returns
    -------
    Calibration

    Raises
    ------
    InputError
        For a bad spec or bad executor arguments (nothing is written then), results of
        another spec without ``force``, or ``resume`` with nothing to resume.
    """
    t_start = time.perf_counter()
    spec = as_spec(spec)
    check_executor(executor, workers, scheduler)
    extra = identity_extra_cache(spec)
    identity = spec.identity_hash(extra)
    folder = results_dir(spec, out)
    old = _prepare(folder, identity, resume, force)
    folder.mkdir(parents=True, exist_ok=True)
    import pyabc

    from sim.calibration.sampler import BatchSampler, CoupleModel, Runs
    from sim.calibration.statistics import observed, weights

    _quiet_pyabc()
    db_path = folder / DATABASE
    db = f"sqlite:///{db_path.resolve()}"
    exe = make_executor(executor, workers, scheduler)
    manifest = _manifest(spec, identity, old, exe.describe())
    sampler = None
    try:
        _write_manifest(folder, manifest)
        runs = Runs(exe, setup(spec))
        model = CoupleModel(spec.names)
        stored = _stored(db_path) if old else None
        done = stored or 0
        gens = read_generations(pyabc.History(db, _id=1)) if done else pd.DataFrame()
        same_stops = old.get("stop_settings") == stop_settings(spec)
        finished = stop_reason(spec, gens) or (
            old.get("stop", "") if old.get("status") == "complete" and same_stops else ""
        )
        progress = _Progress(spec, quiet, done)
        sampler = BatchSampler(model, runs, spec.seed, progress)
        eps = pyabc.QuantileEpsilon(
            initial_epsilon="from_sample" if done else math.inf, alpha=spec.abc.quantile
        )
        abc = pyabc.ABCSMC(
            model,
            prior(spec),
            pyabc.PNormDistance(p=2, fixed_weights=weights(spec.statistics)),
            population_size=spec.abc.particles,
            eps=eps,
            sampler=sampler,
        )
        if stored is None:
            db_path.unlink(missing_ok=True)
            abc.new(db, observed(spec.statistics))
        else:
            abc.load(db, 1)
        if not finished:
            if not quiet:
                print(
                    f"relsim calibrate: {spec.name}: {len(spec.parameters)} parameter(s), "
                    f"{spec.abc.particles:,} particles of {spec.couples:,} couples, "
                    f"{len(spec.statistics)} statistic(s), executor {exe.name} "
                    f"({exe.workers} worker(s))"
                    + (f"; resuming after generation {done - 1}" if done else ""),
                    file=sys.stderr,
                    flush=True,
                )
            a = spec.abc
            # pyabc compares the first threshold (infinite) with the one before: inf - inf
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", "invalid value", RuntimeWarning, "pyabc")
                abc.run(
                    minimum_epsilon=a.min_epsilon,
                    max_nr_populations=a.generations - done,
                    min_acceptance_rate=a.min_acceptance_rate,
                    max_total_nr_simulations=(
                        a.max_simulations if a.max_simulations is not None else np.inf
                    ),
                    min_eps_diff=a.min_epsilon_diff,
                )
        history = abc.history
        gens = read_generations(history)
        stop = stop_reason(spec, gens) or finished or "min_acceptance_rate"
        posterior = read_posterior(history, spec)
        manifest["timings"] = _timings(old, sampler)
        _write_parquet(posterior, folder / "posterior.parquet")
        _write_parquet(gens, folder / "generations.parquet")
        predictive = predictive_check(spec, posterior, runs)
        _write_parquet(predictive, folder / "predictive.parquet")
    except BaseException:
        if sampler is not None:
            manifest["timings"] = _timings(old, sampler)
        manifest["status"] = "stopped"
        manifest["sessions"][-1]["finished"] = prov.now()
        _write_manifest(folder, manifest)
        raise
    finally:
        exe.close()
    manifest.update(status="complete", stop=stop)
    manifest["sessions"][-1].update(
        finished=prov.now(),
        generations=len(sampler.generations),
        seconds=time.perf_counter() - t_start,
    )
    _write_manifest(folder, manifest)
    page = None
    if report:
        from sim.calibration.page import write_page

        page = write_page(folder, spec, posterior, gens, predictive, manifest)
    return Calibration(
        folder, posterior, gens, predictive, stop, time.perf_counter() - t_start, page
    )


def load_calibration_results(path: str | Path) -> dict[str, pd.DataFrame]:
    """The tables of a calibration's results folder: ``posterior``, ``generations``,
    ``predictive``."""
    folder = Path(path)
    out = {}
    for name in ("posterior", "generations", "predictive"):
        file = folder / f"{name}.parquet"
        if not file.is_file():
            raise InputError(str(folder), "", f"no {name}.parquet: not a finished calibration")
        out[name] = pd.read_parquet(file)
    return out
