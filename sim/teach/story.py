"""The story of one couple in plain words, told from the engine's own records.

Each week the engine marks what every partner did in ``State.events`` (see
:class:`~sim.model.state.Event`) and adds it to ``State.counts``. The narrator reads
those marks after every :func:`~sim.model.week.step` and turns them into sentences:
who brought what to whom, how it was answered, what changed. It never draws random
numbers or decides anything itself, so the story always agrees with the numbers of
the same run. Quiet weeks, in which partners only met and handled their own problems
or talked as usual, are skipped.

At the end the narrator names the outcome class that
:func:`~sim.model.outcomes.classify` gives and says which metrics put the couple
there, using the thresholds of :class:`~sim.model.outcomes.Thresholds`.

:func:`week_lines` describes one week of one couple and is what the app shows as
"this week in words"; :func:`tell` runs a whole story.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.model.engine import step
from sim.model.outcomes import (
    FALLBACK,
    OUTCOME_CLASSES,
    PATTERN_RULES,
    Thresholds,
    classify,
    final_metrics,
    pattern,
)
from sim.model.state import Ending, Event, Params, State, initial_state

PARTNER_NAMES: tuple[str, str] = ("A", "B")
"""How the story calls partner ``a`` and partner ``b``."""

ROUTINE: frozenset[Event] = frozenset(
    {
        Event.PROBLEM,
        Event.HANDLED_ALONE,
        Event.DISCLOSURE,
        Event.SUGGESTION,
        Event.BID,
        Event.TURN_TOWARD,
        Event.TURN_AWAY,
        Event.SHARED_PLEASURE,
    }
)
"""Events that alone make a quiet week: meeting and handling one's own problems, the
usual talk, an idea that nobody took up, and the everyday bids for attention, answered
or not, and small pleasures, which come nearly every week (the yearly summary counts
them)."""

NOTABLE: tuple[Event, ...] = tuple(e for e in Event if e not in ROUTINE)
"""Events that make a week worth telling; each is told every week it happens."""

WEEKLY_CHANGE = 0.02
"""Smallest change of a couple's state in one week that the story mentions."""

YEAR = 52
"""Weeks between the story's yearly summaries."""

WATCHED: tuple[tuple[str, str], ...] = (
    ("intimacy", "intimacy"),
    ("satisfaction", "satisfaction"),
    ("resentment", "resentment"),
    ("goodwill", "goodwill"),
    ("capability", "capability"),
    ("commitment", "commitment"),
    ("trust", "trust"),
)
"""State variables whose weekly change the story reports, with their plain names."""


@dataclass(frozen=True)
class WeekStory:
    """One told week.

    Attributes
    ----------
    week : int
        The week's number, counted from 1.
    lines : tuple of str
        Sentences about the week.
    events : ndarray of bool, shape (N_EVENTS, 2)
        The engine's marks for that week: ``events[kind, partner]``.
    """

    week: int
    lines: tuple[str, ...]
    events: np.ndarray


@dataclass
class Story:
    """A whole story, with the records it was told from.

    Attributes
    ----------
    weeks : list of WeekStory
        The weeks worth telling, in order.
    yearly : list of (int, str)
        One summary line per year, after the week it closes.
    ending : list of str
        Totals, the outcome class and why.
    outcome : str
        The outcome class.
    state : State
        The couple's final state (one couple).
    steps : int
        Weeks run.
    names : tuple of str
        Names of the partners.
    """

    weeks: list[WeekStory] = field(default_factory=list)
    yearly: list[tuple[int, str]] = field(default_factory=list)
    ending: list[str] = field(default_factory=list)
    outcome: str = ""
    state: State | None = None
    steps: int = 0
    names: tuple[str, str] = PARTNER_NAMES

    def lines(self) -> list[str]:
        """The story as lines of text: told weeks, yearly summaries, then the ending."""
        out: list[str] = []
        years = iter(self.yearly)
        year = next(years, None)
        for week in self.weeks:
            while year is not None and year[0] < week.week:
                out.append(year[1])
                year = next(years, None)
            out.append(f"Week {week.week}: {' '.join(week.lines)}")
        while year is not None:
            out.append(year[1])
            year = next(years, None)
        return out + [""] + self.ending


