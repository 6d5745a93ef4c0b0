"""Checks of command-line values that argparse would report on two lines.

argparse answers a value of the wrong type with its usage line and an error; these
checks raise :class:`~sim.errors.InputError` instead, which the CLI prints as one line.
"""

from __future__ import annotations

from sim.errors import InputError


def whole_number(text: str | int, option: str, low: int, high: int | None = None) -> int:
    """``text`` as a whole number in ``[low, high]``; :class:`InputError` naming ``option``
    otherwise."""
    try:
        value = int(text)
    except (TypeError, ValueError):
        value = None
    if value is None or value < low or (high is not None and value > high):
        span = f"in {low}-{high}" if high is not None else f">= {low}"
        raise InputError(option, "", f"expected a whole number {span}, got {text!r}")
    return value


def number(text: str | float, option: str) -> float:
    """``text`` as a finite number; :class:`InputError` naming ``option`` otherwise."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        value = None
    if value is None or value != value or value in (float("inf"), float("-inf")):
        raise InputError(option, "", f"expected a number, got {text!r}")
    return value
