"""Benchmark: a calibration of three parameters to the newlyweds' targets.

Runs ``experiments/calibrate_newlyweds.toml`` (or ``--spec``) with ``relsim
calibrate``'s machinery into a scratch folder and prints the wall time, the time the
engine's ``simulate`` took summed over the workers, and the share of the workers' time
(wall time x workers) spent outside the engine: start-up, drawing couples from the pool,
the statistics, pyabc's proposals and bookkeeping, the predictive check and the page.

    .venv/bin/python benchmarks/calibrate.py                       # the spec as it is
    .venv/bin/python benchmarks/calibrate.py --particles 100 --generations 3
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import tomllib
from pathlib import Path

import sim
from sim.calibration.spec import parse_calibration

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default=str(ROOT / "experiments" / "calibrate_newlyweds.toml"))
    parser.add_argument("--particles", type=int, default=None)
    parser.add_argument("--couples", type=int, default=None)
    parser.add_argument("--generations", type=int, default=None)
    parser.add_argument("--executor", default="process")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--out", default=None, help="results folder (default: a scratch one)")
    args = parser.parse_args()
    data = tomllib.loads(Path(args.spec).read_text(encoding="utf-8"))
    data.setdefault("abc", {})
    for key, value in (("particles", args.particles), ("generations", args.generations)):
        if value is not None:
            data["abc"][key] = value
    if args.couples is not None:
        data["couples"] = args.couples
        data.pop("pool", None)
    spec = parse_calibration(data, args.spec, default_name=Path(args.spec).stem)
    out = Path(args.out or tempfile.mkdtemp(prefix="relsim-calibrate-"))
    load = os.getloadavg()
    t0 = time.perf_counter()
    cal = sim.calibrate(spec, args.executor, out, workers=args.workers)
    wall = time.perf_counter() - t0
    manifest = json.loads((out / "manifest.json").read_text())
    workers = manifest["executor"]["workers"]
    timings = manifest["timings"]
    engine = sum(t["engine_seconds"] for t in timings)
    sampling = sum(t["seconds"] for t in timings)
    evaluated = sum(t["evaluated"] for t in timings)
    simulated = sum(t["simulated"] for t in timings)
    print(
        f"spec {args.spec}: {len(spec.parameters)} parameters, {spec.abc.particles} particles "
        f"of {spec.couples} couples, {spec.years} years"
    )
    print(
        f"generations {len(cal.generations)} (stopped by {cal.stop}); thresholds "
        + ", ".join(f"{e:.3g}" for e in cal.generations["epsilon"])
    )
    print("acceptance rates " + ", ".join(f"{r:.3f}" for r in cal.generations["acceptance_rate"]))
    print(
        f"candidates evaluated {evaluated:,}, simulated {simulated:,} "
        f"({simulated - evaluated:,} past the last acceptance of their generation)"
    )
    print(
        f"wall time {wall:.1f} s on {workers} worker(s) (sampling {sampling:.1f} s); "
        f"load average at start {load[0]:.2f}"
    )
    print(
        f"engine {engine:.1f} s summed over workers; outside the engine "
        f"{1 - engine / (wall * workers):.1%} of wall x workers "
        f"({1 - engine / (sampling * workers):.1%} of the sampling)"
    )
    print(cal.posterior.describe().to_string())
    print(f"results: {out}")


if __name__ == "__main__":
    main()
