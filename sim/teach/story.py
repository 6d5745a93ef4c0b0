"""The story of one couple in plain words, told from the engine's own records.

Each week the engine marks what every partner did in ``State.events`` (see
:class:`~sim.model.state.Event`) and adds it to ``State.counts``. The narrator reads
those marks after every :func:`~sim.model.week.step` and turns them into sentences:
who brought what to whom, how it was answered, what changed. It never draws random
numbers or decides anything itself, so the story always agrees with the numbers of
the same run.

A story is told in one of two ways (:meth:`Story.lines`):

- **condensed** (the default): the weeks are told in stretches, each stretch once,
  with the counts of what happened in it ("From week 3 to week 20, A brought eleven
  problems to B; B turned down nine, and A pressed seven of them as demands"). A
  stretch ends at the end of each year and at each turning point, which is told on its
  own: a partner's first demand, first coercion (pushed help after a refusal), trust
  falling below :data:`TRUST_LOST`, autonomy falling below :data:`AUTONOMY_LOST`, a
  partner first starting to think of leaving (commitment below the environment's
  threshold, the engine's ``below`` counter starting), and the parting. Each stretch
  says how the state variables moved over it, always including those the scenario's
  teaching notes tell students to watch (:func:`watched_in`).
- **weekly**: every week worth telling, one by one. Quiet weeks, in which partners
  only met and handled their own problems or talked as usual, are skipped.

Counts are written as words up to twelve and as digits above, with the noun agreeing
("no demands", "one problem", "eleven problems", "47 quarrels"): :func:`number`.

At the end the narrator names the outcome class that
:func:`~sim.model.outcomes.classify` gives and says which metrics put the couple
there, using the thresholds of :class:`~sim.model.outcomes.Thresholds`.

:func:`week_lines` describes one week of one couple and is what the app shows as
"this week in words"; :func:`tell` runs a whole story.
"""

from __future__ import annotations

import re
from collections import Counter
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
from sim.model.rules import bitter_chance
from sim.model.state import N_EVENTS, Ending, Event, Params, State, initial_state

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
    ("autonomy", "autonomy"),
    ("self_regard", "self-regard"),
    ("effort", "effort"),
)
"""State variables whose change the story reports, with their plain names (the names
:func:`watched_in` looks for in teaching notes)."""

STRETCH_CHANGE = 0.05
"""Smallest change of a state variable over a stretch that the condensed story mentions
(for a variable the teaching notes name, :data:`WEEKLY_CHANGE`)."""

TRUST_LOST = 0.45
"""Trust below which a partner is told to have lost trust in the other: clearly below
the 0.5 a new couple starts from, where the evidence has gone against the partner."""

AUTONOMY_LOST = 0.25
"""Autonomy below which a partner is told to have lost the sense of running their own
life."""

NUMBER_WORDS: tuple[str, ...] = (
    "no",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
)
"""How counts up to twelve are written; larger counts are written as digits."""


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


