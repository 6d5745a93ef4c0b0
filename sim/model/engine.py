"""The batch engine: run many couples for many weeks, recording series and outcomes.

This is the one engine behind every face: the Mesa model, ``relsim run``, sweeps and
the app all call :func:`build_params` and :func:`simulate`. It is also the batch
model the experiment runner sweeps (see ``sim.model.batch.RELATIONSHIP``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.model import DEFAULT_STEPS
from sim.model import parameters as reg
from sim.model.kernel import run_weeks
from sim.model.outcomes import (
    OUTCOME_CLASSES,
    SERIES,
    Thresholds,
    classify,
    final_metrics,
    pattern,
)
from sim.model.randomness import couple_keys
from sim.model.state import Params, State, initial_state

"""Ten years of weeks."""


def build_params(
    a: Mapping[str, object] | None = None,
    b: Mapping[str, object] | None = None,
    env: Mapping[str, object] | None = None,
    n: int | None = None,
) -> Params:
    """Validated parameters for ``n`` couples from partial trait and environment maps.

    Each value may be a scalar (the same for every couple) or an array of length ``n``.
    Anything not named takes the registry default.

    Raises
    ------
    ParameterError
        For an unknown name, a wrong type, a value out of range or NaN.
    """
    given = {"a.": a or {}, "b.": b or {}, "env.": env or {}}
    lengths = {np.size(v) for m in given.values() for v in m.values() if np.ndim(v) > 0}
    if n is None:
        n = max(lengths) if lengths else 1
    if any(length != n for length in lengths):
        raise reg.ParameterError(
            "n_couples", f"arrays must all have length {n}, got {sorted(lengths)}"
        )
    for where, names in (("a.", reg.TRAIT_NAMES), ("b.", reg.TRAIT_NAMES), ("env.", reg.ENV_NAMES)):
        for key in given[where]:
            if key not in names:
                kind = "trait" if where != "env." else "environment parameter"
                raise reg.ParameterError(
                    f"{where}{key}", f"unknown {kind}; expected one of {', '.join(names)}"
                )

    def column(where: str, name: str) -> np.ndarray:
        value = given[where].get(name, reg.REGISTRY[name].default)
        return np.broadcast_to(reg.validate_array(name, value, where), (n,)).astype(np.float64)

    traits = {t: np.stack((column("a.", t), column("b.", t))) for t in reg.TRAIT_NAMES}
    env_arrays = {e: column("env.", e) for e in reg.ENV_NAMES}
    return Params(traits, env_arrays)


@dataclass
class Simulation:
    """What :func:`simulate` returns.

    Attributes
    ----------
    state : State
        The final state of every couple.
    series : dict of str to ndarray
        Recorded weekly series, each of shape ``(len(steps), n)``.
    steps : ndarray
        The weeks at which ``series`` was recorded (0 is the initial state).
    """

    state: State
    series: dict[str, np.ndarray] = field(default_factory=dict)
    steps: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __repr__(self) -> str:
        recorded = (
            f"{len(self.series)} series at {len(self.steps)} weeks" if self.series else "no series"
        )
        return f"<Simulation: {self.state!r}; {recorded}>"

    def metrics(self, thresholds: Thresholds | None = None) -> dict[str, np.ndarray]:
        """Final metrics of every couple with its outcome class and its pattern (the class
        with its ending set aside), each as a code and a name."""
        m = final_metrics(self.state)
        codes = classify(m, thresholds)
        shown = pattern(m, thresholds)
        m["outcome_code"] = codes
        m["outcome"] = np.asarray(OUTCOME_CLASSES, dtype=object)[codes]
        m["pattern_code"] = shown
        m["pattern"] = np.asarray(OUTCOME_CLASSES, dtype=object)[shown]
        return m


def simulate(
    params: Params,
    keys: np.ndarray,
    steps: int = DEFAULT_STEPS,
    record_every: int = 0,
    series: Sequence[str] = tuple(SERIES),
) -> Simulation:
    """Run every couple of a batch for ``steps`` weeks.

    Parameters
    ----------
    params : Params
        Traits and environment of every couple (see :func:`build_params`).
    keys : ndarray of uint64, shape (n,)
        One random key per couple (see :func:`~sim.model.randomness.couple_keys`). A
        couple's trajectory depends only on its parameters, its key and the week.
    steps : int
        Number of weeks to run.
    record_every : int
        Record ``series`` at week 0 and every this many weeks (and at the last week);
        0 records nothing.
    series : sequence of str
        Names from :data:`~sim.model.outcomes.SERIES`.
    """
    keys = np.asarray(keys, dtype=np.uint64)
    if keys.shape != (params.n,):
        raise ValueError(f"need one key per couple: {params.n} couples, keys of shape {keys.shape}")
    unknown = [s for s in series if s not in SERIES]
    if unknown:
        raise ValueError(f"unknown series {unknown}; expected some of {', '.join(SERIES)}")
    state = initial_state(params)
    record_at = _record_weeks(steps, record_every)
    out = {name: np.empty((len(record_at), params.n)) for name in series} if record_every else {}
    week = 0
    for row, at in enumerate(record_at):
        run_weeks(state, params, keys, int(at) - week)
        week = int(at)
        for name in out:
            out[name][row] = SERIES[name](state)
    run_weeks(state, params, keys, steps - week)
    return Simulation(state, out, record_at)


def step(state: State, params: Params, keys: np.ndarray) -> None:
    """Advance every couple still together by one week, in place.

    Parameters
    ----------
    state : State
        The couples' state; couples may be added, removed or rewritten between weeks.
    params : Params
        Their traits and environment.
    keys : ndarray of uint64, shape (n,)
        One random key per couple.
    """
    run_weeks(state, params, keys, 1)


def _record_weeks(steps: int, every: int) -> np.ndarray:
    if every <= 0:
        return np.zeros(0, dtype=np.int64)
    weeks = np.arange(0, steps + 1, every, dtype=np.int64)
    if weeks[-1] != steps:
        weeks = np.append(weeks, steps)
    return weeks


def run_couples(
    a: Mapping[str, object] | None = None,
    b: Mapping[str, object] | None = None,
    env: Mapping[str, object] | None = None,
    n: int = 1,
    seed: int = 0,
    steps: int = DEFAULT_STEPS,
    record_every: int = 0,
) -> Simulation:
    """Convenience: ``n`` replicate couples with the given traits, keyed from ``seed``."""
    params = build_params(a, b, env, n)
    return simulate(params, couple_keys(seed, params.n), steps, record_every)


@dataclass
class Replay:
    """One couple's weeks replayed: what each partner did each week, and the intimacy.

    Attributes
    ----------
    events : ndarray of bool, shape (steps, N_EVENTS, 2)
        ``events[w - 1, kind, partner]``: the partner did ``kind`` in week ``w``.
    intimacy : ndarray, shape (steps + 1,)
        Intimacy at weeks 0..steps.
    """

    events: np.ndarray
    intimacy: np.ndarray


def replay(
    a: Mapping[str, object],
    b: Mapping[str, object],
    env: Mapping[str, object],
    key: int,
    steps: int,
) -> Replay:
    """Replay one couple week by week, keeping its events.

    A couple's draws depend only on its key, its parameters and the week, so the
    replay of a sweep's run (its traits, environment and key) is that very run.
    """
    params = build_params(a=a, b=b, env=env, n=1)
    keys = np.asarray([key], dtype=np.uint64)
    state = initial_state(params)
    events = np.zeros((steps, *state.events.shape[:2]), dtype=bool)
    intimacy = np.empty(steps + 1)
    intimacy[0] = state.intimacy[0]
    for week in range(steps):
        step(state, params, keys)
        events[week] = state.events[:, :, 0]
        intimacy[week + 1] = state.intimacy[0]
    return Replay(events, intimacy)
