"""``relsim export results/NAME``: write an experiment's results as CSV (or one Parquet
file of its series)."""

from __future__ import annotations

import argparse

from sim.experiment import EXPORT_FORMATS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``export`` subcommand."""
    p = subparsers.add_parser(
        "export",
        help="write an experiment's results as CSV for spreadsheets",
        description="Write runs.csv and timeseries.csv (with a run column) beside the "
        "Parquet files of an experiment's results folder; with --format parquet, the "
        "series of every chunk as one file, timeseries_runs.parquet.",
    )
    p.add_argument("results", metavar="RESULTS", help="results folder (results/NAME)")
    p.add_argument(
        "--format", choices=EXPORT_FORMATS, default="csv", help="csv (default) or parquet"
    )
    p.add_argument("--csv", action="store_true", help=argparse.SUPPRESS)  # the former flag
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Export and print the files written."""
    from sim.cli.arguments import path as checked
    from sim.experiment.lock import hold_if_results
    from sim.experiment.runner import export

    results = checked(args.results, "RESULTS")
    with hold_if_results(results):
        written = export(results, args.format)
    for path in written:
        print(path)
    return 0
