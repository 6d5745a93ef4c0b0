"""``relsim story``: the narration agrees with the engine's records and the classifier."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest

from sim.cli.main import main
from sim.model.engine import build_params, simulate, step
from sim.model.outcomes import OUTCOME_CLASSES, final_metrics
from sim.model.randomness import couple_keys
from sim.model.rules import bitter_chance
from sim.model.state import N_EVENTS, Ending, Event, initial_state
from sim.scenario import list_scenarios, load_scenario
from sim.teach.story import (
    AUTONOMY_LOST,
    NOTABLE,
    NUMBER_WORDS,
    TRUST_LOST,
    explain_outcome,
    is_quiet,
    number,
    tell,
    times,
    watched_in,
    week_lines,
)
from sim.views.scenario_run import replicate_keys

STEPS = 156
SEED = 4

PHRASES: dict[Event, str] = {
    Event.REQUEST: r"brought a problem to",
    Event.HELP_FREE: r"helped freely",
    Event.HELP_CONDITIONAL: r"helped, but on condition",
    Event.DECLINE: r"said no\.",
    Event.DEMAND: r"pressed it as a demand",
    Event.HELP_DEMANDED: r"gave in\.",
    Event.WITHDRAW: r"refused and withdrew",
    Event.NOTICE: r"noticed and helped without being asked",
    Event.FIX: r"pushed help on",
    Event.COERCION: r"\(coercion\)",
    Event.CELEBRATION: r"celebrated it\.",
    Event.TRIAL_SUPPORT: r"walked through it with",
    Event.CO_CREATION: r"worked it into a shared answer",
    Event.DEPTH_REQUEST: r"asked \w+ for a deeper relationship",
    Event.CONFLICT: r"a quarrel followed",
    Event.CRITICISM: r"criticised \w+, a complaint",
}
"""Phrases a reader can count in a story, each told once per event the engine marks."""


def _engine_weeks(params, keys, steps):
    """Each week's events of couple 0, read straight from the engine."""
    state = initial_state(params)
    weeks = []
    for _ in range(steps):
        step(state, params, keys)
        weeks.append(state.events[:, :, 0].copy())
        if not state.active[0]:
            break
    return np.array(weeks), state


@pytest.mark.parametrize("name", ["demand_escalation", "coercive_helper", "balanced_mutual"])
def test_printed_weekly_story_mentions_every_event_the_engine_counted(name, capsys):
    sc = load_scenario(name)
    params, keys = sc.build_params(1), replicate_keys(SEED, 1)  # couple 0 of relsim run
    counts = simulate(params, keys, STEPS).state.counts[:, :, 0]
    argv = ["story", name, "--steps", str(STEPS), "--seed", str(SEED), "--weekly"]
    assert main(argv) == 0
    text = " ".join(capsys.readouterr().out.split())  # undo the wrapping
    weekly = text[text.index("Week ") : text.index(" Over ")]
    for kind, phrase in PHRASES.items():
        assert len(re.findall(phrase, weekly)) == counts[kind].sum(), kind.name
    # The run shows the patterns the scenario is about.
    assert counts[Event.HELP_FREE].sum() > 0
    outcome = simulate(params, keys, STEPS).metrics()["outcome"][0]
    assert f"Outcome: {outcome}." in text


def test_weeks_told_are_exactly_the_weeks_with_notable_events():
    sc = load_scenario("demand_escalation")
    params, keys = sc.build_params(1), couple_keys(SEED, 1)
    weeks, _ = _engine_weeks(params, keys, STEPS)
    story = tell(params, keys, STEPS)
    told = {w.week for w in story.weeks}
    notable = {t + 1 for t, ev in enumerate(weeks) if not is_quiet(ev)}
    assert told == notable and len(told) < STEPS  # quiet weeks are skipped
    with_demand = {t + 1 for t, ev in enumerate(weeks) if ev[Event.DEMAND].any()}
    told_demand = {w.week for w in story.weeks if "pressed it as a demand" in " ".join(w.lines)}
    assert told_demand == with_demand and with_demand
    for w in story.weeks:
        np.testing.assert_array_equal(w.events, weeks[w.week - 1])


