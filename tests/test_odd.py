"""docs/ODD.md stays true to the code: generated tables current, every phase and mechanism named."""

import re
from pathlib import Path

import pytest

from sim.model import docs
from sim.model.outcomes import OUTCOME_CLASSES, Thresholds
from sim.model.parameters import REGISTRY
from sim.model.week import PHASES

ODD = Path(__file__).resolve().parents[1] / "docs" / "ODD.md"
REFRESH = "python -m sim.model.docs --write docs/ODD.md"


@pytest.fixture(scope="module")
def text():
    return ODD.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(docs.TABLES))
def test_generated_table_in_odd_matches_the_code(text, name):
    found = docs.blocks(text)
    assert name in found, f"docs/ODD.md lacks the <!-- {name}:start/end --> markers"
    expected = "\n" + docs.TABLES[name]() + "\n"
    assert found[name] == expected, f"the {name} in docs/ODD.md is out of date; run {REFRESH}"


def test_refresh_leaves_an_up_to_date_odd_unchanged(text):
    assert docs.refresh(text) == text, f"run {REFRESH}"


def test_refresh_replaces_only_what_lies_between_the_markers():
    stale = (
        "before\n<!-- parameter-table:start -->\n| stale row |\n"
        "<!-- parameter-table:end -->\nmiddle\n"
        "<!-- threshold-table:start --><!-- threshold-table:end -->\nafter\n"
    )
    new = docs.refresh(stale)
    assert new.startswith("before\n<!-- parameter-table:start -->\n| name |")
    assert "\nmiddle\n" in new and new.endswith("<!-- threshold-table:end -->\nafter\n")
    assert "stale row" not in new
    assert docs.refresh(new) == new


def test_refresh_refuses_a_file_without_markers():
    with pytest.raises(ValueError, match="parameter-table"):
        docs.refresh("no tables here\n")


def test_parameter_table_lists_every_registry_parameter():
    table = docs.parameter_table()
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    assert [re.match(r"\| `(\w+)`", r).group(1) for r in rows] == list(REGISTRY)


def test_threshold_table_lists_every_threshold():
    table = docs.threshold_table()
    for name, value in Thresholds().as_dict().items():
        assert f"| `{name}` | {value:g} |" in table


@pytest.mark.parametrize("phase", [f.__name__ for f in PHASES])
def test_every_phase_of_a_week_is_described(text, phase):
    assert f"`{phase}`" in text, f"docs/ODD.md does not name the phase {phase}"


@pytest.mark.parametrize("mechanism", [f"M{k}" for k in range(1, 18)])
def test_every_mechanism_is_described(text, mechanism):
    assert re.search(rf"\b{mechanism}\b", text), f"docs/ODD.md does not name {mechanism}"


@pytest.mark.parametrize("outcome", OUTCOME_CLASSES)
def test_every_outcome_class_is_described(text, outcome):
    assert f"`{outcome}`" in text


def test_main_check_passes_on_the_odd(capsys):
    assert docs.main(["--check", str(ODD)]) == 0