@dataclass(frozen=True)
class TurningPoint:
    """A week the condensed story tells on its own.

    Attributes
    ----------
    week : int
        The week's number, counted from 1.
    kind : str
        ``demand``, ``coercion``, ``trust``, ``autonomy``, ``leaving`` or ``parting``.
    partner : int
        The partner it is about (0 for ``a``, 1 for ``b``); -1 for the parting.
    text : str
        The sentence that tells it.
    """

    week: int
    kind: str
    partner: int
    text: str


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
    events : ndarray of bool, shape (steps, N_EVENTS, 2)
        The engine's marks of every week.
    snapshots : list of dict
        Values of :data:`WATCHED` before the first week and after every week.
    turning_points : list of TurningPoint
        The turning points, in order.
    leaving : list of (int, int, bool)
        Every week a partner started (True) or stopped (False) thinking of leaving:
        ``(week, partner, started)``.
    watch : tuple of str
        Names of :data:`WATCHED` the teaching notes tell students to watch.
    threshold : float
        The commitment threshold of the couple's environment.
    """

    weeks: list[WeekStory] = field(default_factory=list)
    yearly: list[tuple[int, str]] = field(default_factory=list)
    ending: list[str] = field(default_factory=list)
    outcome: str = ""
    state: State | None = None
    steps: int = 0
    names: tuple[str, str] = PARTNER_NAMES
    events: np.ndarray = field(default_factory=lambda: np.zeros((0, N_EVENTS, 2), dtype=bool))
    snapshots: list[dict[str, np.ndarray]] = field(default_factory=list)
    turning_points: list[TurningPoint] = field(default_factory=list)
    leaving: list[tuple[int, int, bool]] = field(default_factory=list)
    watch: tuple[str, ...] = ()
    threshold: float = 0.0

    def lines(self, weekly: bool = False) -> list[str]:
        """The story as lines of text: condensed (:meth:`condensed_lines`), or with
        ``weekly`` every week worth telling (:meth:`weekly_lines`)."""
        return self.weekly_lines() if weekly else self.condensed_lines()

    def condensed_lines(self) -> list[str]:
        """Stretches of weeks told once each, the turning points, yearly summaries,
        then the ending."""
        out: list[str] = []
        told: Counter[str] = Counter()
        tps = {tp.week for tp in self.turning_points}
        ends = sorted(tps | set(range(YEAR, self.steps + 1, YEAR)) | {self.steps})
        years = dict(self.yearly)
        start = 1
        for end in ends:
            if end < start:
                continue
            out.append(self._stretch_line(start, end, told))
            out += [f"Week {tp.week}: {tp.text}" for tp in self.turning_points if tp.week == end]
            if end in years:
                out.append(years[end])
            start = end + 1
        watch = self._watch_lines()
        return out + ([""] + watch if watch else []) + [""] + self.ending

    def _stretch_line(self, start: int, end: int, told: Counter[str] | None = None) -> str:
        """One stretch of weeks, ``start`` to ``end`` (counted from 1), in a paragraph.

        ``told`` counts the sentences told so far: a sentence told twice already is
        varied (:func:`_vary`), so that the story does not repeat itself.
        """
        ev = self.events[start - 1 : end]
        weeks = {(k, p): np.flatnonzero(ev[:, k, p]) + start for k in Event for p in (0, 1)}
        sentences = stretch_sentences(ev.sum(axis=0), weeks, self.names)
        sentences += self._leaving_sentences(start, end)
        changes = self._change_sentence(start, end)
        when = f"In week {start}" if start == end else f"From week {start} to week {end}"
        if not sentences:
            quiet = "nothing out of the ordinary happened: the partners met, handled "
            quiet += "their own problems and talked as usual."
            return " ".join([f"{when}, {quiet}", *changes])
        told = Counter() if told is None else told
        rest = []
        for sentence in sentences[1:]:
            told[sentence] += 1
            rest.append(_vary(sentence, told[sentence], self.names, (start, end)))
        return " ".join([f"{when}, {sentences[0]}", *rest, *changes])

    def _leaving_sentences(self, start: int, end: int) -> list[str]:
        """When a partner started (again) or stopped thinking of leaving in a stretch,
        apart from the first start, which is a turning point."""
        out = []
        for p in (0, 1):
            first = next((w for w, q, up in self.leaving if q == p and up), None)
            began = [
                w for w, q, up in self.leaving if q == p and up and start <= w <= end and w != first
            ]
            stopped = [w for w, q, up in self.leaving if q == p and not up and start <= w <= end]
            name = self.names[p]
            if stopped:
                out.append(
                    f"{name}'s commitment rose back above {self.threshold:.2f} in "
                    f"{_weeks(stopped)}, and {name} stopped thinking of leaving."
                )
            if began:
                out.append(f"{name} began again to think of leaving in {_weeks(began)}.")
        return out

    def _change_sentence(self, start: int, end: int) -> list[str]:
        """How the state moved over weeks ``start`` to ``end``, as one sentence."""
        before, after = self.snapshots[start - 1], self.snapshots[end]
        parts = []
        for name, plain in WATCHED:
            smallest = WEEKLY_CHANGE if name in self.watch else STRETCH_CHANGE
            old, new = np.atleast_1d(before[name]), np.atleast_1d(after[name])
            moves, last = [], None
            for i in range(len(new)):
                delta = float(new[i] - old[i])
                if abs(delta) < smallest:
                    continue
                way = "rose" if delta > 0 else "fell"
                who = f"{self.names[i]}'s" if len(new) == 2 else plain
                what = f"{who} {plain}" if not moves and len(new) == 2 else who
                said = "" if way == last else f" {way}"
                moves.append(f"{what}{said} from {old[i]:.2f} to {new[i]:.2f}")
                last = way
            if moves:
                parts.append(" and ".join(moves))
        if not parts:
            return []
        return [f"Over {'that week' if start == end else 'these weeks'} {'; '.join(parts)}."]

    def _watch_lines(self) -> list[str]:
        """What became of the state variables the teaching notes tell students to watch."""
        if not self.watch or not self.snapshots:
            return []
        first, last = self.snapshots[0], self.snapshots[-1]
        parts = []
        for name, plain in WATCHED:
            if name not in self.watch:
                continue
            old, new = np.atleast_1d(first[name]), np.atleast_1d(last[name])
            for i in range(len(new)):
                who = f"{self.names[i]}'s {plain}" if len(new) == 2 else plain
                parts.append(f"{who} went from {old[i]:.2f} to {new[i]:.2f}")
        plain = [p for n, p in WATCHED if n in self.watch]
        weeks = number(self.steps, "week")
        return [
            f"The teaching notes ask you to watch {_listed(plain)}: over the {weeks} "
            f"{_listed(parts)}."
        ]

    def weekly_lines(self) -> list[str]:
        """The story week by week: told weeks, yearly summaries, then the ending."""
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


def number(n: int, one: str | None = None, many: str | None = None) -> str:
    """A count in words up to twelve (``no`` for none), in digits above, with its noun.

    ``number(0, "problem")`` is ``"no problems"``, ``number(1, "problem")`` ``"one
    problem"``, ``number(47, "quarrel")`` ``"47 quarrels"``; without a noun, the number
    alone (``"none"`` for zero). ``many`` is the plural when it is not ``one + "s"``.
    """
    n = int(n)
    if one is None:
        return "none" if n == 0 else (NUMBER_WORDS[n] if n < len(NUMBER_WORDS) else str(n))
    word = NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)
    noun = one if n == 1 else (many or f"{one}s")
    return f"{word} {noun}"


def times(n: int) -> str:
    """How often, in words: ``never``, ``once``, ``twice``, ``three times``, ``47 times``."""
    n = int(n)
    if n <= 2:
        return ("never", "once", "twice")[max(n, 0)]
    return f"{number(n)} times"


def _listed(parts: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    parts = list(parts)
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def _weeks(weeks: Sequence[int]) -> str:
    """``week 3``, ``weeks 3 and 7``, ``weeks 3, 7 and 9``."""
    return f"week{'s' if len(weeks) > 1 else ''} {_listed([str(int(w)) for w in weeks])}"


def watched_in(notes: Sequence[str]) -> tuple[str, ...]:
    """Names of :data:`WATCHED` whose plain names the notes mention (whole words, any
    case), in the order of :data:`WATCHED`: what the notes tell students to watch."""
    text = " ".join(notes).lower()
    return tuple(name for name, plain in WATCHED if re.search(rf"\b{re.escape(plain)}\b", text))


REPEATS = 3
"""Times a stretch's sentence is told word for word before it is varied (:func:`_vary`)."""