def test_story_ends_where_the_engine_ends_with_the_classifiers_class():
    sc = load_scenario("coercive_helper")
    params, keys = sc.build_params(1), couple_keys(SEED, 1)
    story = tell(params, keys, STEPS)
    batch = simulate(params, keys, STEPS)
    np.testing.assert_array_equal(story.state.satisfaction, batch.state.satisfaction)
    np.testing.assert_array_equal(story.state.counts, batch.state.counts)
    assert story.outcome == batch.metrics()["outcome"][0]
    assert story.lines()[-len(story.ending) :] == story.ending
    assert any(line.startswith(f"  {story.outcome}: yes") for line in story.ending)


def test_a_couple_that_parts_is_told_leaving_and_an_ended_class():
    params = build_params(
        {"narcissism": 0.9, "responsiveness": 0.1},
        {"narcissism": 0.9, "responsiveness": 0.1},
        {"alternatives": 1.0, "commitment_threshold": 0.8, "patience": 3},
    )
    story = tell(params, couple_keys(SEED, 1), STEPS)
    assert not story.state.active[0] and story.steps < STEPS
    last = " ".join(story.weeks[-1].lines)
    assert "left. The relationship ended" in last
    assert story.weeks[-1].week == story.steps
    assert story.outcome in ("ended_healthy", "ended_destructive")
    assert any("began to think of leaving" in " ".join(w.lines) for w in story.weeks)


def test_an_ending_is_explained_by_its_bitterness_and_the_chance_it_gave():
    """A parting's line gives the bitterness the engine weighed and the chance of a
    bitter ending it gave (R9.5): a destructive ending had some chance, a healthy one
    less than certainty, and the chance is what the rule gives at that bitterness."""
    sc = load_scenario("intensity_attraction")  # endings on both sides of the line
    batch = simulate(sc.build_params(40), couple_keys(SEED, 40), 520)
    every = final_metrics(batch.state)
    kinds = set()
    for i in np.flatnonzero(every["ended"]):
        one = {k: np.asarray(v)[i] for k, v in every.items()}
        _, lines = explain_outcome(one)
        found = re.search(
            r"bitterness (\d\.\d\d), at which .* with chance (\d\.\d\d)", " ".join(lines)
        )
        assert found, lines
        bitterness, chance = float(found[1]), float(found[2])
        expected = max(one["resentment_a"], one["resentment_b"])
        expected += 4 * one["coercion_recent"] + 2 * one["demand_recent"]
        assert bitterness == round(float(expected), 2)
        assert chance == round(float(bitter_chance(expected)), 2)
        destructive = one["ending_kind"] == Ending.DESTRUCTIVE
        assert chance > 0 if destructive else chance < 1
        kinds.add(bool(destructive))
    assert kinds == {True, False}


def test_explanation_walks_to_the_class_the_classifier_gives():
    """Across scenarios and couples, the tests the story quotes lead to the same class."""
    seen = set()
    for name in ("balanced_mutual", "intensity_attraction", "personal_development"):
        sc = load_scenario(name)
        batch = simulate(sc.build_params(24), couple_keys(SEED, 24), 260)
        m = batch.metrics()
        every = final_metrics(batch.state)
        for i in range(24):
            one = {k: np.asarray(v)[i] for k, v in every.items()}
            outcome, lines = explain_outcome(one)
            assert outcome == m["outcome"][i]
            verdict = [ln for ln in lines if ": yes," in ln or "no named pattern" in ln]
            assert len(verdict) == 1
            assert verdict[0].split(":")[0].strip() == outcome or f": {outcome}," in verdict[0]
            seen.add(outcome)
    assert len(seen) >= 3


