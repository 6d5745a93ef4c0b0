"""State of a batch of couples: NumPy arrays, one entry per partner or per couple.

Partner arrays have shape ``(2, n)``: row 0 is partner ``a``, row 1 partner ``b``, so
``x[::-1]`` is always "the other partner's value". Couple arrays have shape ``(n,)``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import IntEnum

import numpy as np

from sim.model.parameters import ENV_NAMES, TRAIT_NAMES


class Event(IntEnum):
    """Kinds of interaction, counted per partner: the partner who *did* it."""

    PROBLEM = 0  # met a problem
    HANDLED_ALONE = 1  # dealt with a problem without the partner
    REQUEST = 2  # asked the partner for help
    HELP_FREE = 3  # answered a request with help given freely
    HELP_CONDITIONAL = 4  # answered a request with help on condition
    DECLINE = 5  # declined a request
    DEMAND = 6  # pressed a declined request as a demand
    HELP_DEMANDED = 7  # gave in to a demand
    WITHDRAW = 8  # refused a demand and withdrew
    NOTICE = 9  # offered help before being asked (anticipatory care)
    FIX = 10  # pushed help that was not asked for
    COERCION = 11  # pushed help after it had been refused
    FIX_ACCEPTED = 12  # accepted pushed help
    FIX_REJECTED = 13  # rejected pushed help
    ACCEPTANCE_FLIP = 14  # answered pushed help the other way from last time
    ACHIEVEMENT = 15  # had good news
    CELEBRATION = 16  # celebrated the partner's good news
    TRIAL = 17  # met a major trial
    TRIAL_SUPPORT = 18  # walked with the partner through a trial
    DISCLOSURE = 19  # disclosed something personal
    SUGGESTION = 20  # suggested doing something differently
    CO_CREATION = 21  # worked a suggestion into a shared solution
    CONFLICT = 22  # started or escalated a conflict
    DEPTH_REQUEST = 23  # asked for a deeper relationship
    DEPTH_MET = 24  # opened up and changed when asked for depth
    DEPTH_RESISTED = 25  # resisted a request for depth


N_EVENTS = len(Event)


class Ending(IntEnum):
    """How a couple's relationship stands: still together, or how it ended."""

    TOGETHER = 0
    HEALTHY = 1
    DESTRUCTIVE = 2


@dataclass
class Params:
    """Parameters of a batch: traits as ``(2, n)`` arrays, environment as ``(n,)`` arrays."""

    traits: dict[str, np.ndarray]
    env: dict[str, np.ndarray]

    @property
    def n(self) -> int:
        """Number of couples."""
        return next(iter(self.env.values())).shape[0]

    def subset(self, idx: np.ndarray) -> Params:
        """The parameters of the couples at ``idx``."""
        return Params(
            {k: v[:, idx] for k, v in self.traits.items()},
            {k: v[idx] for k, v in self.env.items()},
        )

    def check_complete(self) -> None:
        """Raise ``KeyError`` if a registry parameter is missing."""
        missing = [t for t in TRAIT_NAMES if t not in self.traits]
        missing += [e for e in ENV_NAMES if e not in self.env]
        if missing:
            raise KeyError(f"missing parameters: {', '.join(missing)}")


