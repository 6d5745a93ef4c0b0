"""The ``relsim`` command line: one subcommand per face, each in its own module.

Each command module offers ``register(subparsers)``, which adds its parser and sets
``func``. Bad input raises :class:`~sim.errors.InputError` or
:class:`~sim.model.parameters.ParameterError`; ``main`` prints it as one line and
returns 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import NoReturn

from sim.errors import InputError
from sim.model.parameters import ParameterError

COMMAND_MODULES = (
    "sim.cli.cmd_scenarios",
    "sim.cli.cmd_populations",
    "sim.cli.cmd_run",
    "sim.cli.cmd_demo",
    "sim.cli.cmd_sweep",
    "sim.cli.cmd_export",
    "sim.cli.cmd_plot",
    "sim.cli.cmd_report",
    "sim.cli.cmd_discover",
    "sim.cli.cmd_story",
    "sim.cli.cmd_app",
    "sim.cli.cmd_market",
    "sim.cli.cmd_validate",
    "sim.cli.cmd_calibrate",
)
"""Modules that add subcommands, in the order ``relsim --help`` lists them."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (and exit status 2), like every
    other rejection of bad input; subcommands' parsers are of the same class."""

    def error(self, message: str) -> NoReturn:
        """Print ``message`` on one line, with where to find the usage, and exit 2."""
        text = " ".join(message.split())
        self.exit(2, f"{self.prog}: error: {text} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = Parser(prog="relsim", description="Agent-based simulation of relationship dynamics.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status = int(args.func(args) or 0)
        sys.stdout.flush()
        return status
    except (InputError, ParameterError) as err:
        print(f"relsim: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("relsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of a pipe left early (`relsim run NAME | head`): stop quietly. Point
        # stdout at devnull so that the flush at interpreter exit does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
