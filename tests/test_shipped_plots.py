"""Every shipped experiment's [[plots]] validate and draw against its own results' columns.

Each study runs shrunk (a few weeks, one replicate, a small Sobol base sample) so that
the run table and series have the real columns at a fraction of the cost.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from sim.calibration.spec import is_calibration
from sim.errors import InputError
from sim.experiment.runner import run_experiment
from sim.experiment.spec import parse_spec
from sim.views import plots

EXPERIMENTS = sorted(
    p
    for p in (Path(__file__).parent.parent / "experiments").glob("*.toml")
    if not is_calibration(p)
)


def shrunk_spec(path: Path, steps: int = 12, replicates: int = 1, samples: int = 4):
    """A shipped study at a fraction of its size: a few weeks, few replicates, a small
    sample of a sampled design, at most three scenarios (skips when the scenario library
    is unavailable)."""
    data = tomllib.loads(path.read_text())
    data.update(steps=steps, replicates=replicates)
    if data["design"]["kind"] in ("sobol", "morris", "lhs"):
        data["design"]["samples"] = samples
    try:
        spec = parse_spec(data, source=str(path), default_name=path.stem)
    except InputError as err:
        if "scenario" in str(err):
            pytest.skip(f"scenario library unavailable: {err}")
        raise
    if len(spec.scenarios) > 3:
        data["scenarios"] = list(spec.scenarios[:3])
        spec = parse_spec(data, source=str(path), default_name=path.stem)
    return spec


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_shipped_plots_draw(path, tmp_path):
    spec = shrunk_spec(path)
    out = tmp_path / spec.name
    run_experiment(spec, executor="serial", out=out, quiet=True, report=False)
    saved = plots.draw_results(out)
    assert len(saved) == len(spec.plots or plots.default_plots(plots.Results(out)))


def test_every_plot_kind_and_its_fields_are_documented():
    readme = (Path(__file__).parent.parent / "experiments" / "README.md").read_text()
    rows = {
        line.split("|")[1].strip(): line for line in readme.splitlines() if line.startswith("| `")
    }
    for kind, fields in plots.KINDS.items():
        assert f"`{kind}`" in rows, kind
        row = rows[f"`{kind}`"]
        for name in fields:
            assert f"`{name}`" in row or f"`{name} =" in row, (kind, name)
