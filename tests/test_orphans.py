"""Workers die with their runner, SIGKILL included, for both multi-process executors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

LONG_SPEC = """
name = "long"
description = "A sweep long enough to be killed while it runs."
steps = 520
replicates = 2000
seed = 4
[design]
kind = "grid"
[design.factors]
"a.dependency" = [0.2, 0.5, 0.8]
"""


def _children(pid: int) -> set[int]:
    """Process ids whose parent is ``pid`` (from /proc)."""
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.parametrize("executor", ["process", "dask"])
def test_killing_the_runner_ends_its_workers(tmp_path, executor):
    spec = tmp_path / "long.toml"
    spec.write_text(LONG_SPEC)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "sim.cli.main", "sweep", str(spec), "--executor", executor]
    args += ["--workers", "2", "--out", str(tmp_path / "out"), "--chunk-size", "50"]
    runner = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    deadline = time.monotonic() + 120
    # Wait until both workers are up and the first chunks have come back.
    while time.monotonic() < deadline and runner.poll() is None:
        workers = {p for p in _children(runner.pid) if _is_python(p)}
        if len(workers) >= 2 and list((tmp_path / "out" / "chunks").glob("part-*")):
            break
        time.sleep(0.1)
    assert runner.poll() is None, "the sweep finished before it could be killed"
    assert len(workers) >= 2
    runner.send_signal(signal.SIGKILL)
    runner.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.1)
    left = [p for p in workers if _alive(p)]
    for p in left:
        os.kill(p, signal.SIGKILL)
    assert not left, f"workers {left} outlived their runner"


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _is_python(pid: int) -> bool:
    return "python" in _cmdline(pid)
