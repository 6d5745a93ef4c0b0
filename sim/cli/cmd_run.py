"""``relsim run NAME|PATH``: a study of one scenario's replicate couples (or, with
``--population NAME|PATH``, of couples drawn from a population).

The study is a sweep like any other (:func:`sim.views.scenario_run.study_spec`): one
scenario, ``--couples`` replicates, run by the experiment runner and stored in
``<out>/<scenario>/`` as every sweep is (``runs.parquet``, ``timeseries/``,
``manifest.json``, ``figures/`` and ``index.html``), so ``relsim plot``, ``report``,
``export`` and ``sim.load_results`` read it, and running it again resumes it. It then
prints the outcome-class shares against what the scenario expects, the main metrics
and the teaching notes; ``<out>/index.html`` links the page. A population's study is
the same sweep with each couple drawn from the population by its key
(:func:`sim.views.scenario_run.population_study_spec`), stored in ``<out>/<population>/``;
it prints the outcome shares, the main metrics and the share of couples ended by year.

``--set KEY=VALUE`` (repeatable) sets a trait or environment value over the scenario's,
as the "Things to try" of the teaching notes ask: ``relsim run NAME --set
b.narcissism=0.4``. Such a study is stored in ``<out>/<scenario>+KEY=VALUE/``, its
spec holding the values (so it resumes, and ``relsim plot`` and ``report`` read it),
and its tables show the scenario's expected shares for reference only, unchecked.
"""

from __future__ import annotations

import argparse
import math
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sim.experiment.executors import EXECUTORS