def _vary(sentence: str, k: int, names: Sequence[str], weeks: tuple[int, int]) -> str:
    """The ``k``-th telling of a stretch's sentence: word for word up to :data:`REPEATS`,
    then with ``again`` and ``once more`` after its partner, then with its weeks."""
    if k <= REPEATS:
        return sentence
    words = ("again", "once more")
    if k - REPEATS <= len(words):
        who = "|".join(re.escape(n) for n in names)
        varied = re.sub(rf"^((?:Pressed, )?(?:{who})) ", rf"\1 {words[k - REPEATS - 1]} ", sentence)
        if varied != sentence:
            return varied
    return f"{sentence[:-1]} (weeks {weeks[0]} to {weeks[1]})."


def _of(part: int, whole: int) -> str:
    """A part of a whole already named: ``it``, ``both``, ``all seven``, or the number."""
    if part == whole:
        return "it" if whole == 1 else ("both" if whole == 2 else f"all {number(whole)}")
    return number(part)


def _often(weeks: np.ndarray) -> str:
    """How often a thing happened in a stretch: ``in week W`` when once, else ``twice``,
    ``three times``..."""
    return f"in week {int(weeks[0])}" if len(weeks) == 1 else times(len(weeks))


def _in_week(weeks: np.ndarray) -> str:
    """`` in week W`` for a thing that happened once in a stretch, else nothing."""
    return f" in week {int(weeks[0])}" if len(weeks) == 1 else ""


