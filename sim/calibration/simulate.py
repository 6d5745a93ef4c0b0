"""What a worker does for a calibration: run the couples of a few particles, summarise them.

A :class:`Task` holds the parameter values of a few particles and the root seed of
each. A particle's couples are ``couples`` of the population's pool (drawn once a
process from the spec's seed, :func:`pool_columns`) chosen by the particle's root seed,
with the fitted parameters laid over them and random keys from the same root; a
scenario's couples all have the scenario's values. Every couple of every particle of a
task runs in one call of the engine, so that vectorisation pays; each particle's
statistics are then computed from its own couples. A couple's trajectory depends only
on its parameters and key, so a particle's statistics depend only on its values and
root seed, never on the task, the executor or the worker. This module imports no pyabc:
workers start quickly.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from functools import cache

import numpy as np

from sim.calibration.statistics import Statistic, compared, raw_values
from sim.model.engine import build_params, simulate
from sim.model.outcomes import SERIES
from sim.model.randomness import couple_keys
from sim.validation.couples import WEEKS_PER_YEAR, Couples

_POOLS: dict[tuple, dict[str, np.ndarray]] = {}


@dataclass(frozen=True)
class Setup:
    """What every particle of a calibration shares.

    Attributes
    ----------
    population : object or None
        The population the couples are drawn from (``columns(keys)``), or None.
    base : dict of str to float
        A scenario's value of every column (empty with a population).
    couples, weeks : int
        Couples a particle and weeks each runs.
    pool, pool_seed : int
        Size of the population's pool and the root seed of its keys.
    pool_id : str
        What identifies the pool within a process (the population's content hash).
    names : tuple of str
        The fitted parameters.
    integer : tuple of bool
        Which of them take whole numbers (rounded when simulated).
    statistics : tuple of Statistic
        What is computed of each particle's couples.
    """

    population: object | None
    base: dict[str, float]
    couples: int
    weeks: int
    pool: int
    pool_seed: int
    pool_id: str
    names: tuple[str, ...]
    integer: tuple[bool, ...]
    statistics: tuple[Statistic, ...]


@dataclass(frozen=True)
class Task:
    """A few particles to simulate.

    Attributes
    ----------
    setup : Setup
        What they share.
    ids : tuple of int
        Their indices (for the caller's bookkeeping).
    roots : tuple of int
        Each particle's root seed.
    values : ndarray, shape (particles, parameters)
        Each particle's value of every fitted parameter.
    """

    setup: Setup
    ids: tuple[int, ...]
    roots: tuple[int, ...]
    values: np.ndarray


@dataclass(frozen=True)
class Outcome:
    """What a task gave.

    Attributes
    ----------
    ids : tuple of int
        The task's particle indices.
    stats : list of dict
        Each particle's summary statistics (:func:`~sim.calibration.statistics.compared`).
    engine_seconds, seconds : float
        Time in the engine's ``simulate`` and in the whole task.
    """

    ids: tuple[int, ...]
    stats: list[dict[str, float]]
    engine_seconds: float
    seconds: float


def series_read() -> tuple[str, ...]:
    """The series recorded every year: those the measures read that the model offers."""
    from sim.validation.run import SERIES_READ

    return tuple(s for s in SERIES_READ if s in SERIES)


def pool_columns(setup: Setup) -> dict[str, np.ndarray]:
    """The population's pool: ``setup.pool`` couples drawn by the keys of
    ``couple_keys(pool_seed, pool)``, drawn once a process and kept."""
    key = (setup.pool_id, setup.pool_seed, setup.pool)
    if key not in _POOLS:
        _POOLS.clear()
        keys = couple_keys(setup.pool_seed, setup.pool)
        _POOLS[key] = setup.population.columns(keys)
    return _POOLS[key]


def particle_columns(setup: Setup, values: np.ndarray, root: int) -> dict[str, np.ndarray]:
    """Every column of one particle's couples: drawn from the pool (or the scenario's),
    with the fitted parameters laid over them."""
    n = setup.couples
    if setup.population is not None:
        pool = pool_columns(setup)
        chosen = np.random.default_rng(root).choice(setup.pool, size=n, replace=False)
        cols = {c: v[chosen] for c, v in pool.items()}
    else:
        cols = {c: np.full(n, v) for c, v in setup.base.items()}
    for name, x, whole in zip(setup.names, values, setup.integer, strict=True):
        x = float(np.round(x)) if whole else float(x)
        prefix, _, rest = name.partition(".")
        for column in (f"a.{rest}", f"b.{rest}") if prefix == "both" else (name,):
            cols[column] = np.full(n, x)
    return cols


def particle_keys(setup: Setup, root: int) -> np.ndarray:
    """The random keys of one particle's couples."""
    return couple_keys(root, setup.couples)


def run_task(task: Task) -> Outcome:
    """Simulate every couple of a task's particles in one batch; summarise each particle."""
    t0 = time.perf_counter()
    setup = task.setup
    parts = [particle_columns(setup, v, r) for v, r in zip(task.values, task.roots, strict=True)]
    cols = {c: np.concatenate([p[c] for p in parts]) for c in parts[0]}
    keys = np.concatenate([particle_keys(setup, r) for r in task.roots])
    groups: dict[str, dict[str, np.ndarray]] = {"a": {}, "b": {}, "env": {}}
    for column, values in cols.items():
        prefix, _, rest = column.partition(".")
        groups[prefix][rest] = values
    params = build_params(groups["a"], groups["b"], groups["env"], len(keys))
    e0 = time.perf_counter()
    sim = simulate(params, keys, setup.weeks, WEEKS_PER_YEAR, series_read())
    engine = time.perf_counter() - e0
    metrics = sim.metrics()
    stats = []
    n = setup.couples
    for i in range(len(task.ids)):
        part = slice(i * n, (i + 1) * n)
        couples = Couples(
            {k: v[part] for k, v in metrics.items()},
            {k: v[:, part] for k, v in sim.series.items()},
            np.asarray(sim.steps),
            setup.weeks,
        )
        with warnings.catch_warnings():  # a measure without data gives NaN, which is scored
            warnings.simplefilter("ignore", RuntimeWarning)
            values = raw_values(setup.statistics, couples)
        stats.append(compared(setup.statistics, values))
    return Outcome(task.ids, stats, engine, time.perf_counter() - t0)


@cache
def scenario_columns(scenario: str) -> dict[str, float]:
    """A scenario's value of every column (``a.*``, ``b.*``, ``env.*``)."""
    from sim.model.batch import RELATIONSHIP

    return RELATIONSHIP.base(scenario)
