"""``relsim scenarios``: list the named scenarios, one line each."""

from __future__ import annotations

import argparse
import sys


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
    from sim.errors import InputError
    from sim.scenario import list_scenarios, load_scenario, scenario_dir

    names = list_scenarios()
    if not names:
        raise InputError(str(scenario_dir()), "", "no scenario files (*.toml) found")
    width = max(len(n) for n in names) + 2
    status = 0
    for name in names:
        try:
            print(f"{name:<{width}}{load_scenario(name).title}")
        except InputError as err:
            print(f"{name:<{width}}(invalid)")
            print(f"relsim: error: {err}", file=sys.stderr)
            status = 2
    return status