def stretch_sentences(
    c: np.ndarray, weeks: Mapping[tuple[Event, int], np.ndarray], names: Sequence[str]
) -> list[str]:
    """Sentences for a stretch of weeks from its event counts.

    Parameters
    ----------
    c : ndarray of int, shape (N_EVENTS, 2)
        How many weeks of the stretch each partner did each kind of event.
    weeks : mapping of (Event, int) to ndarray
        The weeks (counted from 1) of each kind of event of each partner.
    names : pair of str
        Names of partner ``a`` and partner ``b``.

    Notes
    -----
    Every notable event (:data:`NOTABLE`) is counted once in these sentences, so that
    reading the counts of a condensed story back gives the engine's counts; an event
    that happened once in the stretch is told with its week.
    """
    out: list[str] = []
    for x in (0, 1):
        out += _request_sentences(c, weeks, x, 1 - x, names)
    for x in (0, 1):
        out += _pushed_help_sentences(c, weeks, x, 1 - x, names)
    for x in (0, 1):
        out += _news_sentences(c, weeks, x, 1 - x, names)
    for x in (0, 1):
        out += _growth_sentences(c, weeks, x, 1 - x, names)
    for x in (0, 1):
        out += _quarrel_sentences(c, weeks, x, 1 - x, names)
    return out


def _request_sentences(c, weeks, x: int, y: int, names: Sequence[str]) -> list[str]:
    """Problems ``x`` brought to ``y`` and the answers; problems handled alone."""
    nx, ny = names[x], names[y]
    out = []
    asked = int(c[Event.REQUEST, x])
    free, conditional = int(c[Event.HELP_FREE, y]), int(c[Event.HELP_CONDITIONAL, y])
    declined, demands = int(c[Event.DECLINE, y]), int(c[Event.DEMAND, x])
    if asked == 1:
        line = f"{nx} brought one problem to {ny}{_in_week(weeks[Event.REQUEST, x])}"
        if free:
            line += f", and {ny} helped freely"
        elif conditional:
            line += f", and {ny} helped on condition of something in return"
        elif declined:
            line += f", and {ny} turned it down"
            if demands:
                line += f"; {nx} pressed it as a demand"
        out.append(line + ".")
    elif asked:
        answers = [
            (free, "helped freely with {}"),
            (conditional, "helped on condition with {}"),
            (declined, "turned down {}"),
        ]
        said = [text.format(_of(n, asked)) for n, text in answers if n]
        line = f"{nx} brought {number(asked, 'problem')} to {ny}"
        if said:
            line += f"; {ny} {_listed(said)}"
        if demands:
            what = "it as a demand" if demands == declined == 1 else None
            if what is None:
                noun = "a demand" if demands == 1 else "demands"
                part = _of(demands, declined) if declined > 1 or demands > 1 else "one"
                what = f"{part} {'of them ' if demands < declined else ''}as {noun}"
            line += f", and {nx} pressed {what}"
        out.append(line + ".")
    gave, withdrew = int(c[Event.HELP_DEMANDED, y]), int(c[Event.WITHDRAW, y])
    if demands and (gave or withdrew):
        answers = []
        if gave:
            answers.append("gave in" + (f" {times(gave)}" if demands > 1 else ""))
        if withdrew:
            answers.append("refused and withdrew" + (f" {times(withdrew)}" if demands > 1 else ""))
        out.append(f"Pressed, {ny} {_listed(answers)}.")
    alone, noticed = int(c[Event.HANDLED_ALONE, x]), int(c[Event.NOTICE, y])
    if noticed:
        out.append(
            f"{ny} saw {nx} struggling alone and helped without being asked "
            f"{_often(weeks[Event.NOTICE, y])}."
        )
    elif alone and not asked:
        out.append(f"{nx} handled {number(alone, 'problem')} alone.")
    return out


