"""The Mesa face of the engine: ``RelationshipModel`` and ``PartnerAgent``.

The model holds the engine's arrays for ``n_couples`` couples; each partner is a
``mesa.Agent`` whose attributes are views on its own entries, so ``model.agents``,
``AgentSet.select/agg/groupby``, ``DataCollector`` and ``SolaraViz`` work as Mesa
users expect, while one ``model.step()`` advances every couple with the vectorised
phases of :mod:`sim.model.week`.
"""

from __future__ import annotations

from collections.abc import Mapping

import mesa
import numpy as np

from sim.model import parameters as reg
from sim.model.declarations import PARTNER
from sim.model.declarations import STATE as STATE_VARIABLES
from sim.model.engine import DEFAULT_STEPS, build_params
from sim.model.engine import step as advance_week
from sim.model.outcomes import OUTCOME_CLASSES, Thresholds, classify, final_metrics, pattern
from sim.model.randomness import couple_keys
from sim.model.state import Params, State, initial_state

PARTNER_STATE = tuple(v.name for v in STATE_VARIABLES if v.scope == PARTNER)
"""Partner state variables a ``PartnerAgent`` exposes as attributes: every partner variable
of the declarations (:data:`sim.model.declarations.STATE`)."""


class PartnerAgent(mesa.Agent):
    """One partner of one couple; its attributes are views on the model's arrays.

    Attributes
    ----------
    couple : int
        Index of the couple in the model's arrays.
    role : str
        ``"a"`` or ``"b"``.
    capability, stress, goodwill, satisfaction, resentment, trust, autonomy,
    commitment, self_regard, acceptance, ledger : float
        The partner's state (read and write).
    traits : dict of str to float
        The partner's traits (read only).
    intimacy : float
        The couple's intimacy.
    together : bool
        False once the couple has ended.
    """

    def __init__(self, model: RelationshipModel, couple: int, role: str):
        super().__init__(model)
        self.couple = couple
        self.role = role
        self._row = reg.PARTNERS.index(role)

    @property
    def partner(self) -> PartnerAgent:
        """The other partner of the couple."""
        return self.model.partners[1 - self._row][self.couple]

    @property
    def traits(self) -> dict[str, float]:
        """The partner's traits."""
        p = self.model.params
        return {name: float(p.traits[name][self._row, self.couple]) for name in reg.TRAIT_NAMES}

    @property
    def intimacy(self) -> float:
        """Intimacy of the partner's couple."""
        return float(self.model.state.intimacy[self.couple])

    @property
    def together(self) -> bool:
        """Whether the couple is still together."""
        return bool(self.model.state.active[self.couple])


def _state_property(name: str) -> property:
    def get(self: PartnerAgent) -> float:
        return float(getattr(self.model.state, name)[self._row, self.couple])

    def set_(self: PartnerAgent, value: float) -> None:
        getattr(self.model.state, name)[self._row, self.couple] = value

    return property(get, set_, doc=f"The partner's {name.replace('_', ' ')}.")


for _name in PARTNER_STATE:
    setattr(PartnerAgent, _name, _state_property(_name))


