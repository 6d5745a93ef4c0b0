"""Every scenario's outcome shares beside what its file expects, and the issue's contrasts.

```
.venv/bin/python benchmarks/scenario_outcomes.py                # 300 couples, 520 weeks, seed 1
.venv/bin/python benchmarks/scenario_outcomes.py --couples 1000 --seed 2 --check
```

For each scenario it prints the share of every outcome class that occurred and of every
pattern (the class each couple's metrics show with its ending set aside), then every
check of ``ScenarioRun.checks``: each expected class with its minimum share, for a
pattern that goes two ways the first two classes together against 0.7, the primary
class leading every other class but taking at most 0.95 of the couples, and the
scenario's pattern class leading the patterns. Then the contrasts between scenarios: the
willing resistant partner reaches higher functioning (``mutual``) far more often than
the unwilling one; the coercive helper's couples show the ``coercive`` pattern far more
often than the personal development pairing's; the balanced couple has the highest mean
intimacy at the horizon; the therapeutic contrast's couples, if they end, end healthily
more often than destructively. With ``--check`` the exit status is 1 when anything fails.

Scenarios are looked up by name here only to state the contrasts; the model never is.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from sim.model.outcomes import OUTCOME_CLASSES
from sim.scenario import list_scenarios, load_scenario
from sim.views.scenario_run import ScenarioRun, run_scenarios

CONTRASTS = (
    ("resistant_partner_willing", "resistant_partner_unwilling", "outcome", "mutual", 0.3),
    ("coercive_helper", "personal_development", "pattern", "coercive", 0.3),
)
"""(first, second, metric, class, margin): the first scenario's share of couples whose
``metric`` (``outcome``, or ``pattern``: the class with the ending set aside) is the class
must exceed the second's by more than the margin."""

HIGHEST_INTIMACY = "balanced_mutual"
"""The scenario expected to have the highest mean intimacy at the horizon."""

MOSTLY_HEALTHY = "therapeutic_contrast"
"""The scenario whose couples, if they end, end healthily more often than not."""


LABELS = {
    "share": "expected",
    "two_way": "two-way",
    "leads": "leads",
    "at_most": "at most",
    "pattern": "pattern",
}
"""How each kind of check is labelled in the printed lines."""


def scenario_lines(
    run: ScenarioRun, kinds: tuple[str, ...] | None = None
) -> tuple[list[str], bool]:
    """Lines describing one scenario's shares against its expectations; whether all met.

    ``kinds`` limits the verdict (and the check lines) to those kinds of
    :meth:`ScenarioRun.checks`: ``share``, ``two_way``, ``leads``, ``at_most``, ``pattern``.
    """
    shares = run.shares()
    occurred = ", ".join(
        f"{c} {shares[c]:.2f}"
        for c in sorted(OUTCOME_CLASSES, key=lambda c: -shares[c])
        if shares[c] > 0
    )
    lines = [f"{run.scenario.name}", f"    shares    {occurred}"]
    patterns = run.pattern_shares()
    if patterns is not None:
        shown = ", ".join(
            f"{c} {patterns[c]:.2f}"
            for c in sorted(OUTCOME_CLASSES, key=lambda c: -patterns[c])
            if patterns[c] > 0
        )
        lines.append(f"    patterns  {shown}")
    ok_all = True
    for check in run.checks():
        if kinds is not None and check.kind not in kinds:
            continue
        ok_all &= check.ok
        lines.append(f"    {LABELS[check.kind]:<9} {check.text}   {'ok' if check.ok else 'FAIL'}")
    return lines, ok_all


def _shares(run: ScenarioRun, metric: str) -> dict[str, float]:
    """Shares of the outcome classes, or of the patterns."""
    shares = run.shares() if metric == "outcome" else run.pattern_shares()
    if shares is None:
        raise ValueError(f"{run.scenario.name}: the metrics carry no {metric}")
    return shares


def contrast_lines(runs: dict[str, ScenarioRun]) -> tuple[list[str], bool]:
    """Lines for the contrasts between scenarios; whether all held."""
    lines = ["contrasts"]
    ok_all = True
    for first, second, metric, cls, margin in CONTRASTS:
        if first not in runs or second not in runs:
            continue
        x, y = (_shares(runs[name], metric)[cls] for name in (first, second))
        ok = x - y > margin
        ok_all &= ok
        lines.append(
            f"    {cls} share ({metric}): {first} {x:.2f} vs {second} {y:.2f} "
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
    if MOSTLY_HEALTHY in runs:
        shares = runs[MOSTLY_HEALTHY].shares()
        healthy, destructive = shares["ended_healthy"], shares["ended_destructive"]
        ok = healthy + destructive == 0 or healthy > destructive
        ok_all &= ok
        lines.append(
            f"    endings of {MOSTLY_HEALTHY}: healthy {healthy:.2f}, destructive "
            f"{destructive:.2f} (mostly healthy, if any end)   {'ok' if ok else 'FAIL'}"
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