def _pushed_help_sentences(c, weeks, x: int, y: int, names: Sequence[str]) -> list[str]:
    """Help ``x`` pushed on ``y``, after refusals or not, and how ``y`` took it."""
    pushed = int(c[Event.FIX, x])
    if not pushed:
        return []
    nx, ny = names[x], names[y]
    coerced = int(c[Event.COERCION, x])
    line = f"{nx} pushed unasked help on {ny} {_often(weeks[Event.FIX, x])}"
    if coerced:
        after = f"after {ny} had refused it the time before (coercion)"
        if coerced == pushed:
            line += f", {after}" if pushed == 1 else f", each time {after}"
        else:
            line += f", {number(coerced)} of them {after}"
    taken, refused = int(c[Event.FIX_ACCEPTED, y]), int(c[Event.FIX_REJECTED, y])
    answers = []
    if taken:
        answers.append(f"accepted {_of(taken, pushed)}")
    if refused:
        answers.append(f"refused {_of(refused, pushed)}")
    if answers:
        line += f"; {ny} {_listed(answers)}"
    flips = int(c[Event.ACCEPTANCE_FLIP, y])
    if flips and pushed == 1:
        line += ", the other way from the time before"
    elif flips:
        line += f", switching between yes and no {times(flips)}"
    return [line + "."]


def _news_sentences(c, weeks, x: int, y: int, names: Sequence[str]) -> list[str]:
    """Good news and major trials of ``x``, and whether ``y`` was there for them."""
    nx, ny = names[x], names[y]
    out = []
    news, celebrated = int(c[Event.ACHIEVEMENT, x]), int(c[Event.CELEBRATION, y])
    if news == 1:
        answer = f", and {ny} celebrated it" if celebrated else f"; {ny} let it pass"
        out.append(f"{nx} had good news{_in_week(weeks[Event.ACHIEVEMENT, x])}{answer}.")
    elif news:
        if celebrated == news:
            answer = f", and {ny} celebrated {'both' if news == 2 else 'every one'}"
        elif celebrated:
            answer = f"; {ny} celebrated {number(celebrated)}"
        else:
            answer = f"; {ny} let {'both' if news == 2 else 'every one'} pass"
        out.append(f"{nx} had good news {times(news)}{answer}.")
    trials, stood = int(c[Event.TRIAL, x]), int(c[Event.TRIAL_SUPPORT, y])
    if trials == 1:
        answer = (
            f", and {ny} walked through it with {nx}"
            if stood
            else f" and went through it without {ny}'s support"
        )
        out.append(f"{nx} met a major trial{_in_week(weeks[Event.TRIAL, x])}{answer}.")
    elif trials:
        answer = f"{ny} walked through {_of(stood, trials)} with {nx}" if stood else None
        answer = answer or f"{ny} stood by {nx} in none of them"
        out.append(f"{nx} met {number(trials, 'major trial')}; {answer}.")
    return out


def _growth_sentences(c, weeks, x: int, y: int, names: Sequence[str]) -> list[str]:
    """Suggestions of ``x`` that ``y`` took up, and depth ``x`` asked of ``y``."""
    nx, ny = names[x], names[y]
    out = []
    shaped = int(c[Event.CO_CREATION, y])
    if shaped:
        answers = "a shared answer" if shaped == 1 else "shared answers"
        out.append(
            f"{ny} worked {number(shaped)} of {nx}'s suggestions into {answers}"
            f"{_in_week(weeks[Event.CO_CREATION, y])}."
        )
    asked = int(c[Event.DEPTH_REQUEST, x])
    if asked:
        line = f"{nx} asked {ny} for a deeper relationship {_often(weeks[Event.DEPTH_REQUEST, x])}"
        met, resisted = int(c[Event.DEPTH_MET, y]), int(c[Event.DEPTH_RESISTED, y])
        answers = []
        if met:
            answers.append("opened up" + ("" if asked == 1 else f" {times(met)}"))
        if resisted:
            answers.append("resisted" + ("" if asked == 1 else f" {times(resisted)}"))
        if answers:
            line += f"; {ny} {_listed(answers)}"
        out.append(line + ".")
    return out


def _quarrel_sentences(c, weeks, x: int, y: int, names: Sequence[str]) -> list[str]:
    """Quarrels ``x`` started or escalated, and criticism of ``y``."""
    nx, ny = names[x], names[y]
    parts = []
    quarrels, criticised = int(c[Event.CONFLICT, x]), int(c[Event.CRITICISM, x])
    if quarrels:
        when = _in_week(weeks[Event.CONFLICT, x])
        parts.append(f"started or escalated {number(quarrels, 'quarrel')}{when}")
    if criticised:
        parts.append(f"criticised {ny} {_often(weeks[Event.CRITICISM, x])}")
    return [f"{nx} {_listed(parts)}."] if parts else []


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


