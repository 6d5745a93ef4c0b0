"""The Python API without traps: a script needs no main guard to sweep with worker
processes, a script read from standard input sweeps too, and a pool that cannot start
(a model defined in an unguarded script) is one clear error, never a table of failed
runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "fixtures" / "experiments" / "tiny.toml"


def _script(out: Path, model: str = "") -> str:
    """A script that prints a line at its top level, then sweeps ``tiny`` with worker
    processes (of the relationship model, or of ``model`` defined in the script)."""
    mine = (
        "from dataclasses import dataclass\n"
        "from sim.model.batch import RelationshipBatch\n"
        "from sim.experiment import models\n"
        "@dataclass(frozen=True)\n"
        "class Mine(RelationshipBatch):\n"
        "    name: str = 'mine'\n"
        "models.register(Mine())\n"
        if model
        else ""
    )
    spec = ", model=models.get_model('mine')" if model else ""
    return (
        "import sim\n"
        f"{mine}"
        "print('top level', flush=True)\n"
        f"runs = sim.run_experiment({str(TINY)!r}, executor='process', out={str(out)!r}, "
        f"quiet=True, report=False{spec})\n"
        "print('rows', len(runs), int((runs['status'] == 'ok').sum()))\n"
    )


def _python(args, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=300, **kw
    )


def _ran_on_processes(out: Path) -> bool:
    manifest = json.loads((out / "manifest.json").read_text())
    return manifest["executor"]["name"] == "process" and manifest["executor"]["workers"] >= 1


@pytest.mark.slow
def test_a_script_without_a_main_guard_sweeps_and_its_workers_do_not_rerun_it(tmp_path):
    script = tmp_path / "unguarded.py"
    script.write_text(_script(tmp_path / "unguarded"))
    done = _python([str(script)], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["top level", "rows 18 18"]
    assert "Traceback" not in done.stderr and _ran_on_processes(tmp_path / "unguarded")


@pytest.mark.slow
def test_a_script_from_standard_input_sweeps_on_worker_processes(tmp_path):
    done = _python(["-"], input=_script(tmp_path / "stdin"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["top level", "rows 18 18"]
    assert "Traceback" not in done.stderr and _ran_on_processes(tmp_path / "stdin")


@pytest.mark.slow
def test_a_model_defined_in_an_unguarded_script_gets_one_clear_error(tmp_path):
    script = tmp_path / "mine.py"
    script.write_text(_script(tmp_path / "mine", model="mine"))
    done = _python([str(script)], cwd=tmp_path)
    assert done.returncode == 1 and "rows" not in done.stdout
    # One traceback, the script's own, ending in the error that says what to do; the
    # workers that re-ran the script ended quietly.
    assert done.stderr.count("Traceback") == 1
    assert done.stderr.strip().splitlines()[-1].endswith('or pass executor="serial"')
    guarded = tmp_path / "guarded.py"
    text = _script(tmp_path / "mine", model="mine")
    head, call = text.split("print('top level', flush=True)\n")
    body = "".join(f"    {line}\n" for line in call.splitlines())
    guarded.write_text(f'{head}if __name__ == "__main__":\n{body}')
    done = _python([str(guarded)], cwd=tmp_path)  # with the guard the same folder resumes
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["rows", "18", "18"]