if TYPE_CHECKING:
    from sim.experiment.spec import Spec
    from sim.population import Population
    from sim.scenario import Scenario

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
        help="run one scenario, or a population, for many couples",
        description="Run a scenario (a name from `relsim scenarios`, or a path to a TOML "
        "file) for many replicate couples, or, with --population, as many couples drawn "
        "from a population (a name from `relsim populations`, or a path), as a study "
        "stored like every sweep: runs.parquet, timeseries/, manifest.json, figures/ and a "
        "results page (index.html) in OUT/NAME, which `relsim plot`, `report` and `export` "
        "read; OUT/index.html links every page. Print its outcome shares and main metrics. "
        "Run again, it resumes; with other steps or seed, it replaces the earlier run.",
    )
    p.add_argument("scenario", metavar="NAME|PATH", nargs="?", help="scenario name or file")
    p.add_argument(
        "--population",
        metavar="NAME|PATH",
        default=None,
        help="draw each couple from this population instead of running a scenario",
    )
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
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=None,
        metavar="KEY=VALUE",
        help="set a value over the scenario's: a.<trait>, b.<trait>, both.<trait> or "
        "env.<name>, e.g. --set b.narcissism=0.4 (repeatable); the study goes to "
        "OUT/NAME+KEY=VALUE and the scenario's expectations are shown unchecked",
    )
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
    p.add_argument(
        "--force",
        action="store_true",
        help="run past the limits on weeks, couples and couple-weeks, and start over past "
        "corrupt results (README: Bad input and limits)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the study (or what is left of it), print its tables and say where it is.

    Returns 0 when every run finished, 1 when some failed.
    """
    from sim import inputs
    from sim.cli import arguments
    from sim.errors import InputError
    from sim.experiment.runner import sweep
    from sim.experiment.storage import ResultStore
    from sim.scenario import overrides_text
    from sim.views import plots
    from sim.views.report import write_index
    from sim.views.scenario_run import BAND_SERIES, load_study

    arguments.steps(args.steps, force=args.force)
    couples = arguments.whole_number(args.couples, "--couples", 1)
    memory = couples * inputs.BYTES_PER_COUPLE
    inputs.check_work(
        "--couples", "", couples, inputs.COUPLES, "couples", args.force, memory, "use fewer couples"
    )
    arguments.seed(args.seed)
    arguments.workers(args.workers)
    inputs.check_work(
        "--couples",
        "",
        couples * args.steps,
        inputs.COUPLE_WEEKS,
        f"couple-weeks ({couples:,} couples x {args.steps:,} weeks)",
        args.force,
        fewer="use fewer couples or weeks",
    )
    arguments.path(args.out, "--out")
    if args.scenario is not None and args.population is not None:
        raise InputError("--population", "", "give a scenario or a population, not both")
    if args.scenario is None and args.population is None:
        raise InputError("relsim run", "", "expected a scenario NAME|PATH, or --population NAME")
    if args.population is not None and args.overrides:
        raise InputError(
            "--set", "", "sets values over a scenario's; give a scenario, not --population"
        )
    every = record_interval(args.couples, args.steps, len(BAND_SERIES))
    study = _Study.of(args, every)
    folder = inputs.output_folder(Path(args.out) / study.name, "--out")
    store = ResultStore(folder)
    manifest = _manifest(store, args.force) if store.exists() else {}
    if manifest and study.other_results(manifest):
        raise InputError(
            str(folder), "", "holds an experiment's results; write the run elsewhere with --out"
        )
    try:
        # An earlier run of this study here is resumed, or replaced when it differs;
        # corrupt results are reported, and started over with --force.
        summary = sweep(
            study.spec,
            executor=args.executor,
            out=folder,
            workers=args.workers,
            force=args.force,
            replace=True,
            quiet=True,
        )
        index = write_index(folder.parent)
    except OSError as err:
        raise InputError(str(folder), "", f"cannot write the results: {err}") from None

    result = load_study(folder)
    print(f"{study.label}: {study.title}")
    if study.scenario is not None and study.scenario.modified:
        print(f"with {overrides_text(study.scenario.overrides)} set over the scenario's values")
    couples = f"{result.n} couple{'s' if result.n != 1 else ''}"
    weeks = f"{result.steps} week{'s' if result.steps != 1 else ''}"
    print(f"{couples}, {weeks}, seed {result.seed}")
    study.print_tables(result)
    if summary.failed:
        print(f"{summary.failed} run(s) failed; see the error column of runs.parquet")
    figures = [folder / plots.FIGURES / f"{f['stem']}.png" for f in plots.read_index(folder)]
    for path in (folder / "runs.parquet", *figures):
        print(f"wrote {path}")
    if summary.page is not None:
        print(f"results page: {summary.page}")
    if index is not None:
        print(f"all results:  {index}")
    return 1 if summary.failed else 0


def _manifest(store, force: bool) -> dict:
    """The manifest of a results folder; with ``force``, an empty one in place of a
    corrupt one (which the study then starts over)."""
    from sim.errors import InputError

    try:
        return store.read_manifest()
    except InputError:
        if not force:
            raise
        return {}


@dataclass(frozen=True)
class _Study:
    """What ``relsim run`` runs: a scenario's replicates, or a population's couples."""

    spec: Spec
    scenario: Scenario | None = None
    population: Population | None = None

    @property
    def name(self) -> str:
        """The results folder's name: the population's, or the scenario's with the values
        set over it (:func:`~sim.views.scenario_run.study_folder_name`)."""
        from sim.views.scenario_run import study_folder_name

        if self.scenario is not None:
            return study_folder_name(self.scenario)
        return self.population.name

    @property
    def label(self) -> str:
        """The scenario's or the population's name."""
        return (self.scenario or self.population).name

    @property
    def title(self) -> str:
        """The scenario's or the population's title."""
        return (self.scenario or self.population).title

    @classmethod
    def of(cls, args: argparse.Namespace, every: int) -> _Study:
        """The study the arguments ask for, its file loaded and its spec made."""
        from sim.population import load_population
        from sim.scenario import load_scenario, parse_overrides
        from sim.views import scenario_run as sr

        if args.population is not None:
            pop = load_population(args.population)
            spec = sr.population_study_spec(pop, args.couples, args.steps, args.seed, every)
            return cls(spec, population=pop)
        overrides = parse_overrides(args.overrides)
        sc = load_scenario(args.scenario).with_overrides(overrides)
        return cls(sr.study_spec(sc, args.couples, args.steps, args.seed, every), scenario=sc)

    def other_results(self, manifest: dict) -> bool:
        """Whether a results folder's manifest is of something other than such a study."""
        from sim.views.scenario_run import population_study_of, study_of

        found = study_of(manifest) if self.scenario is not None else population_study_of(manifest)
        return found is None

    def print_tables(self, result) -> None:
        """Print the outcome shares, the main metrics and the notes (or the endings by
        year, for a population)."""
        from sim.views.scenario_run import ended_table, metrics_table, shares_table

        sc = self.scenario
        if sc is not None and sc.two_way:
            print(textwrap.fill("Two ways: " + " ".join(sc.two_way.split()), width=88))
        print()
        if result.n:
            print(shares_table(result))
            print()
            print(metrics_table(result))
            print()
            if sc is None and ended_table(result):
                print(ended_table(result))
                print()
        if sc is None:
            return
        for heading, notes in (("What to notice", sc.notice), ("Things to try", sc.things_to_try)):
            print(f"{heading}:")
            for note in notes:
                print(textwrap.fill(note, 88, initial_indent="  - ", subsequent_indent="    "))
            print()
