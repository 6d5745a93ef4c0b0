"""Benchmark: where a whole sweep's time goes besides the engine.

Runs the sweep of ``benchmarks/sweep.py`` (the 10 x 10 x 10 grid, 520 weeks a run) as
``relsim sweep`` does, on the process executor, timing each part of it in the runner
process, and reads from the manifest the seconds the model took in the workers. It
prints each part as a share of the workers' time (wall time x workers), so that the
figures hold on a machine shared with other work, where absolute rates do not:

- **model**: the workers inside the model's ``run`` (the engine's weeks, its
  parameters and its final metrics);
- **start**: from the start of the sweep to the first chunk back (imports, checks,
  the plan, worker start-up), the first chunk's model time excepted, on every worker;
- **write**: writing each chunk's part as it comes back, beside the workers;
- **merge**: merging the parts into ``runs.parquet``, on every worker (they wait);
- **page**: the figures and the results page, on every worker;
- **other**: the rest (sending chunks and their rows, workers waiting for the last
  chunks, shutting the workers down, other work on the machine).

With ``--profile`` it also runs the same sweep serially under cProfile and prints the
functions that took most time.

Usage::

    .venv/bin/python benchmarks/sweep_overhead.py                  # 40,000 runs
    .venv/bin/python benchmarks/sweep_overhead.py --runs 200000 --no-report
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import resource
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from sweep import bench_spec

from sim.experiment import runner
from sim.experiment.executors import default_workers
from sim.experiment.seeding import run_keys
from sim.experiment.storage import ResultStore


def engine_rate(spec, n: int = 20_000, repeats: int = 2) -> float:
    """Couple-weeks per second of the model alone on one core, by CPU time, over ``n``
    runs of the sweep itself (its first replicates of every point), best of
    ``repeats``: the rate each worker would reach with no overhead."""
    p = runner.plan(spec)
    model = runner.spec_model(spec)
    point = np.tile(np.arange(p.points.n), -(-n // p.points.n))[:n]
    rep = np.repeat(np.arange(-(-n // p.points.n)), p.points.n)[:n]
    params = {k: v[point] for k, v in p.points.params.items()}
    keys = run_keys(spec.seed, point, rep)
    model.run({k: v[:8] for k, v in params.items()}, keys[:8], 2)  # loaded and warm
    best = 0.0
    for _ in range(repeats):
        c0 = time.process_time()
        model.run(params, keys, spec.steps)
        best = max(best, n * spec.steps / (time.process_time() - c0))
    return best


class Timer:
    """Seconds spent in some methods of the runner process, by name."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.first: float | None = None

    def wrap(self, owner, attr: str, name: str) -> None:
        """Time every call of ``owner.attr`` under ``name``."""
        inner = getattr(owner, attr)

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - t0
                if name == "write" and self.first is None:
                    self.first = t0

        setattr(owner, attr, timed)


def measure(runs: int, steps: int, workers: int, report: bool, out: Path) -> dict[str, float]:
    """Run the sweep; return each part's seconds, the wall time and the workers."""
    import sim.views  # noqa: F401 - sets the reporter a sweep draws its page with

    timer = Timer()
    timer.wrap(ResultStore, "write_chunk", "write")
    timer.wrap(ResultStore, "consolidate", "merge")
    page = runner.reporter()
    if report and page is not None:
        runner.set_reporter(_timed_page(page, timer))
    spec = bench_spec(runs, steps)
    t0 = time.perf_counter()
    summary = runner.sweep(
        spec, executor="process", workers=workers, out=out, quiet=True, report=report
    )
    wall = time.perf_counter() - t0
    session = json.loads((out / "manifest.json").read_text())["sessions"][-1]
    parts = dict(timer.seconds)
    return {
        "wall": wall,
        "workers": workers,
        "runs": summary.rows,
        "model": session["model_seconds"],
        "start": (timer.first or t0) - t0,
        **parts,
    }


def _timed_page(page, timer: Timer):
    def timed(root):
        t0 = time.perf_counter()
        try:
            return page(root)
        finally:
            timer.seconds["page"] += time.perf_counter() - t0

    return timed


def shares(m: dict[str, float]) -> list[str]:
    """Each part's share of the workers' time (wall time x workers), as lines.

    While the runner starts, merges and draws the page the workers have nothing to
    do, so those parts cost their wall time on every worker; writing the parts runs
    beside the workers and costs its own time once (one core taken from them).
    """
    w = m["workers"]
    budget = m["wall"] * w
    first_chunk = m["model"] / max(1, m["chunks"])  # the first chunk back ran meanwhile
    parts = {
        "model": m["model"],
        "start": max(0.0, m["start"] - first_chunk) * w,
        "write": m.get("write", 0.0),
        "merge": m.get("merge", 0.0) * w,
        "page": m.get("page", 0.0) * w,
    }
    parts["other"] = max(0.0, budget - sum(parts.values()))
    return [
        f"  {k:<6} {v:7.2f} s  {100 * v / budget:5.1f} % of wall time x workers"
        for k, v in parts.items()
    ]


def profile(runs: int, steps: int, report: bool, out: Path, top: int = 25) -> None:
    """The same sweep run serially under cProfile: the functions that took most time."""
    import sim.views  # noqa: F401

    spec = bench_spec(runs, steps)
    prof = cProfile.Profile()
    prof.enable()
    runner.sweep(spec, executor="serial", out=out, quiet=True, report=report)
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(top)


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40_000, help="runs in the sweep")
    parser.add_argument("--steps", type=int, default=520, help="weeks a run")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--no-report", action="store_true", help="leave out the page")
    parser.add_argument("--profile", action="store_true", help="also profile a serial sweep")
    args = parser.parse_args()
    report = not args.no_report
    spec = bench_spec(args.runs, args.steps)
    chunk = runner.default_chunk_size(spec, spec.replicates * 1000, args.workers)
    rate = engine_rate(spec)
    with tempfile.TemporaryDirectory() as tmp:
        m = measure(args.runs, args.steps, args.workers, report, Path(tmp) / "bench")
    m["chunks"] = -(-m["runs"] // chunk)
    swept = m["runs"] * args.steps / m["wall"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"sweep of {m['runs']:,} runs x {args.steps} weeks on {args.workers} workers "
        f"({m['chunks']} chunks of up to {chunk:,}): {m['wall']:.1f} s, "
        f"peak memory {peak:.0f} MB runner, {kids:.0f} MB largest worker"
    )
    print(
        f"  engine {rate / 1e6:.2f} M couple-weeks/s on one core (CPU time); sweep "
        f"{swept / 1e6:.2f} M on {args.workers} workers: "
        f"{100 * swept / (args.workers * rate):.1f} % of the workers' engine rate"
    )
    for line in shares(m):
        print(line)
    if args.profile:
        with tempfile.TemporaryDirectory() as tmp:
            profile(args.runs, args.steps, report, Path(tmp) / "bench")


if __name__ == "__main__":
    main()
