"""``relsim plot results/NAME``: draw an experiment's figures from its results."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``plot`` subcommand."""
    p = subparsers.add_parser(
        "plot",
        help="draw the figures of results/NAME (its spec's [[plots]]) as PNG and SVG",
        description="Draw every [[plots]] table of the experiment's spec (or, when it lists "
        "none, the figures its design lends itself to) into results/NAME/figures/, as PNG "
        "and SVG, each with a caption listed in figures/figures.json.",
    )
    p.add_argument("results", help="results folder of an experiment (results/NAME)")
    p.add_argument("--quiet", action="store_true", help="print nothing")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Draw the figures; print where each went."""
    from sim.cli.arguments import path
    from sim.experiment.lock import hold_if_results
    from sim.views.plots import draw_results

    with hold_if_results(path(args.results, "RESULTS")):
        saved = draw_results(args.results)
    if not args.quiet:
        for s in saved:
            print(f"{s.png}  {s.title}")
    return 0
