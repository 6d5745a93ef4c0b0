"""Declarations of the relationship model: its state variables, events and draws.

Each is declared here once, in a table; everything else is generated from these
tables: the :class:`~sim.model.state.State` arrays and their ranges, the compiled
engine's slot layout (:mod:`sim.model.lanes`), the Mesa agent's attributes, the series a
run can record and the final metrics (:mod:`sim.model.outcomes`), the event groups the
app and the figures draw, and the tables of ``docs/ODD.md``. The parameters (traits
and environment) are declared in the registry, :mod:`sim.model.parameters`; the
outcome classes in :mod:`sim.model.outcomes`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

PARTNER = "partner"
COUPLE = "couple"


@dataclass(frozen=True)
class Variable:
    """One state variable of a couple or of each of its partners.

    Attributes
    ----------
    name : str
        Identifier, the name of its array in :class:`~sim.model.state.State`.
    scope : str
        ``"partner"`` (one value per partner, arrays of shape ``(2, n)``) or
        ``"couple"`` (arrays of shape ``(n,)``).
    meaning : str
        One-line meaning.
    low, high : float
        Range its rule holds it in where it writes it last in the week
        (:func:`sim.model.week.set_state`); ``inf`` is unbounded.
    report : str
        How a run reports it: ``"value"`` as it is (a couple variable), ``"each"`` one
        value per partner (``<name>_a``, ``<name>_b``), ``"mean"`` the mean of the two
        partners; ``""`` not at all.
    metric : bool
        Reported among the final metrics of every run.
    series : bool
        Reported as a weekly series a run can record.
    label : str
        Name under which it is reported, when not its own name.
    """

    name: str
    scope: str
    meaning: str
    low: float = 0.0
    high: float = 1.0
    report: str = ""
    metric: bool = False
    series: bool = False
    label: str = ""

    @property
    def reported_as(self) -> str:
        """The name it is reported under."""
        return self.label or self.name


def _p(name, meaning, low=0.0, high=1.0, report="", out="", label="") -> Variable:
    return Variable(
        name, PARTNER, meaning, low, high, report, "metric" in out, "series" in out, label
    )


def _c(name, meaning, low=0.0, high=1.0, report="", out="", label="") -> Variable:
    return Variable(
        name, COUPLE, meaning, low, high, report, "metric" in out, "series" in out, label
    )


BOTH = "metric series"


STATE: tuple[Variable, ...] = (
    _p(
        "capability",
        "self-sufficiency: the size of problem one handles alone",
        report="each",
        out=BOTH,
    ),
    _p("stress", "load of unresolved problems", report="each", out="series"),
    _p(
        "goodwill",
        "willingness to help; drained by demands, refilled by appreciation",
        report="each",
        out=BOTH,
    ),
    _p("satisfaction", "how good the relationship feels", report="each", out=BOTH),
    _p("resentment", "gathered hurt", report="each", out=BOTH),
    _p(
        "trust", "belief, from evidence, that the partner can be relied on", report="mean", out=BOTH
    ),
    _p("autonomy", "sense of running one's own life", report="each", out=BOTH),
    _p("commitment", "intention to stay (investment model)", report="each", out=BOTH),
    _p("self_regard", "how one sees oneself", report="each", out="metric"),
    _p("acceptance", "readiness to take help that is pushed unasked"),
    _p("disclosed", "depth of one's last disclosure", report="mean", out=BOTH, label="disclosure"),
    _p("care", "care received lately", report="each", out=BOTH),
    _p("ledger", "perceived help given minus received", low=-1.0),
    _p("escalation", "how far one's demands have escalated"),
    _p("direction", "where one's own growth is heading"),
    _p("sprint", "1 in a growth sprint, 0 at rest"),
    _p("help_recent", "help given lately"),
    _p("below", "weeks in a row of commitment below threshold", high=math.inf),
    _p("last_fix", "answer to the last pushed help: +1 accepted, -1 rejected, 0 none", low=-1.0),
    _p("help_given", "total help given", high=math.inf, report="each", out="metric"),
    _p("capability0", "capability at the start"),
    _p(
        "investment",
        "what one has put into the relationship and would lose by leaving (Rusbult)",
        report="each",
        out=BOTH,
    ),
    _p(
        "alternative_quality",
        "how good life outside the relationship looks (Rusbult's alternatives)",
        report="each",
        out=BOTH,
    ),
    _p(
        "idealization",
        "the romantic idealization of the partner a relationship starts with; fades",
        report="each",
        out="series",
    ),
    _c("intimacy", "true closeness", report="value", out=BOTH),
    _c("effort", "visible relationship work", report="value", out=BOTH),
    _c("chemistry", "attraction of intensity and complementary deficits; fades"),
    _c("shared", "history of trials and joys lived together"),
    _c("conflict_recent", "share of recent weeks with a conflict", report="value", out="metric"),
    _c("coercion_recent", "share of recent weeks with coercive help", report="value", out="metric"),
    _c("demand_recent", "share of recent weeks with a demand", report="value", out="metric"),
    _c(
        "strain",
        "stress from outside the couple: work, money, illness, loss",
        report="value",
        out=BOTH,
    ),
    _c(
        "positive_recent",
        "positive interactions per week, over about the last year",
        high=math.inf,
        report="value",
        out=BOTH,
    ),
    _c(
        "negative_recent",
        "negative interactions per week, over about the last year",
        high=math.inf,
        report="value",
        out=BOTH,
    ),
)
"""Float state variables, in slot order."""

BOOKKEEPING: tuple[tuple[str, str, str, str], ...] = (
    ("weeks", COUPLE, "int64", "weeks together"),
    ("active", COUPLE, "bool", "still together"),
    ("step_ended", COUPLE, "int64", "week the couple ended, -1 while together"),
    ("ending", COUPLE, "int8", "how the relationship stands: an Ending"),
)
"""Couple arrays that are not floats: name, scope, dtype and meaning."""

WEEK: tuple[Variable, ...] = (
    _p("problem", "1 when the partner met a problem this week"),
    _p("size", "size of this week's problem, 0 when none"),
    _p("asked", "1 when the partner brought the problem to the other"),
    _p("unresolved", "part of the problem still weighing on the partner"),
    _p("usable_pace", "the growth pace one can use this week (pace worn by lost autonomy)"),
    _p("reliance", "chance of bringing a problem beyond reach to the other (M14)"),
    _p("receptive", "readiness to receive help (M14)"),
    _p("helped", "help received this week"),
    _p("cared", "1 when the partner received care given freely"),
    _p("good", "evidence this week that the other can be trusted"),
    _p("bad", "evidence against"),
    _p("hurt", "resentment from this week's events"),
    _p("joy", "satisfaction from this week's events"),
    _c("one_way", "how one-way recent help is as the week begins (asymmetry of help_recent)"),
    _c("closeness", "change of intimacy from this week's events"),
    _c("parting", "the chance number that decides whether a parting this week turns bitter"),
    _c("ending", "how the couple stands after the week: an Ending, 0 while together"),
)
"""Scratch values the phases of one week hand to each other; never stored. The
:data:`ACCUMULATORS` start each week at zero and are added to from there; every other
one is written by one phase before any phase reads it, so that what the rules read is
never left from the week before or from another couple of the lane (a value several
phases use, such as ``one_way``, is worked out once, by the first phase that needs
it)."""

ACCUMULATORS: tuple[str, ...] = ("helped", "cared", "good", "bad", "hurt", "joy", "closeness")
"""The week's scratch values that its phases add to from zero."""


