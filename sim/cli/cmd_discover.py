"""``relsim discover results/NAME --outcome CLASS``: scenario discovery with PRIM."""

from __future__ import annotations

import argparse

from sim.cli.arguments import number, path, whole_number


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``discover`` subcommand."""
    p = subparsers.add_parser(
        "discover",
        help="find the boxes of factor space that lead to an outcome (PRIM)",
        description="Scenario discovery on a finished experiment: the runs of interest are "
        "those ending in an outcome class (--outcome coercive), or those whose final metric "
        "is past a threshold (--outcome intimacy --below 0.3). PRIM, as EMA Workbench "
        "implements it, peels the factor space down to the box where they gather; the "
        "command prints the chosen box (its limits, coverage and density) and writes "
        "results/NAME/discovery_<outcome>.html with the box and its peeling trajectory.",
    )
    p.add_argument("results", help="results folder of an experiment (results/NAME)")
    p.add_argument(
        "--outcome",
        required=True,
        metavar="NAME",
        help="an outcome class (mutual, coercive, ended_destructive...) or, with --above "
        "or --below, a final metric (intimacy, coercion_rate...)",
    )
    p.add_argument("--above", metavar="X", help="runs whose metric is above X are of interest")
    p.add_argument("--below", metavar="X", help="runs whose metric is below X are of interest")
    p.add_argument(
        "--pattern",
        action="store_true",
        help="runs whose pattern is the class are of interest (the class with the ending "
        "set aside: a couple that ended keeps the pattern it had then)",
    )
    p.add_argument(
        "--factors",
        metavar="A,B,...",
        help="columns of runs.parquet to peel, comma-separated (default: the factors the "
        "study varies)",
    )
    p.add_argument(
        "--density",
        metavar="D",
        default="0.8",
        help="density the chosen box must reach: the most covering box that reaches it is "
        "chosen, the densest when none does (default 0.8)",
    )
    p.add_argument(
        "--boxes",
        metavar="N",
        default="1",
        help="most boxes to find, each among the runs the earlier leave out (default 1)",
    )
    p.add_argument(
        "--box",
        metavar="STEP",
        help="take this step of the peeling trajectory as the box instead of choosing",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Find the boxes, print them and the page's path."""
    from sim.views.discovery import discover

    above = None if args.above is None else number(args.above, "--above")
    below = None if args.below is None else number(args.below, "--below")
    factors = None
    if args.factors is not None:
        factors = [f.strip() for f in args.factors.split(",") if f.strip()]
    found = discover(
        path(args.results, "RESULTS"),
        args.outcome,
        above=above,
        below=below,
        factors=factors,
        boxes=whole_number(args.boxes, "--boxes", 1, 1000),
        density=number(args.density, "--density"),
        box=None if args.box is None else whole_number(args.box, "--box", 0),
        pattern=args.pattern,
    )
    print(f"{args.results}: " + "\n".join(found.lines()))
    print(f"page: {found.page}")
    return 0
