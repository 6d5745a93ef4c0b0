"""Dependencies run one way: the experiment machinery imports no model and no face."""

from __future__ import annotations

import ast
from pathlib import Path

import sim
from sim.experiment import models, runner

EXPERIMENT = Path(sim.__file__).parent / "experiment"
OTHERS = (
    "sim.model",
    "sim.market",
    "sim.cli",
    "sim.views",
    "sim.teach",
    "sim.scenario",
    "sim.population",
)


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def test_the_experiment_machinery_imports_no_model_and_no_face():
    offenders = [
        f"{path.name}: {name}"
        for path in sorted(EXPERIMENT.glob("*.py"))
        for name in _imports(path)
        if name.startswith(OTHERS)
    ]
    assert offenders == []


def test_the_models_and_the_page_are_registered_by_the_package():
    assert set(models.model_names()) >= {"relationship", "market"}
    assert models.default_model() == "relationship"
    assert models.get_model("market").name == "market"
    assert runner.reporter() is sim.views.results_page


def test_a_sweep_gets_its_page_from_the_reporter_the_faces_set(tmp_path):
    fixture = Path(__file__).parent / "fixtures" / "experiments" / "tiny.toml"
    called = []
    before = runner.reporter()
    runner.set_reporter(lambda root: called.append(root) or root / "page.html")
    try:
        summary = runner.sweep(fixture, "serial", tmp_path / "with", quiet=True)
        assert called == [tmp_path / "with"] and summary.page == tmp_path / "with" / "page.html"
        runner.set_reporter(None)
        summary = runner.sweep(fixture, "serial", tmp_path / "without", quiet=True)
        assert summary.page is None and not (tmp_path / "without" / "index.html").exists()
    finally:
        runner.set_reporter(before)
    assert runner.reporter() is sim.views.results_page