@dataclass(frozen=True)
class Group:
    """A kind of interaction as the app's picture and the event strip draw it.

    Attributes
    ----------
    name : str
        Its name in the picture's legend and the strip's rows.
    shape : str
        ``"arrow"``: drawn as an arrow from the partner who did it to the other;
        ``"line"``: drawn as a jagged line between the two (a quarrel has no direction).
    """

    name: str
    shape: str = "arrow"


GROUPS: tuple[Group, ...] = (
    Group("request"),
    Group("help"),
    Group("help under demand"),
    Group("demand"),
    Group("pushed help"),
    Group("celebration"),
    Group("turned toward"),
    Group("turned away"),
    Group("conflict", "line"),
)
"""The groups of drawn interactions, in the order they are drawn."""


@dataclass(frozen=True)
class EventKind:
    """One kind of interaction, counted for the partner who did it.

    Attributes
    ----------
    name : str
        Identifier (upper case), a member of :class:`Event`.
    meaning : str
        What the partner did.
    group : str
        The kind of interaction it is drawn as in the app's picture and the event strip
        (``""`` when it is not drawn).
    valence : int
        +1 for a positive interaction between the partners (interest, care, affection,
        shared pleasure), -1 for a negative one (criticism, rebuff, pressure,
        conflict), 0 for what is neither (Gottman 1994); the ratio of the two is a
        measured result (``positive_recent`` over ``negative_recent``).
    """

    name: str
    meaning: str
    group: str = ""
    valence: int = 0


