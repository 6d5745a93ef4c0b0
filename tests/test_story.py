"""``relsim story``: the narration agrees with the engine's records and the classifier."""

from __future__ import annotations

import re

import numpy as np
import pytest

from sim.cli.main import main
from sim.model.engine import build_params, simulate, step
from sim.model.outcomes import OUTCOME_CLASSES, final_metrics
from sim.model.randomness import couple_keys
from sim.model.state import N_EVENTS, Event, initial_state
from sim.scenario import load_scenario
from sim.teach.story import NOTABLE, explain_outcome, is_quiet, tell, week_lines
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
def test_printed_story_mentions_every_event_the_engine_counted(name, capsys):
    sc = load_scenario(name)
    params, keys = sc.build_params(1), replicate_keys(SEED, 1)  # couple 0 of relsim run
    counts = simulate(params, keys, STEPS).state.counts[:, :, 0]
    assert main(["story", name, "--steps", str(STEPS), "--seed", str(SEED)]) == 0
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
