"""``relsim run NAME|PATH``: a study of one scenario's replicate couples.

The study is a sweep like any other (:func:`sim.faces.scenario_run.study_spec`): one
scenario, ``--couples`` replicates, run by the experiment runner and stored in
``<out>/<scenario>/`` as every sweep is (``runs.parquet``, ``timeseries/``,
``manifest.json``, ``figures/`` and ``index.html``), so ``relsim plot``, ``report``,
``export`` and ``sim.load_results`` read it, and running it again resumes it. It then
prints the outcome-class shares against what the scenario expects, the main metrics
and the teaching notes; ``<out>/index.html`` links the page.
"""

from __future__ import annotations

import argparse
import math
import textwrap
from pathlib import Path

from sim.experiment.executors import EXECUTORS

DEFAULT_COUPLES = 500
DEFAULT_STEPS = 520
DEFAULT_SEED = 1
RECORD_EVERY = 4
"""Weeks between recorded points of the time-series figure, for runs of modest size."""

MAX_RECORDED = 20_000_000
"""Most recorded values (couples x points x series) a run keeps for its figure."""


def record_interval(couples: int, steps: int, n_series: int) -> int:
    """Weeks between recorded points: every :data:`RECORD_EVERY` weeks unless that would
    keep more than :data:`MAX_RECORDED` values, then as often as that allows."""
    points_allowed = max(MAX_RECORDED // max(couples * n_series, 1), 2)
    return max(RECORD_EVERY, math.ceil(steps / (points_allowed - 1)))


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``run`` subcommand."""
    p = subparsers.add_parser(
        "run",
        help="run one scenario for many replicate couples",
        description="Run a scenario (a name from `relsim scenarios`, or a path to a TOML "
        "file) for many replicate couples, as a study stored like every sweep: "
        "runs.parquet, timeseries/, manifest.json, figures/ and a results page (index.html) "
        "in OUT/NAME, which `relsim plot`, `report` and `export` read; OUT/index.html links "
        "every page. Print its outcome shares and main metrics. Run again, it resumes; "
        "with other steps or seed, it replaces the earlier run.",
    )
    p.add_argument("scenario", metavar="NAME|PATH", help="scenario name or file")
    p.add_argument(
        "--steps", type=int, default=DEFAULT_STEPS, help=f"weeks (default {DEFAULT_STEPS})"
    )
    p.add_argument(
        "--couples",
        type=int,
        default=DEFAULT_COUPLES,
        help=f"replicate couples (default {DEFAULT_COUPLES})",
    )
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"seed (default {DEFAULT_SEED})")
    p.add_argument("--out", default="results", help="results folder (default results/)")
    p.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="serial",
        help="where the couples run (default: serial, in this process, one vectorised batch)",
    )
    p.add_argument(
        "--workers", type=int, default=None, metavar="N", help="worker processes (default: cores)"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the study (or what is left of it), print its tables and say where it is.

    Returns 0 when every run finished, 1 when some failed.
    """
    from sim.errors import InputError
    from sim.experiment.runner import sweep
    from sim.experiment.storage import ResultStore
    from sim.faces import plots
    from sim.faces.report import write_index
    from sim.faces.scenario_run import (
        BAND_SERIES,
        load_study,
        metrics_table,
        shares_table,
        study_of,
        study_spec,
    )
    from sim.scenario import load_scenario

    if args.steps < 1:
        raise InputError("--steps", "", f"expected a whole number of weeks >= 1, got {args.steps}")
    if args.couples < 1:
        raise InputError("--couples", "", f"expected a whole number >= 1, got {args.couples}")
    if args.seed < 0:
        raise InputError("--seed", "", f"expected a whole number >= 0, got {args.seed}")
    if args.workers is not None and args.workers < 1:
        raise InputError("--workers", "", f"expected at least 1 worker, got {args.workers}")
    sc = load_scenario(args.scenario)
    every = record_interval(args.couples, args.steps, len(BAND_SERIES))
    spec = study_spec(sc, args.couples, args.steps, args.seed, every)
    folder = Path(args.out) / sc.name
    store = ResultStore(folder)
    if store.exists() and study_of(store.read_manifest()) is None:
        raise InputError(
            str(folder), "", "holds an experiment's results; write the run elsewhere with --out"
        )
    try:
        # An earlier run of this scenario here is resumed, or replaced when it differs.
        summary = sweep(
            spec,
            executor=args.executor,
            out=folder,
            workers=args.workers,
            force=True,
            quiet=True,
        )
        index = write_index(folder.parent)
    except OSError as err:
        raise InputError(str(folder), "", f"cannot write the results: {err}") from None

    result = load_study(folder)
    print(f"{sc.name}: {sc.title}")
    couples = f"{result.n} couple{'s' if result.n != 1 else ''}"
    weeks = f"{result.steps} week{'s' if result.steps != 1 else ''}"
    print(f"{couples}, {weeks}, seed {result.seed}")
    if sc.two_way:
        print(textwrap.fill("Two ways: " + " ".join(sc.two_way.split()), width=88))
    print()
    if result.n:
        print(shares_table(result))
        print()
        print(metrics_table(result))
        print()
    for heading, notes in (("What to notice", sc.notice), ("Things to try", sc.things_to_try)):
        print(f"{heading}:")
        for note in notes:
            print(textwrap.fill(note, width=88, initial_indent="  - ", subsequent_indent="    "))
        print()
    if summary.failed:
        print(f"{summary.failed} run(s) failed; see the error column of runs.parquet")
    figures = [folder / plots.FIGURES / f"{f['stem']}.png" for f in plots.read_index(folder)]
    for path in (folder / "runs.parquet", *figures):
        print(f"wrote {path}")
    if summary.page is not None:
        print(f"results page: {summary.page}")
    print(f"all results:  {index}")
    return 1 if summary.failed else 0
