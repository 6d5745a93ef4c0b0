"""Experiment specs: valid specs parse; broken ones give one line, exit 2, and write nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main as cli
from sim.errors import InputError
from sim.experiment.spec import load_spec, parse_spec

FIXTURES = Path(__file__).parent / "fixtures" / "experiments"
BROKEN = sorted((FIXTURES / "broken").glob("*.toml"))
MY_COMMANDS = ("sim.cli.cmd_sweep", "sim.cli.cmd_export")


def test_tiny_spec_parses():
    spec = load_spec(FIXTURES / "tiny.toml")
    assert spec.name == "tiny"
    assert spec.design.kind == "grid"
    assert [f.name for f in spec.design.factors] == ["a.dependency", "both.growth"]
    assert spec.design.factors[1].values == pytest.approx((0.2, 0.5, 0.8))
    assert spec.series == ("intimacy", "trust", "goodwill_b")
    assert spec.scenarios == ("default",)
    assert spec.text == (FIXTURES / "tiny.toml").read_text()


def test_identity_ignores_replicates_but_not_seed():
    base = {
        "name": "x",
        "description": "x",
        "steps": 5,
        "design": {"kind": "grid", "factors": {"a.dependency": [0.2]}},
    }
    one = parse_spec({**base, "replicates": 1})
    two = parse_spec({**base, "replicates": 5, "description": "y"})
    other = parse_spec({**base, "seed": 3})
    assert one.identity_hash() == two.identity_hash()
    assert one.identity_hash() != other.identity_hash()


@pytest.mark.parametrize(
    "change, key",
    [
        ({"steps": 0}, "steps"),
        ({"seed": -1}, "seed"),
        ({"colour": "red"}, "colour"),
        (
            {
                "design": {
                    "kind": "sobol",
                    "samples": 6,
                    "factors": {"a.growth": [0, 1], "b.growth": [0, 1]},
                }
            },
            "design.samples",
        ),
        (
            {
                "design": {
                    "kind": "grid",
                    "factors": {"a.dependency": [0.1], "both.dependency": [0.2]},
                }
            },
            "design.factors.both.dependency",
        ),
        (
            {"design": {"kind": "grid", "factors": {"env.patience": [2.5]}}},
            "design.factors.env.patience",
        ),
        (
            {
                "design": {
                    "kind": "lhs",
                    "samples": 4,
                    "factors": {"a.growth": {"low": 0.5, "high": 0.5}},
                }
            },
            "design.factors.a.growth",
        ),
        ({"metrics": {"series": ["intimacy"]}}, "metrics.record_every"),
        ({"metrics": {"final": ["happiness"]}}, "metrics.final"),
        ({"plots": [{"title": "no kind"}]}, "plots"),
    ],
)
def test_invalid_values_name_their_key(change, key):
    data = {
        "name": "x",
        "description": "x",
        "steps": 5,
        "design": {"kind": "grid", "factors": {"a.dependency": [0.2]}},
        **change,
    }
    with pytest.raises(InputError) as info:
        parse_spec(data, source="spec.toml")
    assert info.value.key == key
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_spec_one_line_exit_2_writes_nothing(path, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "COMMAND_MODULES", MY_COMMANDS)
    status = cli.main(["sweep", str(path), "--executor", "serial", "--quiet"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and err.startswith("relsim: error: ")
    assert str(path) in err
    assert list(tmp_path.iterdir()) == []


def test_broken_spec_in_a_fresh_interpreter(tmp_path):
    """A separate Python process gets the same one line and exit status, no traceback."""
    code = (
        "import sys; from sim.cli import main as cli; "
        f"cli.COMMAND_MODULES = {MY_COMMANDS!r}; sys.exit(cli.main(sys.argv[1:]))"
    )
    spec = FIXTURES / "broken" / "unknown_factor.toml"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    proc = subprocess.run(
        [sys.executable, "-c", code, "sweep", str(spec)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "a.charisma" in proc.stderr
    assert list(tmp_path.iterdir()) == []