def is_quiet(events: np.ndarray) -> bool:
    """Whether a week's events (``(N_EVENTS, 2)`` bool) hold nothing but routine."""
    return not events[list(NOTABLE)].any()


def week_lines(events: np.ndarray, names: Sequence[str] = PARTNER_NAMES) -> list[str]:
    """Sentences for one week of one couple, from the engine's marks.

    Parameters
    ----------
    events : ndarray of bool, shape (N_EVENTS, 2)
        ``state.events[:, :, couple]`` after a step: ``events[kind, p]`` is true when
        partner ``p`` did ``kind`` that week.
    names : pair of str
        Names of partner ``a`` and partner ``b``.

    Notes
    -----
    Every notable event (:data:`NOTABLE`) a partner did is told exactly once, so that
    counting the phrases of a story gives the engine's counts back.
    """
    ev = np.asarray(events, dtype=bool)
    out: list[str] = []
    for x in (0, 1):
        y = 1 - x
        out += _problem_lines(ev, x, y, names)
    for x in (0, 1):
        out += _pushed_help_lines(ev, x, 1 - x, names)
    for x in (0, 1):
        out += _news_lines(ev, x, 1 - x, names)
    for x in (0, 1):
        out += _growth_lines(ev, x, 1 - x, names)
    for x in (0, 1):
        if ev[Event.CONFLICT, x]:
            out.append(f"{names[x]} {_conflict_reason(ev, x, 1 - x, names)}; a quarrel followed.")
    for x in (0, 1):
        if ev[Event.CRITICISM, x]:
            out.append(f"{names[x]} criticised {names[1 - x]}, a complaint turned into an attack.")
    return out


def _problem_lines(ev: np.ndarray, x: int, y: int, names: Sequence[str]) -> list[str]:
    """A problem of ``x``: brought to ``y`` and answered, or handled alone."""
    nx, ny = names[x], names[y]
    if ev[Event.REQUEST, x]:
        if ev[Event.HELP_FREE, y]:
            answer = f"{ny} helped freely."
        elif ev[Event.HELP_CONDITIONAL, y]:
            answer = f"{ny} helped, but on condition of something in return."
        elif ev[Event.DECLINE, y]:
            answer = f"{ny} said no."
        else:
            answer = ""
        line = f"{nx} brought a problem to {ny}. {answer}".strip()
        if ev[Event.DEMAND, x]:
            line += f" {nx} pressed it as a demand"
            if ev[Event.HELP_DEMANDED, y]:
                line += f", and {ny} gave in."
            elif ev[Event.WITHDRAW, y]:
                line += f"; {ny} refused and withdrew."
            else:
                line += "."
        return [line]
    if ev[Event.HANDLED_ALONE, x]:
        if ev[Event.NOTICE, y]:
            return [
                f"{nx} struggled with a problem alone; {ny} noticed and helped without being asked."
            ]
        return [f"{nx} handled a problem alone."]
    return []


def _pushed_help_lines(ev: np.ndarray, x: int, y: int, names: Sequence[str]) -> list[str]:
    """Help ``x`` pushed on ``y`` without being asked, and how ``y`` took it."""
    if not ev[Event.FIX, x]:
        return []
    nx, ny = names[x], names[y]
    if ev[Event.COERCION, x]:
        line = f"{nx} pushed help on {ny} again, though {ny} had refused it last time (coercion)"
    else:
        line = f"{nx} pushed help on {ny} that {ny} had not asked for"
    if ev[Event.FIX_ACCEPTED, y]:
        line += f"; {ny} accepted it"
    elif ev[Event.FIX_REJECTED, y]:
        line += f"; {ny} refused it"
    if ev[Event.ACCEPTANCE_FLIP, y]:
        line += ", the other way from last time"
    return [line + "."]


