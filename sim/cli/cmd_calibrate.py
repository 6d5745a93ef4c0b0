"""``relsim calibrate SPEC``: fit parameters to targets by ABC-SMC (pyabc)."""

from __future__ import annotations

import argparse

from sim.experiment.executors import EXECUTORS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``calibrate`` subcommand."""
    p = subparsers.add_parser(
        "calibrate",
        help="fit parameters to targets by approximate Bayesian computation (pyabc)",
        description="Fit the parameters a calibration spec names to its targets (validation "
        "targets or your own data as CSV) by ABC-SMC with pyabc, and write results/NAME: "
        "pyabc's database abc.db, posterior.parquet, generations.parquet, "
        "predictive.parquet, manifest.json and index.html. A rerun of the same spec "
        "resumes from the last finished generation.",
    )
    p.add_argument("spec", metavar="SPEC", help="calibration spec file (TOML)")
    p.add_argument(
        "--executor",
        choices=EXECUTORS,
        default=None,
        help="where particles run (default: process, one worker per core; dask with --scheduler)",
    )
    p.add_argument("--workers", default=None, metavar="N", help="worker processes (default: cores)")
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="address of a running Dask scheduler (tcp://HOST:PORT)",
    )
    p.add_argument(
        "--resume", action="store_true", help="finish a stopped calibration (must exist)"
    )
    p.add_argument("--force", action="store_true", help="replace the results of a different spec")
    p.add_argument("--quiet", action="store_true", help="no progress")
    p.add_argument("--no-report", action="store_true", help="skip the figures and the page")
    p.add_argument(
        "--out", default=None, metavar="DIR", help="results folder (default: results/NAME)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run (or resume) the calibration and print the posterior's summary."""
    from sim.calibration.page import summary
    from sim.calibration.run import calibrate
    from sim.calibration.spec import load_calibration
    from sim.cli import arguments
    from sim.experiment.executors import check_executor

    spec = load_calibration(arguments.path(args.spec, "SPEC"))
    workers = arguments.workers(args.workers)
    if args.out is not None:
        arguments.out_folder(args.out)
    executor = args.executor or ("dask" if args.scheduler else "process")
    check_executor(executor, workers, args.scheduler)
    result = calibrate(
        spec,
        executor=executor,
        out=args.out,
        workers=workers,
        scheduler=args.scheduler,
        resume=args.resume,
        force=args.force,
        quiet=args.quiet,
        report=not args.no_report,
    )
    table = summary(spec, result.posterior)
    print(
        f"posterior of {spec.name} ({len(result.generations)} generation(s), stopped by "
        f"{result.stop}):"
    )
    print(table.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    if result.page is not None:
        print(f"page: {result.page}")
    print(f"results: {result.out}")
    return 0
