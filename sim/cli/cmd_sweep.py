"""``relsim sweep SPEC``: run an experiment, on this machine or a Dask cluster."""

from __future__ import annotations

import argparse

from sim.experiment import SERIAL_BELOW
from sim.experiment.executors import EXECUTORS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` subcommand."""
    p = subparsers.add_parser(
        "sweep",
        help="run an experiment (experiments/NAME.toml) into results/NAME",
        description="Run every unfinished run of an experiment and store it in results/NAME: "
        "runs.parquet, timeseries/part-*.parquet and manifest.json. A rerun of the same "
        "spec resumes where the last one stopped.",
    )
    p.add_argument("spec", metavar="SPEC", help="experiment spec file (TOML)")
    p.add_argument(
        "--executor",
        choices=EXECUTORS,
        default=None,
        help=f"where chunks run (default: serial for a sweep of under {SERIAL_BELOW:,} "
        "couple-weeks, where starting workers costs more than they give; process, one "
        "worker per core, above; dask with --scheduler)",
    )
    p.add_argument(
        "--workers", type=int, default=None, metavar="N", help="worker processes (default: cores)"
    )
    p.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="address of a running Dask scheduler (tcp://HOST:PORT)",
    )
    p.add_argument(
        "--chunk-size",
        type=int,
        default=None,
        metavar="N",
        help="runs per chunk (default: sized to the sweep)",
    )
    p.add_argument("--resume", action="store_true", help="finish a stopped sweep (must exist)")
    p.add_argument(
        "--force",
        action="store_true",
        help="replace results of a different spec or corrupt results, and start past the "
        "work limits (README: Bad input and limits)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="print points, runs, steps and an estimate of time and disk; run nothing",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--no-report",
        action="store_true",
        help="skip the figures and the results page (draw them later with relsim report)",
    )
    p.add_argument(
        "--out", default=None, metavar="DIR", help="results folder (default: results/NAME)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run (or estimate) the sweep; 0 when every run finished, 1 when some failed."""
    from sim import inputs
    from sim.calibration.spec import is_calibration
    from sim.cli import arguments
    from sim.errors import InputError
    from sim.experiment.executors import check_executor
    from sim.experiment.runner import (
        choose_executor,
        estimate,
        load_spec,
        refusals,
        results_dir,
        sweep,
    )

    path = arguments.path(args.spec, "SPEC")
    if is_calibration(path):
        raise InputError(args.spec, "", "a calibration spec: run it with relsim calibrate")
    spec = load_spec(path)
    workers = arguments.workers(args.workers)
    if args.chunk_size is not None:
        arguments.whole_number(args.chunk_size, "--chunk-size", 1, inputs.MAX_CHUNK_RUNS)
    if args.out is not None:
        arguments.out_folder(args.out)
    executor = args.executor or choose_executor(spec, args.scheduler)
    check_executor(executor, workers, args.scheduler)
    if args.dry_run:
        est = estimate(spec, workers=workers)
        for line in est.lines(spec):
            print(line)
        print(f"  results    {results_dir(spec, args.out)}")
        for err in refusals(spec, args.force):
            print(f"  refused    {err.key}: {err.message}")
        return 0
    summary = sweep(
        spec,
        executor=executor,
        out=args.out,
        workers=workers,
        scheduler=args.scheduler,
        chunk_size=args.chunk_size,
        resume=args.resume,
        force=args.force,
        quiet=args.quiet,
        report=not args.no_report,
    )
    if not args.quiet and summary.rows > summary.failed:
        from sim.views.plots import Results
        from sim.views.summary import study_summary

        print(study_summary(Results(summary.out)).text())
    if summary.page is not None and not args.quiet:
        print(f"results page: {summary.page}")
    if not args.quiet:
        print(
            f"{summary.rows - summary.failed:,} runs ok, {summary.failed:,} failed "
            f"({summary.ran:,} run now, in {summary.seconds:.1f} s): {summary.out}"
        )
    return 1 if summary.failed else 0
