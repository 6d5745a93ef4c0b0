"""``relsim demo``: run the shipped studies, draw their figures and pages, say where they are.

The demo sweeps two studies of ``experiments/`` as ``relsim sweep`` would, into
``results/NAME``: ``scenarios.toml`` (every scenario side by side, under three problem
rates) and ``sobol_main_traits.toml`` (global sensitivity to the four main traits of
each partner). It prints the every-scenario table and the traits final intimacy
depends on most, and ends with the paths of the results pages to open.
``relsim demo --quick`` only prints the every-scenario table, from one short batch.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

from sim.experiment.executors import EXECUTORS

if TYPE_CHECKING:
    from sim.experiment.spec import Spec

DEMO_EXPERIMENTS: tuple[str, ...] = ("scenarios.toml", "sobol_main_traits.toml")
"""Studies of ``experiments/`` the demo runs, in order."""

QUICK_COUPLES = 300
QUICK_STEPS = 300
DEMO_SEED = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``demo`` subcommand."""
    p = subparsers.add_parser(
        "demo",
        help="run the shipped studies and write their results pages",
        description="Sweep experiments/scenarios.toml (every scenario under three problem "
        "rates) and experiments/sobol_main_traits.toml (Sobol sensitivity to the four main "
        "traits of both partners) into results/NAME, drawing their figures and pages, and "
        "print the pages to open. A second demo reuses the finished runs; results of an "
        "older spec or model version in those folders are replaced. With --quick, run "
        f"every scenario for {QUICK_COUPLES} couples over {QUICK_STEPS} weeks in one batch "
        "and print one summary table instead.",
    )
    p.add_argument(
        "--quick", action="store_true", help="only print the every-scenario table (seconds)"
    )
    p.add_argument(
        "--executor",
        choices=EXECUTORS,
        default="process",
        help="where the sweeps' chunks run (default: process, one worker per core)",
    )
    p.add_argument(
        "--workers", type=int, default=None, metavar="N", help="worker processes (default: cores)"
    )
    p.add_argument("--out", default="results", help="results folder (default results/)")
    p.add_argument(
        "--force", action="store_true", help="start over the studies whose results are corrupt"
    )
    # Sizes, to shrink the demo (tests) without editing the shipped studies.
    p.add_argument("--couples", type=int, default=QUICK_COUPLES, help=argparse.SUPPRESS)
    p.add_argument("--steps", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--seed", type=int, default=DEMO_SEED, help=argparse.SUPPRESS)
    p.add_argument("--replicates", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--samples", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the demo; 0 when every run finished."""
    from sim.errors import InputError

    for name in ("couples", "steps", "replicates", "samples", "workers"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise InputError(f"--{name}", "", f"expected a whole number >= 1, got {value}")
    if args.quick:
        return quick(args.couples, args.steps or QUICK_STEPS, args.seed)
    return studies(args)


def quick(couples: int, steps: int, seed: int) -> int:
    """Run every scenario in one batch and print the summary table."""
    from sim.errors import InputError
    from sim.scenario import list_scenarios, load_scenario, scenario_dir
    from sim.views.scenario_run import MAIN_OUTCOME_NOTE, demo_table, run_scenarios

    names = list_scenarios()
    if not names:
        raise InputError(str(scenario_dir()), "", "no scenario files (*.toml) found")
    scenarios = [load_scenario(name) for name in names]
    start = time.perf_counter()
    runs = run_scenarios(scenarios, couples, steps, seed)
    seconds = time.perf_counter() - start
    print(
        f"relsim demo --quick: {len(runs)} scenarios x {couples} couples x {steps} weeks, "
        f"seed {seed} ({seconds:.1f} s)"
    )
    print()
    print(demo_table(runs))
    print()
    print(MAIN_OUTCOME_NOTE.format(what="couples"))
    print("intimacy, satisfaction and resentment are means over couples (and partners).")
    print("Next: `relsim demo` for the full studies and their pages, or `relsim run NAME`.")
    return 0


def experiment_dir() -> Path:
    """The shipped ``experiments/`` folder, beside the package (an editable install), or
    in the working directory."""
    beside = Path(__file__).resolve().parents[2] / "experiments"
    return beside if beside.is_dir() else Path.cwd() / "experiments"


def demo_spec(
    path: Path, steps: int | None = None, replicates: int | None = None, samples: int | None = None
) -> Spec:
    """The study at ``path``, with its steps, replicates or sample size replaced when given."""
    import tomllib

    from sim.errors import InputError
    from sim.experiment.spec import load_spec, parse_spec

    if steps is None and replicates is None and samples is None:
        return load_spec(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise InputError(str(path), "", f"cannot read the spec: {err}") from None
    data.update({k: v for k, v in (("steps", steps), ("replicates", replicates)) if v})
    if samples and data.get("design", {}).get("kind") in ("lhs", "sobol", "morris"):
        data["design"]["samples"] = samples
    return parse_spec(data, source=str(path), default_name=path.stem)


def studies(args: argparse.Namespace) -> int:
    """Sweep every demo study, print what it found, and the pages to open."""
    from sim.experiment.runner import sweep
    from sim.views.report import write_index

    start = time.perf_counter()
    out = Path(args.out)
    specs = [
        demo_spec(experiment_dir() / name, args.steps, args.replicates, args.samples)
        for name in DEMO_EXPERIMENTS
    ]
    pages, failed = [], 0
    for i, spec in enumerate(specs, 1):
        runs = spec.replicates * _points(spec)
        print(
            f"[{i}/{len(specs)}] experiments/{Path(spec.source).name}: {runs:,} runs of "
            f"{spec.steps} weeks ({spec.design.kind} design)",
            flush=True,
        )
        summary = sweep(
            spec,
            executor=args.executor,
            out=out / spec.name,
            workers=args.workers,
            force=args.force,
            replace=True,
            quiet=args.quiet,
        )
        failed += summary.failed
        print(
            f"      {summary.rows - summary.failed:,} runs ok ({summary.ran:,} run now, "
            f"figures and page included: {summary.seconds:.0f} s)"
        )
        print()
        for line in findings(summary.out):
            print(line)
        print()
        if summary.page is not None:
            pages.append(summary.page)
    index = write_index(out)
    print(f"relsim demo: done in {time.perf_counter() - start:.0f} s. Open in a browser:")
    for path in (*([index] if index else []), *pages):
        print(f"  {path.resolve()}")
    return 1 if failed else 0


def _points(spec: Spec) -> int:
    from sim.experiment.runner import plan

    return plan(spec).points.n


def findings(path: Path) -> list[str]:
    """A few lines on what a finished demo study shows: the every-scenario table of a
    scenarios design, the traits intimacy depends on most for a Sobol design."""
    from sim.experiment.analysis import results_spec

    spec = results_spec(path)
    if spec.design.kind == "scenarios":
        return scenario_lines(path)
    if spec.design.kind == "sobol":
        return sensitivity_lines(path)
    return []


def scenario_lines(path: Path) -> list[str]:
    """The every-scenario table from a scenarios study's runs, at the default problem rate
    when the study varies it."""
    import numpy as np

    from sim.experiment.analysis import results_spec
    from sim.experiment.storage import ResultStore
    from sim.model.parameters import REGISTRY
    from sim.scenario import load_scenario
    from sim.views.scenario_run import MAIN_OUTCOME_NOTE, ScenarioRun, demo_table

    spec = results_spec(path)
    runs = ResultStore(path).runs()
    runs = runs[runs["status"] == "ok"]
    where = "all runs"
    rate = REGISTRY["problem_rate"].default
    column = runs.get("env.problem_rate")
    if column is not None and np.isclose(column, rate).any():
        runs = runs[np.isclose(column, rate)]
        where = f"problem rate {rate:g} (the default)"
    table = []
    for name, group in runs.groupby("scenario", sort=True):
        metrics = {c: group[c].to_numpy() for c in group.columns}
        keys = group["key"].to_numpy()
        table.append(ScenarioRun(load_scenario(name), spec.seed, spec.steps, keys, metrics))
    n = len(runs) // max(len(table), 1)
    return [
        f"Every scenario, {n} runs each, {where}, after {spec.steps} weeks:",
        "",
        demo_table(table),
        "",
        MAIN_OUTCOME_NOTE.format(what="runs"),
        "intimacy, satisfaction and resentment are means over runs (and partners).",
    ]


def sensitivity_lines(path: Path, metric: str = "intimacy", top: int = 4) -> list[str]:
    """The factors with the largest total-order Sobol index of ``metric``."""
    from sim.experiment.analysis import sensitivity

    indices = sensitivity(path, metric).sort_values("ST", ascending=False).head(top)
    parts = [f"{row.factor} {row.ST:.2f}" for row in indices.itertuples()]
    return [f"Final {metric} depends most on (total-order Sobol index): " + ", ".join(parts)]
