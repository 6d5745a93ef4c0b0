"""``relsim demo``: run every scenario briefly and print one summary table."""

from __future__ import annotations

import argparse
import time

DEMO_COUPLES = 300
DEMO_STEPS = 300
DEMO_SEED = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``demo`` subcommand."""
    p = subparsers.add_parser(
        "demo",
        help="run every scenario briefly and print a summary table",
        description=f"Run every scenario for {DEMO_COUPLES} couples over {DEMO_STEPS} weeks "
        "(all in one batch) and print, for each, the share of its main expected outcome "
        "class and the mean intimacy, satisfaction, resentment and share of couples ended.",
    )
    p.add_argument("--couples", type=int, default=DEMO_COUPLES, help=argparse.SUPPRESS)
    p.add_argument("--steps", type=int, default=DEMO_STEPS, help=argparse.SUPPRESS)
    p.add_argument("--seed", type=int, default=DEMO_SEED, help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the demo batch and print its table."""
    from sim.errors import InputError
    from sim.faces.scenario_run import demo_table, run_scenarios
    from sim.scenario import list_scenarios, load_scenario, scenario_dir

    if args.couples < 1 or args.steps < 1:
        raise InputError("demo", "", "expected --couples and --steps of at least 1")
    names = list_scenarios()
    if not names:
        raise InputError(str(scenario_dir()), "", "no scenario files (*.toml) found")
    scenarios = [load_scenario(name) for name in names]
    start = time.perf_counter()
    runs = run_scenarios(scenarios, args.couples, args.steps, args.seed)
    seconds = time.perf_counter() - start
    print(
        f"relsim demo: {len(runs)} scenarios x {args.couples} couples x {args.steps} weeks, "
        f"seed {args.seed} ({seconds:.1f} s)"
    )
    print()
    print(demo_table(runs))
    print()
    print("main outcome: the scenario's primary expected class and its share of couples;")
    print("intimacy, satisfaction and resentment are means over couples (and partners).")
    print("Next: `relsim run NAME` for one scenario's tables and figures.")
    return 0