def _news_lines(ev: np.ndarray, x: int, y: int, names: Sequence[str]) -> list[str]:
    """Good news and major trials of ``x``, and whether ``y`` was there for them."""
    nx, ny = names[x], names[y]
    out = []
    if ev[Event.ACHIEVEMENT, x]:
        if ev[Event.CELEBRATION, y]:
            out.append(f"{nx} had good news, and {ny} celebrated it.")
        else:
            out.append(f"{nx} had good news; {ny} let it pass.")
    if ev[Event.TRIAL, x]:
        if ev[Event.TRIAL_SUPPORT, y]:
            out.append(f"{nx} met a major trial, and {ny} walked through it with {nx}.")
        else:
            out.append(f"{nx} met a major trial and went through it without {ny}'s support.")
    return out


def _growth_lines(ev: np.ndarray, x: int, y: int, names: Sequence[str]) -> list[str]:
    """Suggestions ``x`` made that ``y`` took up, and depth ``x`` asked of ``y``."""
    nx, ny = names[x], names[y]
    out = []
    if ev[Event.SUGGESTION, x] and ev[Event.CO_CREATION, y]:
        out.append(
            f"{nx} suggested doing something differently, and {ny} worked it into a shared answer."
        )
    if ev[Event.DEPTH_REQUEST, x]:
        if ev[Event.DEPTH_MET, y]:
            out.append(f"{nx} asked {ny} for a deeper relationship, and {ny} opened up.")
        elif ev[Event.DEPTH_RESISTED, y]:
            out.append(f"{nx} asked {ny} for a deeper relationship; {ny} resisted.")
        else:
            out.append(f"{nx} asked {ny} for a deeper relationship.")
    return out


def _conflict_reason(ev: np.ndarray, x: int, y: int, names: Sequence[str]) -> str:
    """What most likely set off the conflict ``x`` started or escalated this week."""
    if ev[Event.WITHDRAW, x]:
        return f"would not give in to {names[y]}'s demand"
    if ev[Event.FIX_REJECTED, x]:
        return "pushed back against the unasked help"
    if ev[Event.DEPTH_RESISTED, x]:
        return f"dug in against {names[y]}'s wish for more depth"
    if ev[Event.SUGGESTION, y] and not ev[Event.CO_CREATION, x]:
        return f"took {names[y]}'s suggestion as a threat"
    return "stirred things up in a calm week"


def _snapshot(s: State) -> dict[str, np.ndarray]:
    """Values of :data:`WATCHED` for couple 0: per partner where the state has two."""
    out = {}
    for name, _ in WATCHED:
        arr = getattr(s, name)
        out[name] = np.array(arr[:, 0] if arr.ndim == 2 else arr[:1], dtype=np.float64)
    return out


def change_lines(
    before: Mapping[str, np.ndarray],
    after: Mapping[str, np.ndarray],
    names: Sequence[str] = PARTNER_NAMES,
    smallest: float = WEEKLY_CHANGE,
) -> list[str]:
    """What changed between two snapshots by at least ``smallest``, in words.

    A snapshot maps names of :data:`WATCHED` to one value per partner or one for the
    couple; names missing from ``after`` are left out.
    """
    parts = []
    for name, plain in WATCHED:
        if name not in after:
            continue
        old, new = np.atleast_1d(before[name]), np.atleast_1d(after[name])
        for i in range(len(new)):
            delta = float(new[i] - old[i])
            if abs(delta) < smallest:
                continue
            who = f"{names[i]}'s {plain}" if len(new) == 2 else plain.capitalize()
            way = "rose" if delta > 0 else "fell"
            parts.append(f"{who} {way} to {new[i]:.2f}")
    if not parts:
        return []
    text = "; ".join(parts)
    return [f"({text[0].upper()}{text[1:]}.)"]