YEARLY: tuple[str, ...] = ("satisfaction", "resentment", "goodwill", "capability")
"""Partner variables every yearly summary gives (after intimacy)."""


def _year_line(year: int, s: State, names: Sequence[str], watch: Sequence[str] = ()) -> str:
    """A yearly summary of the couple's state, with the variables of ``watch`` too."""

    def both(arr: np.ndarray) -> str:
        return f"{names[0]} {arr[0, 0]:.2f}, {names[1]} {arr[1, 0]:.2f}"

    plain = dict(WATCHED)
    parts = [f"intimacy {s.intimacy[0]:.2f}"]
    for name in (*YEARLY, *(w for w in watch if w not in YEARLY and w != "intimacy")):
        arr = getattr(s, name)
        parts.append(
            f"{plain[name]} {both(arr)}" if arr.ndim == 2 else f"{plain[name]} {arr[0]:.2f}"
        )
    return f"-- End of year {year}: {'; '.join(parts)}."


def tell(
    params: Params,
    key: np.ndarray | int,
    steps: int,
    names: Sequence[str] = PARTNER_NAMES,
    thresholds: Thresholds | None = None,
    watch: Sequence[str] = (),
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
    watch : sequence of str
        Names of :data:`WATCHED` to follow closely (see :func:`watched_in`).
    """
    if params.n != 1:
        raise ValueError(f"a story is about one couple; got parameters of {params.n}")
    keys = np.atleast_1d(np.asarray(key, dtype=np.uint64))
    names = (str(names[0]), str(names[1]))
    state = initial_state(params)
    threshold = float(params.env["commitment_threshold"][0])
    story = Story(names=names, watch=tuple(watch), threshold=threshold)
    before = _snapshot(state)
    story.snapshots.append(before)
    events = []
    for t in range(steps):
        below = state.below.copy()
        step(state, params, keys)
        after = _snapshot(state)
        ev = state.events[:, :, 0].copy()
        events.append(ev)
        story.snapshots.append(after)
        _turning_points(story, t + 1, ev, below, before, after, state, params)
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
            story.yearly.append((t + 1, _year_line((t + 1) // YEAR, state, names, story.watch)))
        if not state.active[0]:
            break
    story.events = np.array(events, dtype=bool).reshape(len(events), N_EVENTS, 2)
    story.state = state
    story.steps = state.step
    metrics = {k: np.asarray(v)[0] for k, v in final_metrics(state).items()}
    story.outcome, reasons = explain_outcome(metrics, thresholds)
    story.ending = totals_lines(state, names) + [""] + reasons
    return story


def _turning_points(
    story: Story,
    week: int,
    ev: np.ndarray,
    below: np.ndarray,
    before: Mapping[str, np.ndarray],
    after: Mapping[str, np.ndarray],
    s: State,
    params: Params,
) -> None:
    """Add the turning points of one week, and the weeks partners started or stopped
    thinking of leaving, to ``story``: each kind of turning point is told the first time
    it comes to each partner."""
    names = story.names
    seen = {(tp.kind, tp.partner) for tp in story.turning_points}

    def first(kind: str, p: int, text: str) -> None:
        if (kind, p) not in seen:
            seen.add((kind, p))
            story.turning_points.append(TurningPoint(week, kind, p, text))

    for x in (0, 1):
        nx, ny = names[x], names[1 - x]
        if ev[Event.DEMAND, x]:
            first("demand", x, f"{nx} pressed a refused request as a demand for the first time.")
        if ev[Event.COERCION, x]:
            first(
                "coercion",
                x,
                f"{nx} pushed help on {ny} again after {ny} had refused it: the first coercion.",
            )
        if before["trust"][x] >= TRUST_LOST > after["trust"][x]:
            first(
                "trust",
                x,
                f"{nx}'s trust in {ny} fell below {TRUST_LOST:.2f}: {nx} no longer relied on {ny}.",
            )
        if before["autonomy"][x] >= AUTONOMY_LOST > after["autonomy"][x]:
            first(
                "autonomy",
                x,
                f"{nx}'s autonomy fell below {AUTONOMY_LOST:.2f}: {nx} had lost the sense "
                "of running their own life.",
            )
        if s.active[0] and below[x, 0] == 0 and s.below[x, 0] > 0:
            story.leaving.append((week, x, True))
            first(
                "leaving",
                x,
                f"{nx}'s commitment fell below {story.threshold:.2f}, and {nx} began to "
                "think of leaving.",
            )
        elif s.active[0] and below[x, 0] > 0 and s.below[x, 0] == 0:
            story.leaving.append((week, x, False))
    if not s.active[0]:
        story.turning_points.append(
            TurningPoint(week, "parting", -1, _parting_line(s, params, names))
        )


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


def _did(n: int, what: str) -> str:
    """``what`` done ``n`` times: ``never what``, ``what once``, ``what 47 times``."""
    return f"never {what}" if n == 0 else f"{what} {times(n)}"


def totals_lines(s: State, names: Sequence[str] = PARTNER_NAMES) -> list[str]:
    """What each partner did over the whole run, from the engine's counts, with every
    count in words that agree with it (:func:`number`, :func:`times`)."""
    c = s.counts[:, :, 0].astype(int)
    weeks = int(s.weeks[0])
    out = [f"Over {number(weeks, 'week')} together:"]
    for x in (0, 1):
        y = 1 - x
        nx, ny = names[x], names[y]
        asked, declined = c[Event.REQUEST, x], c[Event.DECLINE, y]
        line = (
            f"  {nx} met {number(c[Event.PROBLEM, x], 'problem')}, handled "
            f"{number(c[Event.HANDLED_ALONE, x])} alone and brought {number(asked)} to {ny}"
        )
        if asked:
            answers = [
                f"helped freely with {number(c[Event.HELP_FREE, y])}",
                f"on condition with {number(c[Event.HELP_CONDITIONAL, y])}",
                f"turned down {number(declined)}",
            ]
            line += f"; {ny} {_listed(answers)}"
        if declined:
            line += f"; {nx} pressed {number(c[Event.DEMAND, x])} of the refusals as demands"
        out.append(line + ".")
        pushed = c[Event.FIX, x]
        disclosed = c[Event.DISCLOSURE, x]
        shared = "every one" if disclosed == weeks else number(disclosed)
        coerced = f" ({number(c[Event.COERCION, x])} after a refusal)" if pushed else ""
        done = [
            _did(c[Event.NOTICE, x], f"helped {ny} unasked"),
            _did(pushed, f"pushed unasked help on {ny}") + coerced,
            _did(c[Event.CELEBRATION, x], f"celebrated {ny}'s good news"),
            f"stood by {ny} in {number(c[Event.TRIAL_SUPPORT, x], 'trial')}",
            f"disclosed something personal in {shared} of the {number(weeks, 'week')}",
            f"started or escalated {number(c[Event.CONFLICT, x], 'quarrel')}",
        ]
        out.append(f"  {nx} {_listed(done)}.")
        bids = [
            f"{nx} {_did(c[Event.BID, x], f'turned to {ny} for attention')}",
            f"{ny} {_did(c[Event.TURN_TOWARD, y], f'turned toward {nx}')} and "
            f"{_did(c[Event.TURN_AWAY, y], 'away')}",
        ]
        pleasures = [
            _did(c[Event.SHARED_PLEASURE, x], f"shared a small pleasure with {ny}"),
            _did(c[Event.CRITICISM, x], f"criticised {ny}"),
        ]
        out.append(f"  {'; '.join(bids)}. {nx} {_listed(pleasures)}.")
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
        most = max(m["resentment_a"], m["resentment_b"])
        bitterness = most + 4 * m["coercion_recent"] + 2 * m["demand_recent"]
        lines.append(
            f"  {outcome}: yes, the couple parted in week {int(m['step_ended']) + 1}, {kind} "
            f"lasting bitterness (largest resentment {most:.2f}, recent coercion "
            f"{m['coercion_recent']:.2f}, recent demands {m['demand_recent']:.2f}: "
            f"bitterness {bitterness:.2f}, at which a parting turns bitter with chance "
            f"{float(bitter_chance(bitterness)):.2f})."
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
