"""docs/ODD.md stays true to the code.

The generated tables are current; every phase of a week, mechanism and outcome class is
named; every coefficient of a rule in ``sim/model/week.py`` appears in the section that
describes it.
"""

import ast
import inspect
import re
import textwrap
from pathlib import Path

import pytest

from sim import hashing
from sim.model import docs, randomness, rules, week
from sim.model.outcomes import OUTCOME_CLASSES, Thresholds
from sim.model.parameters import REGISTRY
from sim.model.state import initial_state
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
    others = "".join(
        f"<!-- {n}:start --><!-- {n}:end -->\n" for n in docs.TABLES if n != "parameter-table"
    )
    stale = (
        "before\n<!-- parameter-table:start -->\n| stale row |\n"
        f"<!-- parameter-table:end -->\nmiddle\n{others}after\n"
    )
    new = docs.refresh(stale)
    assert new.startswith("before\n<!-- parameter-table:start -->\n| name |")
    assert "\nmiddle\n" in new and new.endswith("<!-- threshold-table:end -->\nafter\n")
    assert "stale row" not in new and "| `TURN_AWAY` |" in new
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


def _coefficients(function) -> list[float]:
    """Numeric constants of a rule function, bar 0, 1, 2 and the draw slots."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(getattr(function, "py_func", function))))
    slots = {
        id(arg)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("pair", "uniform")
        for arg in node.args
    }
    values = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and type(node.value) in (int, float)
        and id(node) not in slots
        and node.value not in (0, 1, 2)
    }
    return sorted(values)


def _missing(numbers, section: str) -> list[float]:
    return [x for x in numbers if not re.search(rf"(?<![\d.]){re.escape(f'{x:g}')}(?!\d)", section)]


@pytest.mark.parametrize("phase", PHASES, ids=[f.__name__ for f in PHASES])
def test_every_coefficient_of_a_phase_appears_in_its_section(text, phase):
    """A coarse guard: a coefficient added or changed in week.py must show in the ODD."""
    match = re.search(rf"### 7\.\d+ Phase \d: `{phase.__name__}`\n(.*?)\n### ", text, re.DOTALL)
    assert match, f"docs/ODD.md has no section for phase {phase.__name__}"
    missing = _missing(_coefficients(phase), match.group(1))
    assert not missing, f"coefficients of {phase.__name__} not in its ODD section: {missing}"


@pytest.mark.parametrize(
    "helper",
    [
        rules.pace,
        rules.self_efficacy,
        rules.receptivity,
        rules.reliance,
        rules.leaning,
        rules.bounded,
        rules.asymmetry,
        rules.press,
        rules.push_chance,
        rules.seek_chance,
        week.learn_from_help,
    ],
    ids=lambda f: f.__name__,
)
def test_every_coefficient_of_a_helper_rule_appears_in_the_submodels(text, helper):
    submodels = text[text.index("## 7. Submodels") :]
    missing = _missing(_coefficients(helper), submodels)
    assert not missing, f"coefficients of {helper.__name__} not in the ODD: {missing}"


def test_every_coefficient_of_the_initial_state_appears_in_the_odd(text):
    overview = text[: text.index("## 6. Input data")]
    missing = _missing(_coefficients(initial_state), overview)
    assert not missing, f"coefficients of initial_state not in sections 1 to 5: {missing}"


def test_the_constants_of_the_random_numbers_appear_in_the_odd(text):
    for module, name in ((hashing, "GOLDEN"), (hashing, "_M1"), (hashing, "_M2")):
        assert f"0x{int(getattr(module, name)):016X}" in text, name
    assert f"0x{int(randomness._STEP):016X}" in text


@pytest.mark.parametrize("mechanism", [f"M{k}" for k in range(1, 18)])
def test_every_mechanism_is_described(text, mechanism):
    assert re.search(rf"\b{mechanism}\b", text), f"docs/ODD.md does not name {mechanism}"


@pytest.mark.parametrize("outcome", OUTCOME_CLASSES)
def test_every_outcome_class_is_described(text, outcome):
    assert f"`{outcome}`" in text


def test_main_check_passes_on_the_odd(capsys):
    assert docs.main(["--check", str(ODD)]) == 0
