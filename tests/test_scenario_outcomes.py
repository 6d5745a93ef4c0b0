"""Every scenario reaches its expected outcome classes, and the issue's contrasts hold.

Runs all scenarios at 200 replicate couples over 520 weeks at a fixed seed, through the
same checks as ``benchmarks/scenario_outcomes.py``.
"""

import importlib.util
from pathlib import Path

import pytest

from sim.faces.scenario_run import run_scenarios
from sim.scenario import list_scenarios, load_scenario

_SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "scenario_outcomes.py"
_spec = importlib.util.spec_from_file_location("scenario_outcomes", _SCRIPT)
checks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(checks)


@pytest.fixture(scope="module")
def runs():
    scenarios = [load_scenario(name) for name in list_scenarios()]
    return {r.scenario.name: r for r in run_scenarios(scenarios, 200, 520, 20261122)}


@pytest.mark.slow
@pytest.mark.parametrize("name", list_scenarios())
def test_scenario_reaches_its_expected_outcome_shares(runs, name):
    lines, ok = checks.scenario_lines(runs[name])
    assert ok, "\n".join(lines)


@pytest.mark.slow
def test_contrasts_between_scenarios_hold(runs):
    lines, ok = checks.contrast_lines(runs)
    assert ok, "\n".join(lines)
    assert len(lines) == 4  # both share contrasts and the intimacy ranking were checked
