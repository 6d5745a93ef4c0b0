"""The partner market at scale: a market of 10,000 people for ten years, and how the
meeting step grows with the number of singles.

```
.venv/bin/python benchmarks/market.py                    # 10,000 people, 520 weeks
.venv/bin/python benchmarks/market.py --size 20000 --weeks 260
```

It prints

1. the wall time of one market of ``--size`` people for ``--weeks`` weeks on one core,
   split into the market's phases (meet, look around, the engine's week, part, observe)
   and the final summaries;
2. the time of one week's meeting rounds when everyone is single, at three sizes
   (a quarter, half and all of ``--scale-size``), and the time per single, which stays
   flat when the step is linear in the number of singles.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

import numpy as np

from sim.market import draws, history
from sim.market.market import Market, Settings


def timed_market(size: int, weeks: int, seed: int) -> tuple[float, dict[str, float], dict]:
    """Run one market, timing each phase of its weeks; return total, phases, summary."""
    market = Market(Settings.build({"size": size}), draws.market_key(seed))
    spent: dict[str, float] = defaultdict(float)

    def timing(name, fn):
        def wrapped(*args):
            t0 = time.perf_counter()
            out = fn(*args)
            spent[name] += time.perf_counter() - t0
            return out

        return wrapped

    import sim.market.market as mm

    engine_step = mm.advance_week
    mm.advance_week = timing("engine week", engine_step)
    for name in ("meet", "look_around", "part", "_observe_ages"):
        setattr(market, name, timing(name.strip("_"), getattr(market, name)))
    t0 = time.perf_counter()
    try:
        market.run(weeks)
    finally:
        mm.advance_week = engine_step
    t1 = time.perf_counter()
    summary = history.summary(market)
    spent["summaries"] = time.perf_counter() - t1
    return time.perf_counter() - t0, dict(spent), summary


def meeting_time(size: int, repeats: int = 3) -> float:
    """Best time of one week's meeting rounds when all ``size`` people are single."""
    best = np.inf
    for r in range(repeats):
        market = Market(Settings.build({"size": size}), draws.market_key(100 + r))
        t0 = time.perf_counter()
        market.meet(0)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--weeks", type=int, default=520)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale-size", type=int, default=40_000)
    args = parser.parse_args()

    total, phases, summary = timed_market(args.size, args.weeks, args.seed)
    print(f"market of {args.size:,} people, {args.weeks} weeks: {total:.1f} s on one core")
    for name, seconds in sorted(phases.items(), key=lambda kv: -kv[1]):
        print(f"  {name:14s} {seconds:7.2f} s")
    print(
        f"  ({summary['formed_per_person'] * args.size:,.0f} couples formed, "
        f"{summary['ended_per_person'] * args.size:,.0f} ended, "
        f"partnered share {summary['partnered_share']:.2f})"
    )
    print("meeting step, everyone single (one week of meeting rounds):")
    sizes = [args.scale_size // 4, args.scale_size // 2, args.scale_size]
    for n in sizes:
        t = meeting_time(n)
        print(f"  {n:7,} singles: {1000 * t:7.1f} ms, {1e6 * t / n:5.2f} us a single")


if __name__ == "__main__":
    main()
