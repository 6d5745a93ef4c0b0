"""``relsim report results/NAME``: write the experiment's self-contained results page."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` subcommand."""
    p = subparsers.add_parser(
        "report",
        help="write results/NAME/index.html (figures, design, outcomes, provenance)",
        description="Draw the experiment's figures and write results/NAME/index.html: its "
        "question, design, every figure with its caption, the outcome-class table and the "
        "provenance of its manifest, in one file that reads offline. Also rewrites "
        "results/index.html, which links every experiment page.",
    )
    p.add_argument("results", help="results folder of an experiment (results/NAME)")
    p.add_argument("--no-plots", action="store_true", help="reuse the figures already drawn")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the page; print its path."""
    from sim.cli.arguments import path
    from sim.experiment.lock import hold_if_results
    from sim.views.report import report

    with hold_if_results(path(args.results, "RESULTS")):
        page = report(args.results, draw=not args.no_plots)
    print(page)
    return 0