def _year_line(year: int, s: State, names: Sequence[str]) -> str:
    """A yearly summary of the couple's state."""

    def both(arr: np.ndarray) -> str:
        return f"{names[0]} {arr[0, 0]:.2f}, {names[1]} {arr[1, 0]:.2f}"

    return (
        f"-- End of year {year}: intimacy {s.intimacy[0]:.2f}; satisfaction "
        f"{both(s.satisfaction)}; resentment {both(s.resentment)}; goodwill "
        f"{both(s.goodwill)}; capability {both(s.capability)}."
    )


def tell(
    params: Params,
    key: np.ndarray | int,
    steps: int,
    names: Sequence[str] = PARTNER_NAMES,
    thresholds: Thresholds | None = None,
) -> Story:
    """Run one couple week by week on the engine and tell what happened.

    Parameters
    ----------
    params : Params
        Parameters of exactly one couple (see :func:`~sim.model.engine.build_params`).
    key : uint64 array of shape (1,), or int
        The couple's random key (see :func:`~sim.model.randomness.couple_keys`).
    steps : int
        Weeks to run; the story stops early when the couple parts.
    names : pair of str
        Names of partner ``a`` and partner ``b``.
    thresholds : Thresholds, optional
        Thresholds of the outcome classes.
    """
    if params.n != 1:
        raise ValueError(f"a story is about one couple; got parameters of {params.n}")
    keys = np.atleast_1d(np.asarray(key, dtype=np.uint64))
    names = (str(names[0]), str(names[1]))
    state = initial_state(params)
    story = Story(names=names)
    before = _snapshot(state)
    for t in range(steps):
        below = state.below.copy()
        step(state, params, keys)
        after = _snapshot(state)
        ev = state.events[:, :, 0].copy()
        lines = week_lines(ev, names)
        notable = bool(lines) and not is_quiet(ev)
        extra = _thinking_of_leaving(below, state, params, names)
        if not state.active[0]:
            extra.append(_parting_line(state, params, names))
        if notable or extra:
            told = lines if notable else []
            told = told + change_lines(before, after, names) + extra
            story.weeks.append(WeekStory(t + 1, tuple(told), ev))
        before = after
        if (t + 1) % YEAR == 0:
            story.yearly.append((t + 1, _year_line((t + 1) // YEAR, state, names)))
        if not state.active[0]:
            break
    story.state = state
    story.steps = state.step
    metrics = {k: np.asarray(v)[0] for k, v in final_metrics(state).items()}
    story.outcome, reasons = explain_outcome(metrics, thresholds)
    story.ending = totals_lines(state, names) + [""] + reasons
    return story


def _thinking_of_leaving(
    below: np.ndarray, s: State, params: Params, names: Sequence[str]
) -> list[str]:
    """Partners whose commitment dropped below the threshold this week."""
    out = []
    for p in (0, 1):
        if below[p, 0] == 0 and s.below[p, 0] > 0 and s.active[0]:
            out.append(
                f"{names[p]}'s commitment fell below "
                f"{params.env['commitment_threshold'][0]:.2f}, and {names[p]} began to "
                "think of leaving."
            )
    return out


def _parting_line(s: State, params: Params, names: Sequence[str]) -> str:
    """Who left, and how the ending was judged."""
    patience = params.env["patience"][0]
    leavers = [names[p] for p in (0, 1) if s.below[p, 0] >= patience]
    who = " and ".join(leavers) if leavers else "They"
    kind = "healthy" if s.ending[0] == Ending.HEALTHY else "destructive"
    return f"{who} left. The relationship ended, and the ending was {kind}."


def _times(n: int, one: str = "time", many: str = "times") -> str:
    return f"{n} {one if n == 1 else many}"


def totals_lines(s: State, names: Sequence[str] = PARTNER_NAMES) -> list[str]:
    """What each partner did over the whole run, from the engine's counts."""
    c = s.counts[:, :, 0]
    out = [f"Over {_times(int(s.weeks[0]), 'week', 'weeks')} together:"]
    for x in (0, 1):
        y = 1 - x
        nx, ny = names[x], names[y]
        out.append(
            f"  {nx} met {_times(c[Event.PROBLEM, x], 'problem', 'problems')}, handled "
            f"{c[Event.HANDLED_ALONE, x]} alone and brought {c[Event.REQUEST, x]} to {ny}; "
            f"{ny} helped freely {_times(c[Event.HELP_FREE, y])}, on condition "
            f"{_times(c[Event.HELP_CONDITIONAL, y])} and said no "
            f"{_times(c[Event.DECLINE, y])}; {nx} pressed "
            f"{_times(c[Event.DEMAND, x], 'refusal', 'refusals')} as demands."
        )
        out.append(
            f"  {nx} helped unasked {_times(c[Event.NOTICE, x])}, pushed unasked help "
            f"{_times(c[Event.FIX, x])} ({c[Event.COERCION, x]} after a refusal), celebrated "
            f"{ny}'s good news {_times(c[Event.CELEBRATION, x])}, stood by {ny} in "
            f"{_times(c[Event.TRIAL_SUPPORT, x], 'trial', 'trials')}, opened up in "
            f"{_times(c[Event.DISCLOSURE, x], 'week', 'weeks')} and started or escalated "
            f"{_times(c[Event.CONFLICT, x], 'conflict', 'conflicts')}."
        )
        out.append(
            f"  {nx} turned to {ny} for attention {_times(c[Event.BID, x])}; {ny} turned "
            f"toward {nx} {_times(c[Event.TURN_TOWARD, y])} and away "
            f"{_times(c[Event.TURN_AWAY, y])}. {nx} shared a small pleasure "
            f"{_times(c[Event.SHARED_PLEASURE, x])} and criticised {ny} "
            f"{_times(c[Event.CRITICISM, x])}."
        )
    return out


def explain_outcome(
    m: Mapping[str, float], thresholds: Thresholds | None = None
) -> tuple[str, list[str]]:
    """The outcome class of one couple and, in words, the metrics that put it there.

    Parameters
    ----------
    m : mapping of str to float
        Final metrics of one couple (one entry of
        :func:`~sim.model.outcomes.final_metrics`).
    thresholds : Thresholds, optional
        Thresholds of the outcome classes.

    Returns
    -------
    outcome : str
        The class :func:`~sim.model.outcomes.classify` gives.
    lines : list of str
        Why: the tests of earlier classes that failed and those of this class that held.
    """
    th = thresholds or Thresholds()
    arrays = {k: np.atleast_1d(v) for k, v in m.items()}
    outcome = OUTCOME_CLASSES[int(classify(arrays, th)[0])]
    lines = [f"Outcome: {outcome}."]
    if m["ending_kind"] != Ending.TOGETHER:
        kind = "without" if m["ending_kind"] == Ending.HEALTHY else "with"
        shown = OUTCOME_CLASSES[int(pattern(arrays, th)[0])]
        lines.append(
            f"  {outcome}: yes, the couple parted in week {int(m['step_ended']) + 1}, {kind} "
            f"lasting bitterness (largest resentment "
            f"{max(m['resentment_a'], m['resentment_b']):.2f}, recent coercion "
            f"{m['coercion_recent']:.2f}, recent demands {m['demand_recent']:.2f})."
        )
        lines.append(f"  The pattern it ended from: {shown}.")
        return outcome, lines
    lines.append("Why, testing the classes in the classifier's order:")
    for name, alternatives in PATTERN_RULES:
        passed = [alt for alt in alternatives if all(c.holds(m, th) for c in alt)]
        if passed:
            tests = " and ".join(c.describe(m, th) for c in passed[0])
            lines.append(f"  {name}: yes, {tests}.")
            break
        failed = [next(c for c in alt if not c.holds(m, th)) for alt in alternatives]
        lines.append(f"  {name}: no, {'; nor '.join(c.describe(m, th) for c in failed)}.")
    else:
        verdict = "mutual" if FALLBACK.holds(m, th) else "eroded"
        lines.append(
            f"  no named pattern: {verdict}, since {FALLBACK.describe(m, th)} "
            "(a couple with no pattern has either kept its closeness or worn it down)."
        )
    return outcome, lines
