"""``relsim story NAME|PATH``: one couple of a scenario, told in plain words.

The story is condensed by default: stretches of weeks told once each, with their
counts, the turning points on their own, and the state variables the scenario's
teaching notes name followed throughout (:mod:`sim.teach.story`); ``--weekly`` tells
every week worth telling, one by one.

The couple is the first couple of ``relsim run`` with the same seed (replicate 0, the
first row of its ``runs.parquet``; its key is ``replicate_keys(seed, 1)[0]``), so the
story and the run's tables agree; with the same ``--set KEY=VALUE`` it is the first
couple of ``relsim run NAME --set KEY=VALUE``.
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
        "it was answered, what changed. Stretches of similar weeks are told once, with "
        "their counts, and the turning points (first demand, first coercion, trust or "
        "autonomy lost, a partner starting to think of leaving, the parting) on their own; "
        "--weekly tells every week worth telling. Ends with the outcome class and the "
        "metrics that decided it.",
    )
    p.add_argument("scenario", metavar="NAME|PATH", help="scenario name or file")
    p.add_argument("--steps", default=DEFAULT_STEPS, help=f"weeks (default {DEFAULT_STEPS})")
    p.add_argument("--seed", default=DEFAULT_SEED, help=f"seed (default {DEFAULT_SEED})")
    p.add_argument(
        "--weekly",
        action="store_true",
        help="tell every week worth telling, one by one, instead of stretches of weeks",
    )
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=None,
        metavar="KEY=VALUE",
        help="set a value over the scenario's: a.<trait>, b.<trait>, both.<trait> or "
        "env.<name>, e.g. --set b.narcissism=0.4 (repeatable)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="run past the limit on weeks (README: Bad input and limits)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Tell the story and print it."""
    from sim.cli import arguments
    from sim.scenario import load_scenario, parse_overrides
    from sim.teach.story import tell, watched_in
    from sim.views.scenario_run import replicate_keys

    steps = arguments.steps(args.steps, force=args.force)
    seed = arguments.seed(args.seed)
    overrides = parse_overrides(args.overrides)
    sc = load_scenario(args.scenario).with_overrides(overrides)
    story = tell(sc.build_params(1), replicate_keys(seed, 1), steps, watch=watched_in(sc.notice))
    try:
        _print_story(sc, story, seed, steps, weekly=args.weekly)
    except BrokenPipeError:
        # The reader (``head``, ``less``) stopped early: nothing is wrong.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return 0


def _print_story(sc: Scenario, story: Story, seed: int, steps: int, weekly: bool) -> None:
    """Print the header, the story and the scenario's notes."""
    from sim.scenario import overrides_text

    a, b = story.names
    print(f"{sc.name}: {sc.title}")
    if sc.modified:
        print(f"With {overrides_text(sc.overrides)} set over the scenario's values.")
    print(f"One couple, seed {seed}, up to {steps} weeks; {a} is partner a, {b} is b.")
    print(textwrap.fill(" ".join(sc.description.split()), width=WIDTH))
    print()
    for line in story.lines(weekly=weekly):
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