@dataclass
class State:
    """Everything that changes during a run, for ``n`` couples.

    Partner arrays, shape ``(2, n)``, values in [0, 1] unless noted:

    capability, stress, goodwill, satisfaction, resentment, trust, autonomy,
    commitment, self_regard, acceptance (readiness to take pushed help),
    disclosed (depth of last disclosure), care (recent care received),
    ledger (in [-1, 1]: perceived given minus received), escalation (of demands),
    direction (in [0, 1]: where one's growth is heading), sprint (1 in a growth sprint),
    help_recent (recent help given), below (weeks of commitment below threshold, >= 0),
    last_fix (+1 accepted the last pushed help, -1 rejected it, 0 none yet),
    help_given (total amount of help given, >= 0), capability0 (capability at start).

    Couple arrays, shape ``(n,)``: intimacy, effort, chemistry, shared (history of
    trials and joys lived together), conflict_recent, coercion_recent, demand_recent
    (event rates over the last year or so), weeks (weeks together), active (bool),
    step_ended (-1 while together), ending (an :class:`Ending`).

    Counts: ``counts`` (N_EVENTS, 2, n) int64, total events per partner;
    ``events`` (N_EVENTS, 2, n) bool, the events of the last week.
    """

    capability: np.ndarray
    stress: np.ndarray
    goodwill: np.ndarray
    satisfaction: np.ndarray
    resentment: np.ndarray
    trust: np.ndarray
    autonomy: np.ndarray
    commitment: np.ndarray
    self_regard: np.ndarray
    acceptance: np.ndarray
    disclosed: np.ndarray
    care: np.ndarray
    ledger: np.ndarray
    escalation: np.ndarray
    direction: np.ndarray
    sprint: np.ndarray
    help_recent: np.ndarray
    below: np.ndarray
    last_fix: np.ndarray
    help_given: np.ndarray
    capability0: np.ndarray
    intimacy: np.ndarray
    effort: np.ndarray
    chemistry: np.ndarray
    shared: np.ndarray
    conflict_recent: np.ndarray
    coercion_recent: np.ndarray
    demand_recent: np.ndarray
    weeks: np.ndarray
    active: np.ndarray
    step_ended: np.ndarray
    ending: np.ndarray
    counts: np.ndarray
    events: np.ndarray
    step: int = 0

    @property
    def n(self) -> int:
        """Number of couples."""
        return self.intimacy.shape[0]

    def arrays(self) -> dict[str, np.ndarray]:
        """Every array of the state by name."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "step"}


PARTNER_RANGES: dict[str, tuple[float, float]] = {
    "ledger": (-1.0, 1.0),
    "below": (0.0, np.inf),
    "last_fix": (-1.0, 1.0),
    "help_given": (0.0, np.inf),
}
"""Documented ranges of partner arrays that are not in [0, 1]."""

COUPLE_RANGES: dict[str, tuple[float, float]] = {"weeks": (0, np.inf)}
"""Documented ranges of couple arrays that are not in [0, 1]."""


def initial_state(params: Params) -> State:
    """The state of new couples: they have chosen each other and start hopeful.

    Parameters
    ----------
    params : Params
        Traits and environment of every couple.
    """
    n = params.n
    t = params.traits
    fear, dep = t["intimacy_fear"], t["dependency"]
    # Chemistry: intensity seeking and complementary deficits (a dependent partner
    # with a self-focused one) make a strong start that fades (PDR; BHR).
    complement = np.sqrt(dep[0] * t["narcissism"][1]) + np.sqrt(dep[1] * t["narcissism"][0])
    chemistry = np.clip(0.5 * t["intensity_seeking"].mean(axis=0) + 0.5 * complement, 0, 1)

    def partner(value) -> np.ndarray:
        return np.broadcast_to(np.asarray(value, dtype=np.float64), (2, n)).copy()

    def couple(value, dtype=np.float64) -> np.ndarray:
        return np.full(n, value, dtype=dtype)

    return State(
        capability=t["capability"].copy(),
        stress=partner(0.1),
        goodwill=partner(0.6 + 0.4 * t["responsiveness"]),
        satisfaction=partner(0.6),
        resentment=partner(0.0),
        trust=partner(0.5),
        autonomy=partner(1.0 - 0.5 * dep),
        commitment=partner(0.6),
        self_regard=partner(0.7),
        acceptance=partner(0.3 + 0.6 * dep),
        disclosed=partner(0.3 * (1.0 - fear)),
        care=partner(0.3),
        ledger=partner(0.0),
        escalation=partner(0.0),
        direction=partner(0.5),
        sprint=partner(0.0),
        help_recent=partner(0.0),
        below=partner(0.0),
        last_fix=partner(0.0),
        help_given=partner(0.0),
        capability0=t["capability"].copy(),
        intimacy=couple(0.45),
        effort=couple(0.3),
        chemistry=chemistry,
        shared=couple(0.0),
        conflict_recent=couple(0.0),
        coercion_recent=couple(0.0),
        demand_recent=couple(0.0),
        weeks=couple(0, np.int64),
        active=couple(True, bool),
        step_ended=couple(-1, np.int64),
        ending=couple(Ending.TOGETHER, np.int8),
        counts=np.zeros((N_EVENTS, 2, n), dtype=np.int64),
        events=np.zeros((N_EVENTS, 2, n), dtype=bool),
    )
