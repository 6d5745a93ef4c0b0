"""Benchmark: the engine, a whole sweep, and the same sweep through ``mesa.batch_run``.

Prints the time Numba takes to compile the kernel (and to load it once cached), then
couple-steps per second of

1. the engine alone on one core (``sim.simulate`` over one large batch, best of a few
   runs);
2. a whole sweep as ``relsim sweep`` runs it (process executor, one worker
   per core, final metrics to ``runs.parquet``), start-up and writing included;
3. the first runs of the same sweep through ``mesa.batch_run`` over
   ``sim.RelationshipModel`` with one couple per model, as a Mesa user would write it;

and the ratio of the sweep's rate to Mesa's, with the peak memory of the sweep.

Usage::

    .venv/bin/python benchmarks/sweep.py                 # 200,000 runs of 520 weeks
    .venv/bin/python benchmarks/sweep.py --runs 1000000  # the issue's million-run sweep
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mesa
import numpy as np

import sim
from sim.experiment.executors import default_workers
from sim.experiment.runner import sweep as run_sweep
from sim.experiment.spec import parse_spec
from sim.model.engine import build_params, simulate
from sim.model.randomness import couple_keys

GRID = {
    "a.dependency": [round(0.1 * i, 1) for i in range(10)],
    "b.narcissism": [round(0.1 * i, 1) for i in range(10)],
    "env.problem_rate": [round(0.1 + 0.08 * i, 2) for i in range(10)],
}
"""A 10 x 10 x 10 grid: 1,000 design points."""


def engine_rate(n: int, steps: int, repeats: int = 3) -> tuple[float, float]:
    """Couple-steps per second of the engine on one core, over one batch of ``n`` couples.

    Returns the best of ``repeats`` runs by wall-clock time and by this process's CPU
    time; on a machine shared with other work the CPU-time rate is the fairer one.
    """
    params = build_params(n=n)
    keys = couple_keys(1, n)
    simulate(build_params(n=2), couple_keys(1, 2), 2)  # compiled or loaded
    wall, cpu = 0.0, 0.0
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        simulate(params, keys, steps)
        wall = max(wall, n * steps / (time.perf_counter() - t0))
        cpu = max(cpu, n * steps / (time.process_time() - c0))
    return wall, cpu


def compile_seconds() -> tuple[float, float]:
    """Seconds to the first simulated week in a new process: with no compiled kernel
    cached (Numba compiles it), then with the cache that run left."""
    code = (
        "import time; t0 = time.perf_counter(); import sim; "
        "sim.run_couples(n=1, steps=1); print(time.perf_counter() - t0)"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        cold, warm = (
            float(
                subprocess.run(
                    [sys.executable, "-c", code],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
            )
            for _ in range(2)
        )
    return cold, warm


def bench_spec(runs: int, steps: int):
    """The benchmark grid with replicates up to ``runs`` runs."""
    points = int(np.prod([len(v) for v in GRID.values()]))
    return parse_spec(
        {
            "name": "bench",
            "description": "benchmark sweep",
            "steps": steps,
            "replicates": max(1, runs // points),
            "seed": 1,
            "max_runs": 10**8,
            "design": {"kind": "grid", "factors": GRID},
        }
    )


def sweep(runs: int, steps: int, workers: int, out: Path) -> tuple[float, int]:
    """Seconds for the whole sweep of ``runs`` runs, and the number of runs written."""
    spec = bench_spec(runs, steps)
    t0 = time.perf_counter()
    summary = run_sweep(spec, executor="process", workers=workers, out=out, quiet=True)
    return time.perf_counter() - t0, summary.rows


def mesa_route(runs: int, steps: int, workers: int) -> tuple[float, int]:
    """Seconds for ``runs`` runs of the same sweep through ``mesa.batch_run``, and runs done."""
    reps = max(1, runs // 4)
    t0 = time.perf_counter()
    rows = mesa.batch_run(
        sim.RelationshipModel,
        parameters={"a_dependency": [0.2, 0.8], "b_narcissism": [0.2, 0.8], "steps": steps},
        rng=list(range(reps)),
        max_steps=steps,
        number_processes=workers,
        data_collection_period=-1,
        display_progress=False,
    )
    seconds = time.perf_counter() - t0
    return seconds, len({r["RunId"] for r in rows})


def peak_mb() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest child, in MB."""
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return me, kids


def main() -> None:
    """Run the three measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200_000, help="runs in the sweep")
    parser.add_argument("--steps", type=int, default=520, help="weeks a run")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--engine-couples", type=int, default=20_000)
    parser.add_argument("--mesa-runs", type=int, default=32, help="runs through mesa.batch_run")
    parser.add_argument("--repeats", type=int, default=3, help="engine runs; the best counts")
    args = parser.parse_args()

    cold, warm = compile_seconds()
    print(f"compile     {cold:8.1f} s to the first week with no cache, {warm:.1f} s with it")
    wall, cpu = engine_rate(args.engine_couples, args.steps, repeats=args.repeats)
    print(
        f"engine      {wall / 1e6:8.2f} M couple-steps/s on one core, best wall-clock "
        f"({cpu / 1e6:.2f} by CPU time; {args.engine_couples:,} couples x {args.steps} steps)"
    )

    with tempfile.TemporaryDirectory() as tmp:
        s_sec, s_runs = sweep(args.runs, args.steps, args.workers, Path(tmp) / "bench")
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
    s_rate = s_runs * args.steps / s_sec
    me, kids = peak_mb()
    print(
        f"sweep       {s_rate / 1e6:8.2f} M couple-steps/s on {args.workers} workers "
        f"({s_runs:,} runs in {s_sec:.1f} s, {s_runs / s_sec:,.0f} runs/s, "
        f"{size / 2**20:.0f} MB on disk)"
    )
    print(f"memory      peak {me:.0f} MB in the runner, {kids:.0f} MB in the largest worker")

    m_sec, m_runs = mesa_route(args.mesa_runs, args.steps, args.workers)
    m_rate = m_runs * args.steps / m_sec
    print(
        f"mesa        {m_rate / 1e6:8.4f} M couple-steps/s on {args.workers} processes "
        f"({m_runs} runs in {m_sec:.1f} s, {m_runs / m_sec:.2f} runs/s)"
    )
    print(f"ratio       the runner is {s_rate / m_rate:,.0f} times faster than mesa.batch_run")


if __name__ == "__main__":
    main()