class RelationshipModel(mesa.Model):
    """Many couples, one week per step, on the vectorised engine.

    Parameters
    ----------
    a, b : mapping of str to float or array, optional
        Traits of partner ``a`` and partner ``b`` (scalars, or arrays of length
        ``n_couples``); anything not named takes the registry default.
    env : mapping of str to float or array, optional
        Environment parameters.
    n_couples : int, optional
        Number of couples (default 1, or the couples of ``params``).
    steps : int
        Horizon in weeks; ``running`` turns false there or when every couple has ended.
    rng : int or None
        Seed. Couple ``i``'s random numbers depend only on this seed and ``i`` (unless
        ``keys`` gives them).
    thresholds : Thresholds, optional
        Thresholds of the outcome classes.
    scenario : mesa.experimental.scenarios.Scenario, optional
        What Mesa's ``SolaraViz`` passes when its Reset button rebuilds the model; only
        its ``rng`` is read, and only when ``rng`` is not given.
    params : Params, optional
        Ready-made parameters of every couple, as :func:`~sim.model.engine.build_params`
        or :meth:`sim.population.Population.draw` give them, in place of ``a``, ``b``,
        ``env`` and single parameters.
    keys : array of uint64, optional
        One random key per couple (default ``couple_keys(rng, n_couples)``): a couple's
        weeks depend only on its parameters and its key, so the keys of another run (such
        as the run keys of ``relsim run``) give that run's couples.
    **overrides
        Single parameters as ``a_dependency`` / ``a.dependency``, ``both_growth``,
        ``env_problem_rate``: the form ``mesa.batch_run`` passes.

    Attributes
    ----------
    params : Params
        Validated parameters of every couple.
    state : State
        The engine's arrays.
    partners : tuple of two lists of PartnerAgent
        ``partners[0][i]`` is partner ``a`` of couple ``i``.
    datacollector : mesa.DataCollector
        Model and agent reporters, collected at every step.
    """

    def __init__(
        self,
        a: Mapping[str, object] | None = None,
        b: Mapping[str, object] | None = None,
        env: Mapping[str, object] | None = None,
        n_couples: int | None = None,
        steps: int = DEFAULT_STEPS,
        rng: int | None = None,
        thresholds: Thresholds | None = None,
        collect_agents: bool = True,
        scenario: object | None = None,
        *,
        params: Params | None = None,
        keys: np.ndarray | None = None,
        **overrides: object,
    ):
        if rng is None and scenario is not None:
            rng = getattr(scenario, "rng", None)
        super().__init__(rng=rng)
        seed = int(rng) if isinstance(rng, (int, np.integer)) else int(self.rng.integers(2**63))
        if params is None:
            a, b, env = _merge_overrides(a, b, env, overrides)
            n_couples = 1 if n_couples is None else n_couples
        elif a or b or env or overrides:
            raise reg.ParameterError(
                "params", "holds every parameter of every couple; give it without a, b, env"
            )
        elif n_couples is not None and int(n_couples) != params.n:
            raise reg.ParameterError(
                "n_couples", f"expected the {params.n} couples of params, got {n_couples}"
            )
        else:
            n_couples = params.n
        if int(n_couples) < 1:
            raise reg.ParameterError("n_couples", f"expected a whole number >= 1, got {n_couples}")
        self.n_couples = int(n_couples)
        self.horizon = int(steps)
        self.seed = seed
        self.thresholds = thresholds or Thresholds()
        self.params: Params = build_params(a, b, env, self.n_couples) if params is None else params
        n = self.n_couples
        self.keys = couple_keys(seed, n) if keys is None else _keys(keys, n)
        self.state: State = initial_state(self.params)
        self.partners = tuple(
            [PartnerAgent(self, i, role) for i in range(self.n_couples)] for role in reg.PARTNERS
        )
        agent_reporters = (
            {name: name for name in ("role", "couple", *PARTNER_STATE)} if collect_agents else None
        )
        self.datacollector = mesa.DataCollector(
            model_reporters=MODEL_REPORTERS, agent_reporters=agent_reporters
        )
        self.running = True
        self.datacollector.collect(self)

    def __repr__(self) -> str:
        return f"<RelationshipModel, week {self.steps}: {self.state!r}>"

    def step(self) -> None:
        """Advance every couple still together by one week."""
        advance_week(self.state, self.params, self.keys)
        self.running = bool(self.state.active.any()) and self.steps < self.horizon
        self.datacollector.collect(self)

    def metrics(self) -> dict[str, np.ndarray]:
        """Final metrics of every couple so far, with its outcome class and its pattern
        (the class with its ending set aside)."""
        m = final_metrics(self.state)
        names = np.asarray(OUTCOME_CLASSES, dtype=object)
        m["outcome"] = names[classify(m, self.thresholds)]
        m["pattern"] = names[pattern(m, self.thresholds)]
        return m

    def outcome_shares(self) -> dict[str, float]:
        """Share of couples in each outcome class, as things stand."""
        names = self.metrics()["outcome"]
        return {c: float(np.mean(names == c)) for c in OUTCOME_CLASSES}


def _keys(keys: np.ndarray, n: int) -> np.ndarray:
    """Given keys, checked to be one ``uint64`` per couple."""
    arr = np.asarray(keys)
    if arr.shape != (n,) or arr.dtype != np.uint64:
        raise reg.ParameterError(
            "keys", f"expected {n} uint64 keys, one per couple, got {arr.dtype} {arr.shape}"
        )
    return arr


def satisfaction_together(model: RelationshipModel) -> float:
    """Mean satisfaction of both partners of the couples still together (NaN when none)."""
    together = model.state.active
    if not together.any():
        return float("nan")
    return float(model.state.satisfaction[:, together].mean())


def _mean(name: str, row: int | None = None):
    def report(model: RelationshipModel) -> float:
        arr = getattr(model.state, name)
        return float(arr.mean() if row is None else arr[row].mean())

    report.__name__ = f"mean_{name}"
    return report


MODEL_REPORTERS = {
    "intimacy": _mean("intimacy"),
    "satisfaction": _mean("satisfaction"),
    "satisfaction_a": _mean("satisfaction", 0),
    "satisfaction_b": _mean("satisfaction", 1),
    "resentment": _mean("resentment"),
    "resentment_a": _mean("resentment", 0),
    "resentment_b": _mean("resentment", 1),
    "goodwill": _mean("goodwill"),
    "goodwill_a": _mean("goodwill", 0),
    "goodwill_b": _mean("goodwill", 1),
    "capability": _mean("capability"),
    "capability_a": _mean("capability", 0),
    "capability_b": _mean("capability", 1),
    "trust": _mean("trust"),
    "autonomy": _mean("autonomy"),
    "commitment": _mean("commitment"),
    "effort": _mean("effort"),
    "ended_share": lambda m: float(1.0 - m.state.active.mean()),
    "satisfaction_together": satisfaction_together,
}
"""Model reporters of ``RelationshipModel.datacollector``: means over all couples, and
``satisfaction_together``, the mean satisfaction of both partners of the couples still
together (NaN once none is)."""


def _merge_overrides(a, b, env, overrides):
    """Fold ``a_x``/``a.x``, ``both_x`` and ``env_x`` keyword parameters into the maps."""
    a, b, env = dict(a or {}), dict(b or {}), dict(env or {})
    targets = {"a": (a,), "b": (b,), "both": (a, b), "env": (env,)}
    for key, value in overrides.items():
        for sep in (".", "_"):
            prefix, found, name = key.partition(sep)
            if found and prefix in targets:
                reg.lookup(f"{prefix}.{name}")  # raises ParameterError if unknown
                for target in targets[prefix]:
                    target[name] = value
                break
        else:
            raise reg.ParameterError(
                key,
                "unknown model argument; expected a_<trait>, b_<trait>, both_<trait> or env_<name>",
            )
    return a, b, env
