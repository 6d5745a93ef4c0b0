"""``relsim export results/NAME --csv``: write an experiment's results as CSV."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``export`` subcommand."""
    p = subparsers.add_parser(
        "export",
        help="write an experiment's results as CSV for spreadsheets",
        description="Write runs.csv (and timeseries.csv, with a run column) beside the "
        "Parquet files of an experiment's results folder.",
    )
    p.add_argument("results", metavar="RESULTS", help="results folder (results/NAME)")
    p.add_argument("--csv", action="store_true", required=True, help="write CSV files")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Export and print the files written."""
    from sim.cli.arguments import path as checked
    from sim.experiment.runner import export_csv

    for path in export_csv(checked(args.results, "RESULTS")):
        print(path)
    return 0
