"""The results fingerprint: the code of the modules that decide results, not their docs."""

from __future__ import annotations

import textwrap

import pytest

import sim.market
import sim.model
from sim.experiment.provenance import code_fingerprint, code_text
from sim.market.batch import MARKET
from sim.model.batch import RELATIONSHIP

RULE = '''\
"""A rule, as a module that decides results might hold one."""

RATE = 0.5
"""How fast it moves."""


def drift(x):
    """Move ``x`` towards 1 at :data:`RATE`."""
    # a comment
    return x + RATE * (1 - x)


class Step:
    """One step."""

    def apply(self, x):
        """Apply it."""
        return drift(x)
'''


@pytest.fixture
def probe(tmp_path, monkeypatch):
    """A temporary module, importable by name, whose source a test may rewrite."""
    monkeypatch.syspath_prepend(str(tmp_path))
    path = tmp_path / "relsim_fingerprint_probe.py"
    path.write_text(RULE)
    return path


def test_a_docstring_or_comment_edit_keeps_the_fingerprint(probe):
    before = code_fingerprint(["relsim_fingerprint_probe"])
    edited = (
        RULE.replace("A rule, as", "Some other words about")
        .replace("How fast it moves.", "The pace, per week.")
        .replace("Apply it.", "Apply the step,\n        over several lines.")
        .replace("# a comment", "# another comment\n\n")
    )
    probe.write_text(edited)
    assert code_fingerprint(["relsim_fingerprint_probe"]) == before


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("RATE = 0.5", "RATE = 0.25"),
        ("x + RATE * (1 - x)", "x - RATE * (1 - x)"),
        ("return drift(x)", "return drift(drift(x))"),
        ('"""Move ``x`` towards 1 at :data:`RATE`."""', 'print("moving")'),
    ],
)
def test_any_code_change_changes_the_fingerprint(probe, old, new):
    before = code_fingerprint(["relsim_fingerprint_probe"])
    probe.write_text(RULE.replace(old, new))
    assert code_fingerprint(["relsim_fingerprint_probe"]) != before


def test_code_text_drops_every_docstring():
    text = code_text(textwrap.dedent(RULE))
    for words in ("A rule", "How fast", "Move ``x``", "One step", "Apply it"):
        assert words not in text
    assert "drift" in text and "0.5" in text


def test_a_module_without_source_is_an_error():
    with pytest.raises(ValueError, match="no source"):
        code_fingerprint(["relsim_no_such_module"])


def test_the_models_fingerprint_their_result_modules():
    assert RELATIONSHIP.fingerprint() == code_fingerprint(sim.model.RESULT_MODULES)
    both = (*sim.market.RESULT_MODULES, *sim.model.RESULT_MODULES)
    assert MARKET.fingerprint() == code_fingerprint(both)
    assert MARKET.fingerprint() != RELATIONSHIP.fingerprint()
