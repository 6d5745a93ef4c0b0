"""``relsim validate``: does a population of simulated couples behave like real couples?

Runs the reference populations and the partner market, computes every target of the
targets file (``validation/targets.toml`` by default: V1 to V11 of the project's
validation, each with its source and tolerance), prints one table (target, what, model
value, published value, the values allowed, met or not, source) and, for every target
not met, which value and by how much. Writes ``index.html``, ``validation.json`` and
the figures into ``OUT`` (default ``results/validation``). The exit status is 0 when
every target is met, 1 when any is not, 2 for bad input.
"""

from __future__ import annotations

import argparse
import sys

DEFAULT_SEED = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``validate`` subcommand."""
    from sim.validation import FULL_COUPLES, QUICK_COUPLES

    p = subparsers.add_parser(
        "validate",
        help="check the model against published findings about real couples",
        description="Simulate the reference populations (newlyweds, cohabiting) and the "
        "partner market, compute every target of the targets file and check it against its "
        "published value and tolerance. Print the table; write index.html, validation.json "
        "and the figures into OUT. Exit 0 when every target is met, 1 when any is not.",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_COUPLES:,} couples a population and the market's quick run, instead of "
        f"{FULL_COUPLES:,}",
    )
    p.add_argument("--out", default=None, help="folder (default results/validation)")
    p.add_argument(
        "--targets",
        default=None,
        metavar="FILE",
        help="targets file (default validation/targets.toml)",
    )
    p.add_argument("--seed", default=DEFAULT_SEED, help=f"seed (default {DEFAULT_SEED})")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the validation, print its table, write its folder; 0 when every target is met."""
    from sim.cli import arguments
    from sim.population import list_populations
    from sim.validation import page, report
    from sim.validation.run import Settings, run_validation
    from sim.validation.targets import default_path, load_targets

    seed = arguments.seed(args.seed)
    if args.out is not None:
        arguments.out_folder(args.out)
    path = arguments.path(args.targets, "--targets") if args.targets is not None else default_path()
    targets = load_targets(path, populations=list_populations())
    settings = Settings(seed=seed, quick=args.quick)
    out = args.out if args.out is not None else page.DEFAULT_OUT

    def progress(text: str) -> None:
        print(f"relsim validate: {text}", file=sys.stderr, flush=True)

    v = run_validation(targets, settings, progress=progress)
    written = page.write_validation(v, out, str(path))
    kind = "quick" if settings.quick else "full"
    print(
        f"relsim validate ({kind}: {settings.n:,} couples a population, {settings.weeks} weeks, "
        f"seed {seed}; {v.seconds['total']:.1f} s)"
    )
    print(report.table(v))
    print()
    print(report.summary(v))
    for line in report.shortfalls(v):
        print(f"  not met: {line}")
    print(f"wrote {written.page} and {written.data}")
    return 0 if v.met else 1
