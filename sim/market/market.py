"""The partner market: people meet, pair, run as couples on the engine, part, and pair again.

One :class:`Market` holds ``size`` people and ``size // 2`` couple slots. The couples
live in one :class:`~sim.model.state.State` and one :class:`~sim.model.state.Params`
of that capacity and advance together through :func:`sim.model.week.step`, the same
engine every couple runs on. A week of the market, in order:

1. **meet**: singles who are not recovering from an ending meet candidates in
   ``meetings`` rounds; each round pairs the available singles at random (a random
   permutation, halves matched) and each side accepts by the other's appeal: the
   pair's own attraction mixed with the other's desirability
   (:mod:`sim.market.attraction`). A pair where both accept forms a couple in a free
   slot: its initial values come from :func:`~sim.model.state.initial_state` on the
   partners' current traits and its key from the market key and the couple's serial.
2. **look around**: each partnered person notices one person of the market at random;
   a couple's ``alternatives`` is the base value plus ``alternatives_gain`` times how
   often its partners lately noticed someone more appealing to them than their
   partner (Rusbult's quality of alternatives, read off the market).
3. **live**: one week of the engine for every slot.
4. **part**: couples that ended this week are classified (outcome class and the
   pattern their metrics show); each partner keeps the capability reached, a healthy
   ending resolves a share ``growth_step`` of each deficit (M11), and both go back to
   the market after ``recovery`` weeks.
5. **observe**: weekly series and, by relationship age, the mean satisfaction and
   intimacy of chemistry-matched and compatibility-matched couples (M10).

Every chance of the market is a counter-based draw (:mod:`sim.market.draws`), so a
market is a pure function of its key and parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from sim.market import attraction, draws, population
from sim.market import parameters as mreg
from sim.market.records import Records
from sim.model import parameters as reg
from sim.model.engine import step as advance_week
from sim.model.outcomes import Thresholds, classify, final_metrics, pattern
from sim.model.state import Ending, Params, State, initial_state

SINGLE, PARTNERED, RECOVERING = 0, 1, 2
"""A person's status."""

STATUS_NAMES = ("single", "partnered", "recovering")

CHEMISTRY, COMPATIBILITY = 0, 1
"""How a couple was matched: most of its attraction came from chemistry, or not."""

MATCH_NAMES = ("chemistry", "compatibility")

UNRESOLVED_DEFICIT = 0.5
"""Dependency or narcissism at or above this is an unresolved deficit."""

LOOK_RATE = 1.0 / 26.0
"""Weight of this week's noticed person in ``seen_better`` (memory of about half a year)."""

PROFILE_AGES = 520
"""Relationship ages (weeks) the age profiles cover."""

WEEK_SERIES = (
    "partnered_share",
    "single_share",
    "recovering_share",
    "formed_rate",
    "ended_rate",
    "couple_satisfaction",
    "couple_intimacy",
    "chemistry_share",
)
"""Weekly population series of a market, by name."""


def unresolved(traits: Mapping[str, np.ndarray]) -> np.ndarray:
    """Whether a person's deficit is unresolved.

    Narcissism or dependency at or above :data:`UNRESOLVED_DEFICIT`, whatever one's
    capability. The self-focused partner casts self as the more evolved one, which
    skill does not cure (What Are "Personal Development Relationships"?); the
    dependent partner hands over problems of their own, including those they could
    handle, and help with those teaches nothing (Balancing Independence and Support),
    so skill does not cure that either. Only a smaller deficit resolves it: the growth
    step of a healthy ending (:meth:`Market.part`).
    """
    return (traits["narcissism"] >= UNRESOLVED_DEFICIT) | (
        traits["dependency"] >= UNRESOLVED_DEFICIT
    )


def _slice(state: State, idx: np.ndarray) -> State:
    """The state of the slots at ``idx`` (copies)."""
    return State(**{k: v[..., idx] for k, v in state.arrays().items()}, step=state.step)


@dataclass(frozen=True)
class Settings:
    """Validated settings of a market.

    Attributes
    ----------
    market : dict of str to float
        Market parameters (:data:`sim.market.parameters.MARKET`).
    population : dict of str to float
        Population mean of every trait.
    env : dict of str to float
        Environment of every couple the market forms.
    """

    market: dict[str, float]
    population: dict[str, float]
    env: dict[str, float]

    @classmethod
    def build(
        cls,
        market: Mapping[str, object] | None = None,
        population: Mapping[str, object] | None = None,
        env: Mapping[str, object] | None = None,
    ) -> Settings:
        """Validate partial maps; defaults fill the rest. Raises ``ParameterError``."""
        return cls(
            mreg.validate_market(market or {}),
            mreg.validate_population(population or {}),
            reg.validate_env(env or {}),
        )