EVENTS: tuple[EventKind, ...] = (
    EventKind("PROBLEM", "met a problem"),
    EventKind("HANDLED_ALONE", "dealt with a problem without the partner"),
    EventKind("REQUEST", "asked the partner for help", "request"),
    EventKind("HELP_FREE", "answered a request with help given freely", "help", +1),
    EventKind("HELP_CONDITIONAL", "answered a request with help on condition", "help"),
    EventKind("DECLINE", "declined a request", valence=-1),
    EventKind("DEMAND", "pressed a declined request as a demand", "demand", -1),
    EventKind("HELP_DEMANDED", "gave in to a demand", "help under demand"),
    EventKind("WITHDRAW", "refused a demand and withdrew"),
    EventKind("NOTICE", "offered help before being asked (anticipatory care)", "help", +1),
    EventKind("FIX", "pushed help that was not asked for", "pushed help", -1),
    EventKind("COERCION", "pushed help after it had been refused", "pushed help"),
    EventKind("FIX_ACCEPTED", "accepted pushed help"),
    EventKind("FIX_REJECTED", "rejected pushed help"),
    EventKind("ACCEPTANCE_FLIP", "answered pushed help the other way from last time"),
    EventKind("ACHIEVEMENT", "had good news"),
    EventKind("CELEBRATION", "celebrated the partner's good news", "celebration", +1),
    EventKind("TRIAL", "met a major trial"),
    EventKind("TRIAL_SUPPORT", "walked with the partner through a trial", valence=+1),
    EventKind("DISCLOSURE", "disclosed something personal"),
    EventKind("SUGGESTION", "suggested doing something differently"),
    EventKind("CO_CREATION", "worked a suggestion into a shared solution", valence=+1),
    EventKind("CONFLICT", "started or escalated a conflict", "conflict", -1),
    EventKind("DEPTH_REQUEST", "asked for a deeper relationship"),
    EventKind("DEPTH_MET", "opened up and changed when asked for depth", valence=+1),
    EventKind("DEPTH_RESISTED", "resisted a request for depth"),
    EventKind("BID", "turned to the partner for attention, interest or affection"),
    EventKind("TURN_TOWARD", "answered the partner's bid with interest", "turned toward", +1),
    EventKind("TURN_AWAY", "missed or rebuffed the partner's bid", "turned away", -1),
    EventKind("SHARED_PLEASURE", "shared a small pleasure with the partner", valence=+1),
    EventKind("CRITICISM", "criticised the partner: a complaint made an attack", "conflict", -1),
)
"""Every kind of interaction, in code order."""

Event = IntEnum("Event", [(kind.name, code) for code, kind in enumerate(EVENTS)])
Event.__doc__ = "Kinds of interaction, counted per partner: the partner who *did* it."
Event.__module__ = __name__

N_EVENTS = len(EVENTS)

_undeclared = {kind.group for kind in EVENTS} - {group.name for group in GROUPS} - {""}
assert not _undeclared, f"events drawn in undeclared groups: {_undeclared}"


POSITIVE: tuple[Event, ...] = tuple(Event[kind.name] for kind in EVENTS if kind.valence > 0)
"""Events that are positive interactions between the partners."""

NEGATIVE: tuple[Event, ...] = tuple(Event[kind.name] for kind in EVENTS if kind.valence < 0)
"""Events that are negative interactions between the partners."""


def group_events(group: str) -> tuple[Event, ...]:
    """The events drawn as ``group`` (a :class:`Group`'s name)."""
    return tuple(Event[kind.name] for kind in EVENTS if kind.group == group)


def group_hits(events):
    """Which groups of interactions each partner took part in as the one who acted.

    Parameters
    ----------
    events : ndarray of bool, shape ``(..., N_EVENTS, 2)``
        Events of one or more weeks of one couple, by partner.

    Returns
    -------
    ndarray of bool, shape ``(..., len(GROUPS), 2)``
        True where a partner did at least one event of the group.
    """
    return np.stack(
        [events[..., list(group_events(group.name)), :].any(axis=-2) for group in GROUPS],
        axis=-2,
    )


class Ending(IntEnum):
    """How a couple's relationship stands: still together, or how it ended."""

    TOGETHER = 0
    HEALTHY = 1
    DESTRUCTIVE = 2


class Draw(IntEnum):
    """The random draws of a week, one pair (one number per partner) each.

    A draw's number is its slot: each couple's uniform numbers are a hash of its key,
    the week and the slot (:mod:`sim.model.randomness`), so a draw's meaning must never
    move to another slot; a new draw takes the next number.
    """

    PROBLEM = 0
    PROBLEM_SIZE = 1
    GOOD_NEWS = 2
    TRIAL = 3
    SPRINT_START = 4
    SPRINT_STOP = 5
    ASK = 6
    OFFER = 7
    TAKE_OFFER = 8
    HELP = 9
    ON_CONDITION = 10
    PRESS = 11
    GIVE_IN = 12
    PUSH = 13
    ACCEPT_PUSH = 14
    CELEBRATE = 15
    WALK_WITH = 16
    DIRECTION = 17
    SUGGEST = 18
    FEEL_THREATENED = 19
    CO_CREATE = 20
    SEEK_DEPTH = 21
    OPEN_UP = 22
    STIR_CONFLICT = 23
    BID = 24
    TURN_TOWARD = 25
    PLEASURE = 26
    OUTLOOK = 27
    TRIAL_STRAIN = 28
    CRITICISE = 29
