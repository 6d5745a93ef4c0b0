"""Every scenario's outcome shares beside what its file expects, and the issue's contrasts.

```
.venv/bin/python benchmarks/scenario_outcomes.py                # 300 couples, 520 weeks, seed 1
.venv/bin/python benchmarks/scenario_outcomes.py --couples 1000 --seed 2 --check
```

For each scenario it prints the share of every outcome class that occurred, then each
expected class with its minimum share and whether it was reached (and, for a pattern
that goes two ways, the first two classes together against 0.7). Then the contrasts
between scenarios: the willing resistant partner reaches higher functioning (``mutual``)
far more often than the unwilling one; the coercive helper ends ``coercive`` more often
than the personal development pairing; the balanced couple has the highest mean
intimacy at the horizon. With ``--check`` the exit status is 1 when anything fails.

Scenarios are looked up by name here only to state the contrasts; the model never is.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from sim.faces.scenario_run import ScenarioRun, run_scenarios
from sim.model.outcomes import OUTCOME_CLASSES
from sim.scenario import TWO_WAY_MIN_SHARE, list_scenarios, load_scenario

CONTRASTS = (
    ("resistant_partner_willing", "resistant_partner_unwilling", "mutual", 0.3),
    ("coercive_helper", "personal_development", "coercive", 0.0),
)
"""(first, second, class, margin): the first scenario's share of the class must exceed
the second's by more than the margin."""

HIGHEST_INTIMACY = "balanced_mutual"
"""The scenario expected to have the highest mean intimacy at the horizon."""


def scenario_lines(run: ScenarioRun) -> tuple[list[str], bool]:
    """Lines describing one scenario's shares against its expectations; whether all met."""
    shares = run.shares()
    occurred = ", ".join(
        f"{c} {shares[c]:.2f}"
        for c in sorted(OUTCOME_CLASSES, key=lambda c: -shares[c])
        if shares[c] > 0
    )
    lines = [f"{run.scenario.name}", f"    shares    {occurred}"]
    ok_all = True
    for e in run.scenario.expected:
        ok = shares[e.outcome] >= e.min_share
        ok_all &= ok
        lines.append(
            f"    expected  {e.outcome:<18} at least {e.min_share:.2f}   got "
            f"{shares[e.outcome]:.2f}   {'ok' if ok else 'FAIL'}"
        )
    if run.scenario.two_way:
        first_two = run.scenario.expected[:2]
        together = sum(shares[e.outcome] for e in first_two)
        ok = together >= TWO_WAY_MIN_SHARE
        ok_all &= ok
        names = " + ".join(e.outcome for e in first_two)
        lines.append(
            f"    two-way   {names:<18} at least {TWO_WAY_MIN_SHARE:.2f}   got "
            f"{together:.2f}   {'ok' if ok else 'FAIL'}"
        )
    return lines, ok_all


def contrast_lines(runs: dict[str, ScenarioRun]) -> tuple[list[str], bool]:
    """Lines for the contrasts between scenarios; whether all held."""
    lines = ["contrasts"]
    ok_all = True
    for first, second, cls, margin in CONTRASTS:
        if first not in runs or second not in runs:
            continue
        x, y = runs[first].shares()[cls], runs[second].shares()[cls]
        ok = x - y > margin
        ok_all &= ok
        lines.append(
            f"    {cls} share: {first} {x:.2f} vs {second} {y:.2f} "
            f"(needs a lead > {margin:.2f})   {'ok' if ok else 'FAIL'}"
        )
    if HIGHEST_INTIMACY in runs:
        means = {name: float(np.mean(r.metrics["intimacy"])) for name, r in runs.items()}
        best = max(means, key=means.get)
        runner_up = max((v, k) for k, v in means.items() if k != HIGHEST_INTIMACY)
        ok = best == HIGHEST_INTIMACY
        ok_all &= ok
        lines.append(
            f"    highest mean intimacy: {best} {means[best]:.3f} "
            f"({HIGHEST_INTIMACY} {means[HIGHEST_INTIMACY]:.3f}, next best "
            f"{runner_up[1]} {runner_up[0]:.3f})   {'ok' if ok else 'FAIL'}"
        )
    return lines, ok_all


def main(argv: list[str] | None = None) -> int:
    """Run every scenario in one batch and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--couples", type=int, default=300)
    parser.add_argument("--steps", type=int, default=520)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--check", action="store_true", help="exit 1 if anything fails")
    args = parser.parse_args(argv)

    scenarios = [load_scenario(name) for name in list_scenarios()]
    start = time.perf_counter()
    runs = run_scenarios(scenarios, args.couples, args.steps, args.seed)
    seconds = time.perf_counter() - start
    print(
        f"{len(runs)} scenarios x {args.couples} couples x {args.steps} weeks, "
        f"seed {args.seed} ({seconds:.1f} s)\n"
    )
    failed = []
    for run in runs:
        lines, ok = scenario_lines(run)
        print("\n".join(lines))
        if not ok:
            failed.append(run.scenario.name)
    lines, ok = contrast_lines({r.scenario.name: r for r in runs})
    print()
    print("\n".join(lines))
    print()
    print(
        f"{len(runs) - len(failed)} of {len(runs)} scenarios meet their expectations"
        + (f"; not met: {', '.join(failed)}" if failed else "")
        + ("; contrasts hold" if ok else "; some contrasts fail")
    )
    return 1 if args.check and (failed or not ok) else 0


if __name__ == "__main__":
    sys.exit(main())
