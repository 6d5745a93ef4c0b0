"""``relsim run NAME|PATH``: run one scenario for many replicate couples.

Prints the outcome-class shares and the main metrics, and writes the per-couple
results (``couples.parquet``), figures (``timeseries.png``, ``outcomes.png``), what ran
(``run.json``) and a self-contained results page (``index.html``) into
``<out>/<scenario>/``; ``<out>/index.html`` links the page.
"""

from __future__ import annotations

import argparse
import math
import textwrap
from pathlib import Path

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
        "file) for many replicate couples; print its outcome shares and main metrics and "
        "write couples.parquet, figures and a results page (index.html) into OUT/NAME; "
        "OUT/index.html links every page.",
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
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the scenario, print its tables and write its files."""
    from sim.errors import InputError
    from sim.faces.report import write_index
    from sim.faces.run_page import write_run_page
    from sim.faces.scenario_figures import write_figures
    from sim.faces.scenario_run import (
        BAND_SERIES,
        metrics_table,
        run_scenario,
        shares_table,
        write_couples,
    )
    from sim.scenario import load_scenario

    if args.steps < 1:
        raise InputError("--steps", "", f"expected a whole number of weeks >= 1, got {args.steps}")
    if args.couples < 1:
        raise InputError("--couples", "", f"expected a whole number >= 1, got {args.couples}")
    if args.seed < 0:
        raise InputError("--seed", "", f"expected a whole number >= 0, got {args.seed}")
    sc = load_scenario(args.scenario)
    folder = Path(args.out) / sc.name
    if (folder / "manifest.json").is_file():
        raise InputError(
            str(folder), "", "holds an experiment's results; write the run elsewhere with --out"
        )
    every = record_interval(args.couples, args.steps, len(BAND_SERIES))
    result = run_scenario(sc, args.couples, args.steps, args.seed, record_every=every)
    try:
        parquet = write_couples(result, folder / "couples.parquet")
        figures = write_figures(result, folder)
        page = write_run_page(result, folder, figures)
        index = write_index(folder.parent)
    except OSError as err:
        raise InputError(str(folder), "", f"cannot write the results: {err}") from None

    print(f"{sc.name}: {sc.title}")
    couples = f"{result.n} couple{'s' if result.n != 1 else ''}"
    weeks = f"{result.steps} week{'s' if result.steps != 1 else ''}"
    print(f"{couples}, {weeks}, seed {result.seed}")
    if sc.two_way:
        print(textwrap.fill("Two ways: " + " ".join(sc.two_way.split()), width=88))
    print()
    print(shares_table(result))
    print()
    print(metrics_table(result))
    print()
    for heading, notes in (("What to notice", sc.notice), ("Things to try", sc.things_to_try)):
        print(f"{heading}:")
        for note in notes:
            print(textwrap.fill(note, width=88, initial_indent="  - ", subsequent_indent="    "))
        print()
    for path in (parquet, *figures):
        print(f"wrote {path}")
    print(f"results page: {page}")
    print(f"all results:  {index}")
    return 0
