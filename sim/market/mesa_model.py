"""The Mesa face of the market: ``PartnerMarket`` and ``PersonAgent``.

``PartnerMarket`` is a ``mesa.Model`` whose people are ``mesa.Agent``s; each agent's
attributes are views on the market's arrays, so ``model.agents``,
``AgentSet.select/agg/groupby`` and ``DataCollector`` work as Mesa users expect, while
one ``model.step()`` runs a whole week of the market (:class:`sim.market.Market`).
"""

from __future__ import annotations

from collections.abc import Mapping

import mesa
import numpy as np
import pandas as pd

from sim.market import draws, history
from sim.market import parameters as mreg
from sim.market.market import MATCH_NAMES, PARTNERED, STATUS_NAMES, Market, Settings
from sim.model import parameters as reg
from sim.model.engine import DEFAULT_STEPS
from sim.model.outcomes import Thresholds


class PersonAgent(mesa.Agent):
    """One person of the market; its attributes read the market's arrays.

    Attributes
    ----------
    person : int
        The person's index in the market's arrays.
    status : str
        ``"single"``, ``"partnered"`` or ``"recovering"``.
    partner : int
        Index of the current partner, -1 when not in a couple.
    traits : dict of str to float
        Current traits.
    desirability : float
        How attractive everyone finds this person, alike; fixed for life.
    relationships : int
        Relationships so far.
    weeks_single : int
        Weeks spent outside a couple.
    satisfaction : float
        Satisfaction in the current couple (NaN when not in one).
    """

    def __init__(self, model: PartnerMarket, person: int):
        super().__init__(model)
        self.person = person

    @property
    def _m(self) -> Market:
        return self.model.market

    @property
    def status(self) -> str:
        """Single, partnered or recovering."""
        return STATUS_NAMES[int(self._m.status[self.person])]

    @property
    def partner(self) -> int:
        """Index of the current partner, or -1."""
        m = self._m
        if m.status[self.person] != PARTNERED:
            return -1
        return int(m.person[1 - m.role[self.person], m.slot[self.person]])

    @property
    def traits(self) -> dict[str, float]:
        """Current traits."""
        return {k: float(v[self.person]) for k, v in self._m.traits.items()}

    @property
    def desirability(self) -> float:
        """How attractive everyone finds this person, alike."""
        return float(self._m.desirability[self.person])

    @property
    def relationships(self) -> int:
        """Relationships so far."""
        return int(self._m.n_relationships[self.person])

    @property
    def weeks_single(self) -> int:
        """Weeks spent outside a couple."""
        return int(self._m.weeks_single[self.person])

    @property
    def satisfaction(self) -> float:
        """Satisfaction in the current couple (NaN when not in one)."""
        m = self._m
        if m.status[self.person] != PARTNERED:
            return float("nan")
        return float(m.state.satisfaction[m.role[self.person], m.slot[self.person]])

    def history(self) -> pd.DataFrame:
        """This person's relationships, in the order they formed."""
        return history.person_history(self._m, self.person)


class PartnerMarket(mesa.Model):
    """A population of people who meet, pair, part and pair again, one week a step.

    Parameters
    ----------
    size : int, optional
        People in the market (``market.size``, 500 by default).
    market : mapping, optional
        Market parameters (:data:`sim.market.parameters.MARKET`).
    population : mapping, optional
        Population mean of each trait (``pop.<trait>``).
    env : mapping, optional
        Environment of every couple.
    traits : mapping of str to array, optional
        Each person's traits, given explicitly instead of drawn.
    steps : int
        Horizon in weeks; ``running`` turns false there.
    rng : int or None
        Seed: every draw of the market and every couple's key comes from it.
    thresholds : Thresholds, optional
        Thresholds of the outcome classes.
    **overrides
        Single parameters as ``chemistry_weight`` / ``market_chemistry_weight`` /
        ``market.chemistry_weight``, ``pop_dependency``, ``env_patience``: the form
        ``mesa.batch_run`` passes.

    Attributes
    ----------
    market : Market
        The market's arrays and its couples' engine state.
    people : list of PersonAgent
        One agent per person.
    datacollector : mesa.DataCollector
        Population reporters, collected every step.
    """

    def __init__(
        self,
        size: int | None = None,
        market: Mapping[str, object] | None = None,
        population: Mapping[str, object] | None = None,
        env: Mapping[str, object] | None = None,
        traits: Mapping[str, object] | None = None,
        steps: int = DEFAULT_STEPS,
        rng: int | None = None,
        thresholds: Thresholds | None = None,
        **overrides: object,
    ):
        super().__init__(rng=rng)
        seed = int(rng) if isinstance(rng, (int, np.integer)) else int(self.rng.integers(2**63))
        market, population, env = _merge(market, population, env, overrides)
        if size is not None:
            market["size"] = size
        self.seed = seed
        self.horizon = int(steps)
        self.market = Market(
            Settings.build(market, population, env), draws.market_key(seed), traits, thresholds
        )
        self.people = [PersonAgent(self, i) for i in range(self.market.n)]
        self.datacollector = mesa.DataCollector(model_reporters=MODEL_REPORTERS)
        self.running = True
        self.datacollector.collect(self)

    def __repr__(self) -> str:
        m = self.market
        return f"<PartnerMarket of {m.n:,} people, week {m.week}>"

    def step(self) -> None:
        """One week of the market."""
        self.market.step()
        self.running = self.market.week < self.horizon
        self.datacollector.collect(self)

    def relationships(self) -> pd.DataFrame:
        """Every relationship so far (see :func:`sim.market.history.relationship_table`)."""
        return history.relationship_table(self.market)

    def summary(self) -> dict[str, float | str]:
        """Population summaries so far (see :func:`sim.market.history.summary`)."""
        return history.summary(self.market)

    def age_profile(self, name: str = "satisfaction") -> pd.DataFrame:
        """Mean satisfaction or intimacy of couples still together by relationship age,
        one column per match kind (chemistry, compatibility)."""
        prof = self.market.age_profile(name)
        return pd.DataFrame({k: prof[i] for i, k in enumerate(MATCH_NAMES)}).rename_axis("age")


def _share(status: int):
    def report(model: PartnerMarket) -> float:
        return float(np.mean(model.market.status == status))

    report.__name__ = f"share_{STATUS_NAMES[status]}"
    return report


MODEL_REPORTERS = {
    "partnered_share": _share(PARTNERED),
    "single_share": _share(0),
    "recovering_share": _share(2),
    "relationships_per_person": lambda m: float(m.market.n_relationships.mean()),
    "couple_satisfaction": lambda m: (
        float(m.market.state.satisfaction[:, m.market.occupied].mean())
        if m.market.occupied.any()
        else float("nan")
    ),
}
"""Model reporters of ``PartnerMarket.datacollector``."""


def _merge(market, population, env, overrides):
    """Fold ``chemistry_weight``, ``market_x``/``market.x``, ``pop_x`` and ``env_x``
    keyword parameters into the maps."""
    market, population, env = dict(market or {}), dict(population or {}), dict(env or {})
    targets = {"market": market, "pop": population, "env": env}
    for key, value in overrides.items():
        if key in mreg.MARKET_REGISTRY:
            market[key] = value
            continue
        for sep in (".", "_"):
            prefix, found, name = key.partition(sep)
            if found and prefix in targets:
                mreg.lookup(f"{prefix}.{name}")  # raises ParameterError if unknown
                targets[prefix][name] = value
                break
        else:
            raise reg.ParameterError(
                key,
                "unknown market argument; expected a market parameter, market_<name>, "
                "pop_<trait> or env_<name>",
            )
    return market, population, env
