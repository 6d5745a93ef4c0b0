"""Every scenario reaches its expected outcome classes, and the issue's contrasts hold.

Runs all scenarios at 200 replicate couples over 520 weeks at a fixed seed, through the
same checks as ``benchmarks/scenario_outcomes.py`` (``ScenarioRun.checks``).
"""

import importlib.util
from pathlib import Path

import pytest

from sim.scenario import PRIMARY_MAX_SHARE, list_scenarios, load_scenario
from sim.views.scenario_run import run_scenarios

_SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "scenario_outcomes.py"
_spec = importlib.util.spec_from_file_location("scenario_outcomes", _SCRIPT)
checks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(checks)

HARDLY_DIVERGE = {
    "balanced_mutual": "every couple is mutual at ten years (1.00 at every seed tried)",
    "coercive_helper": "every couple ends destructively (1.00 at every seed tried)",
}
"""Scenarios whose replicate couples, with the same traits, hardly diverge: their primary
class takes more than PRIMARY_MAX_SHARE of the couples (issue 12, item 2). Each is a
known failure of the model, not of the scenario; strict, so that a model whose couples
differ more shows at once that the entry can go."""


@pytest.fixture(scope="module")
def runs():
    scenarios = [load_scenario(name) for name in list_scenarios()]
    return {r.scenario.name: r for r in run_scenarios(scenarios, 200, 520, 20261122)}


@pytest.mark.slow
@pytest.mark.parametrize("name", list_scenarios())
def test_scenario_reaches_its_expected_outcome_shares(runs, name):
    lines, ok = checks.scenario_lines(runs[name], ("share", "two_way", "leads"))
    assert ok, "\n".join(lines)


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in list_scenarios() if load_scenario(n).pattern_class])
def test_scenario_couples_show_its_pattern(runs, name):
    """A scenario whose couples end names the pattern they end from; most show it."""
    lines, ok = checks.scenario_lines(runs[name], ("pattern",))
    assert ok, "\n".join(lines)


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.xfail(reason=HARDLY_DIVERGE[name], strict=True))
        if name in HARDLY_DIVERGE
        else name
        for name in list_scenarios()
    ],
)
def test_primary_class_leaves_some_couples_to_other_classes(runs, name):
    lines, ok = checks.scenario_lines(runs[name], ("at_most",))
    assert ok, "\n".join(lines)
    assert runs[name].shares()[load_scenario(name).primary.outcome] <= PRIMARY_MAX_SHARE


def test_every_known_failure_names_a_scenario():
    assert set(HARDLY_DIVERGE) <= set(list_scenarios())


@pytest.mark.slow
def test_contrasts_between_scenarios_hold(runs):
    lines, ok = checks.contrast_lines(runs)
    assert ok, "\n".join(lines)
    # Both share contrasts, the intimacy ranking and the therapeutic endings were checked.
    assert len(lines) == 5
