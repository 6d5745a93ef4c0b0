"""``relsim story NAME|PATH``: one couple of a scenario, told week by week in plain words.

The couple is the first couple of ``relsim run`` with the same seed (replicate 0, the
first row of its ``runs.parquet``; its key is ``replicate_keys(seed, 1)[0]``), so the
story and the run's tables agree.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.scenario import Scenario
    from sim.teach.story import Story

DEFAULT_STEPS = 520
DEFAULT_SEED = 1
WIDTH = 88


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``story`` subcommand."""
    p = subparsers.add_parser(
        "story",
        help="tell one couple's weeks in plain words",
        description="Run one couple of a scenario (a name from `relsim scenarios`, or a path "
        "to a TOML file) week by week and tell what happened: who brought what to whom, how "
        "it was answered, what changed; quiet weeks are skipped. Ends with the outcome class "
        "and the metrics that decided it.",
    )
    p.add_argument("scenario", metavar="NAME|PATH", help="scenario name or file")
    p.add_argument("--steps", default=DEFAULT_STEPS, help=f"weeks (default {DEFAULT_STEPS})")
    p.add_argument("--seed", default=DEFAULT_SEED, help=f"seed (default {DEFAULT_SEED})")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Tell the story and print it."""
    from sim.cli import arguments
    from sim.scenario import load_scenario
    from sim.teach.story import tell
    from sim.views.scenario_run import replicate_keys

    steps = arguments.steps(args.steps)
    seed = arguments.seed(args.seed)
    sc = load_scenario(args.scenario)
    story = tell(sc.build_params(1), replicate_keys(seed, 1), steps)
    try:
        _print_story(sc, story, seed, steps)
    except BrokenPipeError:
        # The reader (``head``, ``less``) stopped early: nothing is wrong.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return 0


def _print_story(sc: Scenario, story: Story, seed: int, steps: int) -> None:
    """Print the header, the story and the scenario's notes."""
    a, b = story.names
    print(f"{sc.name}: {sc.title}")
    print(f"One couple, seed {seed}, up to {steps} weeks; {a} is partner a, {b} is b.")
    print(textwrap.fill(" ".join(sc.description.split()), width=WIDTH))
    print()
    for line in story.lines():
        print(_wrap(line))
    print()
    print("What to notice:")
    for note in sc.notice:
        print(textwrap.fill(note, width=WIDTH, initial_indent="  - ", subsequent_indent="    "))


def _wrap(line: str) -> str:
    """A line wrapped to the page, its continuation indented under its text."""
    if not line.strip():
        return ""
    lead = len(line) - len(line.lstrip())
    indent = " " * (lead + 4)
    return textwrap.fill(line, width=WIDTH, subsequent_indent=indent, break_on_hyphens=False)