class Market:
    """A population of people who meet, pair, part and pair again.

    Parameters
    ----------
    settings : Settings
        Market, population and environment values.
    key : uint64
        The market key: every draw of the market and every couple key comes from it.
    traits : mapping of str to array, optional
        Traits given explicitly (one value per person, or a scalar); otherwise drawn
        from the population distributions.
    desirability : array or float, optional
        Each person's desirability given explicitly (in [0, 1]); otherwise drawn
        (:func:`sim.market.population.draw_desirability`).
    thresholds : Thresholds, optional
        Thresholds of the outcome classes.
    record_every : int
        Record :data:`WEEK_SERIES` at week 0 and every this many weeks; 0 records none.

    Attributes
    ----------
    n : int
        Number of people.
    week : int
        Weeks run so far.
    traits : dict of str to ndarray
        Each person's current traits (capability, dependency and narcissism change
        between relationships).
    desirability : ndarray
        Each person's desirability, perceived alike by everyone, fixed for life.
    status : ndarray of int8
        :data:`SINGLE`, :data:`PARTNERED` or :data:`RECOVERING`.
    slot, role : ndarray of int64
        The couple slot and partner row (0 a, 1 b) of a partnered person; -1 otherwise.
    weeks_single : ndarray of int64
        Weeks each person has spent outside a couple.
    state, params, keys
        The engine's arrays for every couple slot.
    relationships : Records
        One row per relationship ever formed (see :data:`RELATIONSHIP_COLUMNS`).
    """

    def __init__(
        self,
        settings: Settings,
        key: np.uint64,
        traits: Mapping[str, object] | None = None,
        thresholds: Thresholds | None = None,
        record_every: int = 0,
        desirability: object | None = None,
    ):
        m = settings.market
        self.settings = settings
        self.key = np.uint64(key)
        self.n = int(m["size"])
        self.thresholds = thresholds or Thresholds()
        self.chemistry_weight = float(m["chemistry_weight"])
        self.desirability_weight = float(m["desirability_weight"])
        self.meetings = int(m["meetings"])
        self.choosiness = float(m["choosiness"])
        self.relax_weeks = float(m["relax_weeks"])
        self.recovery = int(m["recovery"])
        self.alternatives_gain = float(m["alternatives_gain"])
        self.growth_step = float(m["growth_step"])
        if traits is not None:
            self.traits = population.given_traits(traits, self.n)
        else:
            self.traits = population.draw_traits(
                self.key, self.n, settings.population, float(m["trait_spread"])
            )
        self.initial_traits = {k: v.copy() for k, v in self.traits.items()}
        if desirability is not None:
            self.desirability = population.given_desirability(desirability, self.n)
        else:
            self.desirability = population.draw_desirability(self.key, self.n)
        n, cap = self.n, max(self.n // 2, 1)
        self.week = 0
        self.status = np.full(n, SINGLE, dtype=np.int8)
        self.slot = np.full(n, -1, dtype=np.int64)
        self.role = np.full(n, -1, dtype=np.int64)
        self.available_from = np.zeros(n, dtype=np.int64)
        self.search_start = np.zeros(n, dtype=np.int64)
        self.weeks_single = np.zeros(n, dtype=np.int64)
        self.n_relationships = np.zeros(n, dtype=np.int64)
        self.drawn_to = np.zeros(n)
        self.seen_better = np.zeros(n)
        # Couple slots: one engine State and Params of capacity n // 2.
        self.params = Params(
            {t: np.full((2, cap), reg.REGISTRY[t].default) for t in reg.TRAIT_NAMES},
            {e: np.full(cap, float(v)) for e, v in settings.env.items()},
        )
        self.state = initial_state(self.params)
        self.state.active[:] = False
        self.keys = np.zeros(cap, dtype=np.uint64)
        self.occupied = np.zeros(cap, dtype=bool)
        self.person = np.full((2, cap), -1, dtype=np.int64)
        self.serial = np.full(cap, -1, dtype=np.int64)
        self.match = np.zeros(cap, dtype=np.int8)
        self.relationships = Records(RELATIONSHIP_COLUMNS)
        # Age profiles (M10): sums and counts by match kind and relationship age.
        self.profile_sum = {
            name: np.zeros((2, PROFILE_AGES + 1)) for name in ("satisfaction", "intimacy")
        }
        self.profile_count = np.zeros((2, PROFILE_AGES + 1), dtype=np.int64)
        self.record_every = int(record_every)
        self.series_weeks: list[int] = []
        self.series: dict[str, list[float]] = {name: [] for name in WEEK_SERIES}
        self._formed = 0
        self._ended = 0
        if self.record_every:
            self.record()

    # ------------------------------------------------------------------ a week

    def step(self) -> None:
        """One week: meet, set alternatives, live, part, observe."""
        t = self.week
        self._formed = self._ended = 0
        self.meet(t)
        self.look_around(t)
        advance_week(self.state, self.params, self.keys)
        self.part(t)
        self.weeks_single += self.status != PARTNERED
        self._observe_ages()
        self.week += 1
        if self.record_every and self.week % self.record_every == 0:
            self.record()

    def run(self, weeks: int) -> Market:
        """Run ``weeks`` weeks; return self."""
        for _ in range(int(weeks)):
            self.step()
        return self

    def available(self, t: int) -> np.ndarray:
        """Ids of people on the market at week ``t`` (single, recovery over)."""
        back = (self.status == RECOVERING) & (self.available_from <= t)
        self.status[back] = SINGLE
        return np.flatnonzero(self.status == SINGLE)

    def appeal(self, who: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Appeal of ``other[k]`` to ``who[k]``, and the pair's own attraction in it.

        Appeal is the pair's attraction (chemistry and compatibility) mixed with the
        other's desirability at ``desirability_weight``
        (:func:`sim.market.attraction.appeal`).
        """
        ti = {k: v[who] for k, v in self.traits.items()}
        to = {k: v[other] for k, v in self.traits.items()}
        return self._appeal(ti, to, other)

    def _appeal(
        self, ti: Mapping[str, np.ndarray], to: Mapping[str, np.ndarray], other: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        pair = attraction.attraction(ti, to, self.chemistry_weight)
        return attraction.appeal(pair, self.desirability[other], self.desirability_weight), pair

    def meet(self, t: int) -> None:
        """Meeting rounds of week ``t``: random pairs of available singles; both accept
        to form a couple. Work per round is a sort of the available singles' draws."""
        for r in range(self.meetings):
            ids = self.available(t)
            if len(ids) < 2:
                return
            order = np.argsort(draws.uniform(self.key, t, draws.SLOT_ORDER + r, ids), kind="stable")
            perm = ids[order]
            half = len(perm) // 2
            i, j = perm[:half], perm[half : 2 * half]
            ti = {k: v[i] for k, v in self.traits.items()}
            tj = {k: v[j] for k, v in self.traits.items()}
            app_ij, a_ij = self._appeal(ti, tj, j)
            app_ji, a_ji = self._appeal(tj, ti, i)
            p_i = attraction.acceptance(
                app_ij, t - self.search_start[i], self.choosiness, self.relax_weeks
            )
            p_j = attraction.acceptance(
                app_ji, t - self.search_start[j], self.choosiness, self.relax_weeks
            )
            u_i = draws.uniform(self.key, t, draws.SLOT_ACCEPT + r, i)
            u_j = draws.uniform(self.key, t, draws.SLOT_ACCEPT + r, j)
            both = (u_i < p_i) & (u_j < p_j)
            if both.any():
                chem = attraction.chemistry(ti, tj)[both]
                compat = attraction.compatibility(ti, tj)[both]
                w_i = attraction.chemistry_weight(ti, self.chemistry_weight)[both]
                w_j = attraction.chemistry_weight(tj, self.chemistry_weight)[both]
                from_chem = 0.5 * (
                    w_i * chem / np.maximum(a_ij[both], 1e-12)
                    + w_j * chem / np.maximum(a_ji[both], 1e-12)
                )
                self.form(i[both], j[both], t, chem, compat, from_chem, app_ij[both], app_ji[both])

    def form(
        self,
        a: np.ndarray,
        b: np.ndarray,
        t: int,
        chem: np.ndarray,
        compat: np.ndarray,
        from_chem: np.ndarray,
        attract_a: np.ndarray,
        attract_b: np.ndarray,
    ) -> None:
        """Form couples of people ``a[k]`` and ``b[k]`` in free slots, starting week ``t``.

        ``attract_a`` and ``attract_b`` are the appeal each felt for the other.
        """
        m = len(a)
        slots = np.flatnonzero(~self.occupied)[:m]
        serials = np.arange(self.relationships.n, self.relationships.n + m)
        p = Params(
            {k: np.stack((v[a], v[b])) for k, v in self.traits.items()},
            {k: v[slots] for k, v in self.params.env.items()},
        )
        init = initial_state(p)
        for name, arr in init.arrays().items():
            getattr(self.state, name)[..., slots] = arr
        for name in reg.TRAIT_NAMES:
            self.params.traits[name][:, slots] = p.traits[name]
        self.keys[slots] = draws.couple_key(self.key, serials)
        self.occupied[slots] = True
        self.person[:, slots] = (a, b)
        self.serial[slots] = serials
        self.match[slots] = np.where(from_chem >= 0.5, CHEMISTRY, COMPATIBILITY)
        for row, who in enumerate((a, b)):
            self.status[who] = PARTNERED
            self.slot[who] = slots
            self.role[who] = row
            self.n_relationships[who] += 1
            self.seen_better[who] = 0.0
        self.drawn_to[a] = attract_a
        self.drawn_to[b] = attract_b
        self.relationships.append(
            a=a,
            b=b,
            slot=slots,
            start=np.full(m, t),
            chemistry=chem,
            compatibility=compat,
            from_chemistry=from_chem,
            match=self.match[slots],
            capability_a=self.traits["capability"][a],
            capability_b=self.traits["capability"][b],
            desirability_a=self.desirability[a],
            desirability_b=self.desirability[b],
            unresolved_a=unresolved({k: v[a] for k, v in self.traits.items()}),
            unresolved_b=unresolved({k: v[b] for k, v in self.traits.items()}),
        )
        self._formed += m

    def look_around(self, t: int) -> None:
        """Each partnered person notices one person of the market at random this week.

        ``seen_better`` is a moving average (over about half a year) of how often the
        person noticed appeals more to one (:meth:`appeal`) than one's partner did when
        the couple formed; it starts at 0 in a new couple. A couple's ``alternatives`` is
        the market's base value plus ``alternatives_gain`` times its partners' mean
        ``seen_better`` (Rusbult's quality of alternatives, read off the market).
        """
        who = np.flatnonzero(self.status == PARTNERED)
        if len(who):
            u = draws.uniform(self.key, t, draws.SLOT_LOOK, who)
            other = np.minimum((u * self.n).astype(np.int64), self.n - 1)
            partner = self.person[1 - self.role[who], self.slot[who]]
            better = self.appeal(who, other)[0] > self.drawn_to[who]
            better &= (other != who) & (other != partner)
            self.seen_better[who] += LOOK_RATE * (better - self.seen_better[who])
        live = np.flatnonzero(self.occupied)
        seen = 0.5 * (
            self.seen_better[self.person[0, live]] + self.seen_better[self.person[1, live]]
        )
        base = self.settings.env["alternatives"]
        self.params.env["alternatives"][live] = np.clip(
            base + self.alternatives_gain * seen, 0.0, 1.0
        )

    def classify_slots(self, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Outcome class and pattern class codes of the couples in ``slots``.

        The outcome class is the engine's (an ended couple is ``ended_healthy`` or
        ``ended_destructive``); the pattern is the class its metrics show when its
        ending is set aside (mutual, coaching, coercive, ...).
        """
        metrics = final_metrics(_slice(self.state, slots))
        return classify(metrics, self.thresholds), pattern(metrics, self.thresholds)

    def part(self, t: int) -> None:
        """Close the couples that ended in week ``t``; their partners go back to the market.

        Each partner keeps the capability the relationship left; a healthy ending
        also resolves a share ``growth_step`` of the capability gap and of dependency
        and narcissism (M11: an ending as a growth step). A destructive ending changes
        no trait (a reset).
        """
        slots = np.flatnonzero(self.occupied & ~self.state.active)
        if not len(slots):
            return
        outcome, pattern = self.classify_slots(slots)
        healthy = self.state.ending[slots] == Ending.HEALTHY
        g = self.growth_step * healthy
        done = {}
        for row in (0, 1):
            who = self.person[row, slots]
            cap = self.state.capability[row, slots]
            self.traits["capability"][who] = cap + g * (1.0 - cap)
            self.traits["dependency"][who] *= 1.0 - g
            self.traits["narcissism"][who] *= 1.0 - g
            done[row] = unresolved({k: v[who] for k, v in self.traits.items()})
            self.status[who] = RECOVERING
            self.available_from[who] = t + 1 + self.recovery
            self.search_start[who] = t + 1 + self.recovery
            self.slot[who] = -1
            self.role[who] = -1
        self.relationships.set(
            self.serial[slots],
            end=np.full(len(slots), t),
            weeks=self.state.weeks[slots],
            ending=self.state.ending[slots],
            outcome=outcome,
            pattern=pattern,
            left_unresolved_a=done[0],
            left_unresolved_b=done[1],
        )
        self.occupied[slots] = False
        self.serial[slots] = -1
        self.person[:, slots] = -1
        self._ended += len(slots)

    # ------------------------------------------------------------ observation

    def _observe_ages(self) -> None:
        live = np.flatnonzero(self.occupied)
        if not len(live):
            return
        age = self.state.weeks[live]
        keep = age <= PROFILE_AGES
        live, age = live[keep], age[keep]
        idx = self.match[live].astype(np.int64) * (PROFILE_AGES + 1) + age
        size = 2 * (PROFILE_AGES + 1)
        self.profile_count += np.bincount(idx, minlength=size).reshape(2, -1)
        values = {
            "satisfaction": self.state.satisfaction[:, live].mean(axis=0),
            "intimacy": self.state.intimacy[live],
        }
        for name, v in values.items():
            self.profile_sum[name] += np.bincount(idx, weights=v, minlength=size).reshape(2, -1)

    def record(self) -> None:
        """Append this week's values of every weekly series."""
        live = self.occupied
        n = self.n
        values = {
            "partnered_share": float(np.mean(self.status == PARTNERED)),
            "single_share": float(np.mean(self.status == SINGLE)),
            "recovering_share": float(np.mean(self.status == RECOVERING)),
            "formed_rate": self._formed / n,
            "ended_rate": self._ended / n,
            "couple_satisfaction": float(self.state.satisfaction[:, live].mean())
            if live.any()
            else np.nan,
            "couple_intimacy": float(self.state.intimacy[live].mean()) if live.any() else np.nan,
            "chemistry_share": float(np.mean(self.match[live] == CHEMISTRY))
            if live.any()
            else np.nan,
        }
        self.series_weeks.append(self.week)
        for name, v in values.items():
            self.series[name].append(v)

    def age_profile(self, name: str = "satisfaction") -> np.ndarray:
        """Mean ``name`` (satisfaction or intimacy) of couples still together, by match
        kind (row 0 chemistry, 1 compatibility) and relationship age in weeks (column);
        NaN where no couple reached that age."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.profile_sum[name] / np.where(self.profile_count > 0, self.profile_count, 0)


RELATIONSHIP_COLUMNS: dict[str, tuple[str, object]] = {
    "a": ("int64", -1),
    "b": ("int64", -1),
    "slot": ("int64", -1),
    "start": ("int64", -1),
    "end": ("int64", -1),
    "weeks": ("int64", -1),
    "ending": ("int8", 0),
    "outcome": ("int64", -1),
    "pattern": ("int64", -1),
    "chemistry": ("float64", np.nan),
    "compatibility": ("float64", np.nan),
    "from_chemistry": ("float64", np.nan),
    "match": ("int8", -1),
    "capability_a": ("float64", np.nan),
    "capability_b": ("float64", np.nan),
    "desirability_a": ("float64", np.nan),
    "desirability_b": ("float64", np.nan),
    "unresolved_a": ("bool", False),
    "unresolved_b": ("bool", False),
    "left_unresolved_a": ("bool", False),
    "left_unresolved_b": ("bool", False),
}
"""Columns of :attr:`Market.relationships`: partners, slot, first and last week,
weeks together (the engine's), ending kind, outcome and pattern class codes, the
chemistry and compatibility felt at the start and the share of the attraction that
came from chemistry, the match kind, each partner's capability and desirability, whether their
deficit was unresolved at the start, and whether it was still unresolved when the
relationship ended (after the ending's growth step). ``end`` is -1 while together."""
