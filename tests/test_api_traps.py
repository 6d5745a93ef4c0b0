"""The Python API without traps: a process pool that cannot start is never a table of
failed runs (a script from standard input runs serially; a script without a main guard
gets one clear error)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "fixtures" / "experiments" / "tiny.toml"


def _script(out: Path) -> str:
    return (
        "import sim\n"
        f"runs = sim.run_experiment({str(TINY)!r}, executor='process', out={str(out)!r}, "
        "quiet=True, report=False)\n"
        "print('rows', len(runs), int((runs['status'] == 'ok').sum()))\n"
    )


def _python(args, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=300, **kw
    )


@pytest.mark.slow
def test_a_script_from_standard_input_runs_serially_with_a_message(tmp_path):
    done = _python(["-"], input=_script(tmp_path / "stdin"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["rows", "18", "18"]
    assert "running serially" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow
def test_a_script_without_a_main_guard_gets_one_clear_error(tmp_path):
    script = tmp_path / "unguarded.py"
    script.write_text(_script(tmp_path / "unguarded"))
    done = _python([str(script)], cwd=tmp_path)
    assert done.returncode == 1 and "rows" not in done.stdout
    # One traceback, the script's own, ending in the error that says what to do; the
    # workers that re-ran the script ended quietly.
    assert done.stderr.count("Traceback") == 1
    assert done.stderr.strip().splitlines()[-1].endswith('or pass executor="serial"')
    assert 'if __name__ == "__main__":' in done.stderr
    guarded = tmp_path / "guarded.py"
    body = "".join(f"    {line}\n" for line in _script(tmp_path / "unguarded").splitlines())
    guarded.write_text(f'if __name__ == "__main__":\n{body}')
    done = _python([str(guarded)], cwd=tmp_path)  # with the guard, the same folder resumes
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["rows", "18", "18"]
