"""One process at a time in a results folder (issue: two sweeps never in one folder).

Tested with real processes: a holder started in a subprocess, a second sweep refused
while it lives, and the folder taken over once it is killed with SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli.main import main
from sim.errors import InputError
from sim.experiment import lock
from sim.experiment.runner import sweep

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "fixtures" / "experiments" / "tiny.toml"


def _holder(folder: Path) -> subprocess.Popen:
    """A process that takes the folder's lock and sleeps; returns once it holds it."""
    code = (
        "import sys, time; from sim.experiment.lock import hold\n"
        "with hold(sys.argv[1], 'a test holder'):\n"
        "    print('held', flush=True); time.sleep(600)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(folder)], env=env, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_sweep_is_refused_while_another_process_holds_the_folder(tmp_path, capsys):
    out = tmp_path / "busy"
    proc = _holder(out)
    try:
        with pytest.raises(InputError, match=f"in use by process {proc.pid} \\(a test holder"):
            sweep(TINY, "serial", out, quiet=True)
        assert main(["sweep", str(TINY), "--executor", "serial", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and f"process {proc.pid}" in err
        assert sorted(p.name for p in out.iterdir()) == [lock.LOCK]  # nothing else written
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # The holder died without cleaning up: its lock is free and the sweep takes it over.
    summary = sweep(TINY, "serial", out, quiet=True, report=False)
    assert summary.rows == summary.planned == 18 and summary.failed == 0
    assert f"process {os.getpid()}" in lock.holder(out)


def test_two_sweeps_started_together_never_both_write(tmp_path):
    out = tmp_path / "race"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "sim.cli.main", "sweep", str(TINY)]
    args += ["--executor", "serial", "--out", str(out), "--no-report"]
    procs = [
        subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _ in results)
    refused = [err for code, err in results if code == 2]
    # Either one was refused while the other ran, or the second found the first's
    # complete results and had nothing left to do; never two writers at once.
    assert codes in ([0, 2], [0, 0])
    assert all("in use by process" in err and err.count("\n") == 1 for err in refused)
    assert summary_rows(out) == 18


def summary_rows(out: Path) -> int:
    import pandas as pd

    runs = pd.read_parquet(out / "runs.parquet")
    assert not runs.duplicated(["point", "replicate"]).any()
    return len(runs)


def test_the_lock_is_held_only_inside_the_block(tmp_path):
    with lock.hold(tmp_path / "f", "first"):
        with pytest.raises(InputError, match="in use by process"):
            with lock.hold(tmp_path / "f", "second"):
                pass
    with lock.hold(tmp_path / "f", "third"):
        assert "third" in lock.holder(tmp_path / "f")
