"""``relsim scenarios``: list the named scenarios, one line each."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``scenarios`` subcommand."""
    p = subparsers.add_parser(
        "scenarios",
        help="list the named scenarios (scenarios/NAME.toml)",
        description="List every scenario file with its title. A file that does not "
        "load is listed with its error, and the exit status is then 2.",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print ``name  title`` for each scenario; 2 if any file is invalid."""
    from sim.scenario import list_scenarios, load_scenario, scenario_dir

    return print_titles(list_scenarios(), load_scenario, scenario_dir(), "scenario")


def print_titles(names: list[str], load: Callable[[str], Any], folder: Path, kind: str) -> int:
    """Print ``name  title`` for each file of a folder; 2 if any does not load, else 0.

    A file that does not load is listed as ``(invalid)`` and its error printed to
    standard error.
    """
    from sim.errors import InputError

    if not names:
        raise InputError(str(folder), "", f"no {kind} files (*.toml) found")
    width = max(len(n) for n in names) + 2
    status = 0
    for name in names:
        try:
            print(f"{name:<{width}}{load(name).title}")
        except InputError as err:
            print(f"{name:<{width}}(invalid)")
            print(f"relsim: error: {err}", file=sys.stderr)
            status = 2
    return status