def test_week_lines_tell_a_refused_demand_and_the_quarrel_it_starts():
    ev = np.zeros((N_EVENTS, 2), dtype=bool)
    for kind, who in [
        (Event.REQUEST, 0),
        (Event.DECLINE, 1),
        (Event.DEMAND, 0),
        (Event.WITHDRAW, 1),
        (Event.CONFLICT, 1),
        (Event.ACHIEVEMENT, 1),
        (Event.CELEBRATION, 0),
    ]:
        ev[kind, who] = True
    lines = week_lines(ev, ("Ann", "Bo"))
    assert lines == [
        "Ann brought a problem to Bo. Bo said no. Ann pressed it as a demand; "
        "Bo refused and withdrew.",
        "Bo had good news, and Ann celebrated it.",
        "Bo would not give in to Ann's demand; a quarrel followed.",
    ]
    assert not is_quiet(ev)
    routine = np.zeros((N_EVENTS, 2), dtype=bool)
    routine[[Event.PROBLEM, Event.HANDLED_ALONE, Event.DISCLOSURE], 0] = True
    assert is_quiet(routine) and Event.DEMAND in NOTABLE


@pytest.mark.parametrize(
    "argv, where",
    [
        (["story", "no_such_scenario"], "unknown scenario"),
        (["story", "balanced_mutual", "--steps", "0"], "--steps"),
        (["story", "balanced_mutual", "--seed", "-1"], "--seed"),
        (["story", "balanced_mutual", "--steps", "ten"], "--steps"),
        (["story", "missing/file.toml"], "no such scenario file"),
    ],
)
def test_bad_story_input_gives_one_line_and_status_2(argv, where, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and where in err


def test_outcome_classes_are_one_table_the_classifier_and_the_story_share():
    from sim.model import outcomes
    from sim.teach import story

    named = [name for name, _ in outcomes.PATTERN_RULES]
    assert set(named) <= set(OUTCOME_CLASSES)
    assert set(OUTCOME_CLASSES) - set(named) == set(outcomes.ENDED_CLASSES.values())
    assert story.PATTERN_RULES is outcomes.PATTERN_RULES
    assert not hasattr(story, "Check") and not hasattr(story, "RULES")


def test_a_reader_that_stops_early_gets_no_traceback():
    import subprocess
    import sys
    from pathlib import Path

    relsim = Path(sys.executable).with_name("relsim")
    command = [str(relsim)] if relsim.exists() else [sys.executable, "-m", "sim.cli.main"]
    proc = subprocess.Popen(
        [*command, "story", "coercive_helper"],  # more than a pipe holds
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    first = proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read().decode()
    assert proc.wait(60) == 0
    assert first.startswith(b"coercive_helper:") and "Traceback" not in err


def test_story_of_a_scenario_file_tells_the_parting(tmp_path, capsys):
    from pathlib import Path

    text = (Path(__file__).parent.parent / "scenarios" / "balanced_mutual.toml").read_text()
    path = tmp_path / "short_patience.toml"
    path.write_text(
        text + "\n[env]\nalternatives = 1.0\ncommitment_threshold = 0.9\npatience = 3\n"
    )
    assert main(["story", str(path), "--steps", "60", "--seed", "2"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert out.startswith("short_patience:")
    assert "began to think of leaving" in out and "The relationship ended" in out
    assert re.search(r"Outcome: ended_(healthy|destructive)\.", out)


# --- the condensed story -----------------------------------------------------------------

WORDS = {w: i for i, w in enumerate(NUMBER_WORDS)} | {"none": 0, "it": 1, "both": 2}
WORDS |= {"once": 1, "twice": 2}


def _count(text: str) -> int:
    """A count as the condensed story writes it: ``eleven``, ``47``, ``all nine``,
    ``both``, ``it``, ``once``, ``twice``, ``three times`` or ``in week W`` (once)."""
    text = text.removeprefix("all ").removesuffix(" times")
    if text.startswith("in week"):
        return 1
    return WORDS[text] if text in WORDS else int(text)


HOW_OFTEN = r"(in week \d+|once|twice|\w+ times)"
WHO = r"(\w+)(?: again| once more)?"
"""A partner's name, with the words a repeated sentence is varied by."""

CONDENSED: dict[Event, str] = {
    Event.REQUEST: rf"{WHO} brought (\w+) problems? to \w+",
    Event.DEMAND: r"(\w+) pressed (it|both|all \w+|\w+)(?: of them)? as (?:a )?demands?",
    Event.FIX: rf"{WHO} pushed unasked help on \w+ {HOW_OFTEN}",
    Event.CONFLICT: rf"{WHO} started or escalated (\w+) quarrels?",
    Event.CRITICISM: rf"{WHO}(?: started or escalated \w+ quarrels?(?: in week \d+)? and)? "
    rf"criticised \w+ {HOW_OFTEN}",
    Event.DEPTH_REQUEST: rf"{WHO} asked \w+ for a deeper relationship {HOW_OFTEN}",
}
"""Phrases of the condensed story that name the partner who did something and how often."""


def _coercions(text: str, names) -> list[int]:
    """Coercions of each partner, read from the condensed story's pushed-help phrases."""
    out = [0, 0]
    pattern = rf"{WHO} pushed unasked help on \w+ {HOW_OFTEN}(, (each time|\w+ of them)? ?after)?"
    for who, often, after, part in re.findall(pattern, text):
        if not after:
            continue
        n = _count(often)
        out[names.index(who)] += _count(part.split()[0]) if part.endswith("of them") else n
    return out


def _stretches(story) -> str:
    """The condensed story before its ending, on one line."""
    lines = story.lines()
    return " ".join(lines[: lines.index("")])


@pytest.mark.parametrize(
    ("name", "steps"),
    [
        ("demand_escalation", STEPS),
        ("coercive_helper", STEPS),
        ("balanced_mutual", STEPS),
        ("independent_growth", 520),  # long enough for repeated sentences to be varied
    ],
)
def test_condensed_story_counts_are_the_engines(name, steps):
    sc = load_scenario(name)
    params, keys = sc.build_params(1), replicate_keys(SEED, 1)
    counts = simulate(params, keys, steps).state.counts[:, :, 0]
    story = tell(params, keys, steps, watch=watched_in(sc.notice))
    text = _stretches(story)
    for kind, phrase in CONDENSED.items():
        found = [0, 0]
        for who, n in re.findall(phrase, text):
            found[story.names.index(who)] += _count(n)
        assert found == counts[kind].tolist(), kind.name
    # Coercions are counted within the pushed help; answers summed over the partners.
    assert _coercions(text, story.names) == counts[Event.COERCION].tolist()
    declined = sum(_count(n) for n in re.findall(r"turned down (both|all \w+|\w+)", text))
    declined += len(re.findall(r"turned it down", text))
    assert declined == counts[Event.DECLINE].sum()
    assert counts[Event.REQUEST].sum() > 0  # there is something to count
    # Fewer lines than weeks told one by one; the same totals and outcome in both modes.
    assert len(story.lines()) < len(story.lines(weekly=True)) / 2
    assert story.lines()[-len(story.ending) :] == story.lines(weekly=True)[-len(story.ending) :]


@pytest.mark.parametrize("name", list_scenarios())
def test_no_sentence_repeats_more_than_three_times_in_a_condensed_story(name):
    sc = load_scenario(name)
    story = tell(sc.build_params(1), replicate_keys(1, 1), 520, watch=watched_in(sc.notice))
    sentences = re.split(r"(?<=[.:])\s+", " ".join(story.lines()))
    repeated = {s: k for s, k in Counter(sentences).items() if k > 3 and s}
    assert repeated == {}
    weekly = re.split(r"(?<=[.:])\s+", " ".join(story.lines(weekly=True)))
    assert max(Counter(weekly).values()) > 3  # week by week, a story repeats itself


def test_turning_points_are_the_engines_first_times():
    """First coercion, first demand, trust and autonomy lost, and the weeks a partner
    starts or stops thinking of leaving are those the engine's records show."""
    seen = set()
    for name in ("coercive_helper", "demand_escalation", "personal_development"):
        sc = load_scenario(name)
        params, keys = sc.build_params(1), replicate_keys(1, 1)
        story = tell(params, keys, 520)
        state = initial_state(params)
        first: dict[tuple[str, int], int] = {}
        leaving = []
        for t in range(story.steps):
            trust, autonomy, below = state.trust.copy(), state.autonomy.copy(), state.below.copy()
            step(state, params, keys)
            for p in (0, 1):
                marks = {
                    "demand": state.events[Event.DEMAND, p, 0],
                    "coercion": state.events[Event.COERCION, p, 0],
                    "trust": trust[p, 0] >= TRUST_LOST > state.trust[p, 0],
                    "autonomy": autonomy[p, 0] >= AUTONOMY_LOST > state.autonomy[p, 0],
                    "leaving": state.active[0] and below[p, 0] == 0 < state.below[p, 0],
                }
                for kind, hit in marks.items():
                    if hit:
                        first.setdefault((kind, p), t + 1)
                if state.active[0] and (below[p, 0] == 0) != (state.below[p, 0] == 0):
                    leaving.append((t + 1, p, bool(state.below[p, 0] > 0)))
        told = {(tp.kind, tp.partner): tp.week for tp in story.turning_points}
        parting = told.pop(("parting", -1), None)
        assert told == first
        assert parting == (story.steps if not story.state.active[0] else None)
        assert story.leaving == leaving
        lines = story.lines()
        for tp in story.turning_points:
            assert f"Week {tp.week}: {tp.text}" in lines
        seen |= {kind for kind, _ in told}
    assert {"demand", "coercion", "autonomy", "leaving"} <= seen


def test_the_story_follows_what_the_teaching_notes_tell_students_to_watch():
    named = [n for n in list_scenarios() if "autonomy" in " ".join(load_scenario(n).notice)]
    assert named
    sc = load_scenario(named[0])
    watch = watched_in(sc.notice)
    assert "autonomy" in watch
    story = tell(sc.build_params(1), replicate_keys(1, 1), 104, watch=watch)
    text = " ".join(story.lines())
    assert "autonomy" in text and "The teaching notes ask you to watch" in text
    assert all(f"autonomy {story.names[0]}" in line for _, line in story.yearly)
    unwatched = tell(sc.build_params(1), replicate_keys(1, 1), 104)
    assert "The teaching notes ask you to watch" not in " ".join(unwatched.lines())
    assert watched_in(["Trust and self-regard fall; intimacy too."]) == (
        "intimacy",
        "trust",
        "self_regard",
    )


def test_counts_are_words_to_twelve_and_digits_above_and_agree_with_their_nouns():
    assert number(0, "problem") == "no problems"
    assert number(1, "problem") == "one problem"
    assert number(11, "problem") == "eleven problems"
    assert number(13, "quarrel") == "13 quarrels"
    assert number(2, "major trial") == "two major trials"
    assert number(0) == "none" and number(12) == "twelve" and number(47) == "47"
    assert [times(n) for n in (0, 1, 2, 3, 12, 13)] == [
        "never",
        "once",
        "twice",
        "three times",
        "twelve times",
        "13 times",
    ]


@pytest.mark.parametrize("name", list_scenarios()[::3])
def test_no_count_in_a_story_is_out_of_agreement(name):
    sc = load_scenario(name)
    story = tell(sc.build_params(1), replicate_keys(2, 1), 260, watch=watched_in(sc.notice))
    for weekly in (False, True):
        text = " ".join(story.lines(weekly=weekly))
        nouns = r"(problem|quarrel|time|trial|demand|refusal|suggestion|answer|conflict)"
        assert not re.findall(rf"\b(?:[0-9]|1[0-2]) {nouns}s?\b", text)  # small counts in words
        assert not re.findall(rf"\b(?:one|1) {nouns}s\b", text)
        many = "|".join(NUMBER_WORDS[2:])
        assert not re.findall(rf"\b(?:{many}|\d\d+) {nouns}\b(?!s)", text)
        assert not re.findall(r"\b1 times|\b0 [a-z]", text) and "opened up in" not in text


def test_relsim_story_is_condensed_unless_weekly(capsys):
    argv = ["story", "coercive_helper", "--steps", "104"]
    assert main(argv) == 0
    condensed = capsys.readouterr().out
    assert main([*argv, "--weekly"]) == 0
    weekly = capsys.readouterr().out
    assert "From week 1 to week" in condensed and "Week 1:" not in condensed
    assert "Week 1:" in weekly and "From week" not in weekly
    assert condensed.count("\n") < weekly.count("\n") / 2
    for text in (condensed, weekly):
        assert "Outcome:" in text and "What to notice:" in text
