"""Checks of command-line values that argparse would report on two lines.

argparse answers a value of the wrong type with its usage line and an error; these
checks raise :class:`~sim.errors.InputError` instead, which the CLI prints as one line.
"""

from __future__ import annotations

from pathlib import Path

from sim import inputs
from sim.errors import InputError


def whole_number(text: str | int, option: str, low: int, high: int | None = None) -> int:
    """``text`` as a whole number in ``[low, high]`` (at most
    :data:`~sim.inputs.MAX_INTEGER` when ``high`` is None); :class:`InputError` naming
    ``option`` otherwise."""
    try:
        value = int(text)
    except (TypeError, ValueError):
        value = None
    top = inputs.MAX_INTEGER if high is None else high
    if value is None or value < low or value > top:
        span = f"in {low:,}-{high:,}" if high is not None else f">= {low}"
        shown = repr(text) if len(str(text)) <= 40 else f"{str(text)[:40]!r}..."
        if value is not None and value > top and high is None:
            span = f"{span} of at most 64 bits"
        raise InputError(option, "", f"expected a whole number {span}, got {shown}")
    return value


def seed(text: str | int, option: str = "--seed") -> int:
    """A seed: a whole number in ``[0, MAX_SEED]``."""
    return whole_number(text, option, 0, inputs.MAX_SEED)


def steps(text: str | int, option: str = "--steps", force: bool = False) -> int:
    """A number of weeks: at least 1, and at most :data:`~sim.inputs.STEPS` unless
    ``force``."""
    value = whole_number(text, option, 1)
    inputs.check_work(option, "", value, inputs.STEPS, "weeks", force, fewer="use fewer weeks")
    return value


def workers(text: str | int | None, option: str = "--workers") -> int | None:
    """A number of worker processes (None: one per core), at most
    :data:`~sim.inputs.MAX_WORKERS`."""
    return None if text is None else whole_number(text, option, 1, inputs.MAX_WORKERS)


def path(text: str, option: str) -> str:
    """A path given on the command line, checked by :func:`sim.inputs.safe_path`."""
    return inputs.safe_path(text, option)


def out_folder(text: str, option: str = "--out") -> Path:
    """A folder to write into (:func:`sim.inputs.output_folder`)."""
    return inputs.output_folder(text, option)


def number(text: str | float, option: str) -> float:
    """``text`` as a finite number; :class:`InputError` naming ``option`` otherwise."""
    try:
        value = float(text)
    except (TypeError, ValueError):
        value = None
    if value is None or value != value or value in (float("inf"), float("-inf")):
        raise InputError(option, "", f"expected a number, got {text!r}")
    return value
