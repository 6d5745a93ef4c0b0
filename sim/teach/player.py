"""Play, pause, step and reset for the teaching app, at a chosen number of weeks a second.

A view keeps what it runs (a :class:`mesa.Model`, or a pair of them) in a reactive; the
:func:`Player` steps it one week at a time, in a thread while playing, and raises a
frame counter after every week, which redraws the view. Play stops by itself at the
run's last week (or when every couple has parted) and says so; Reset builds the run
afresh at week 0.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

import solara

SPEEDS = (1, 2, 5, 10, 20)
"""Weeks a second the speed control offers (faster, a browser on a laptop falls behind
drawing the weeks, and Pause would take effect late)."""

DEFAULT_SPEED = 10
"""Weeks a second when a view opens."""

WEEKS_PER_YEAR = 52
"""Weeks of a year, for telling the week."""


class Steppable(Protocol):
    """What the player runs: a model, or several run side by side."""

    running: bool
    steps: int
    horizon: int

    def step(self) -> None:
        """Advance one week."""


def week_label(steps: int, horizon: int) -> str:
    """The week shown, in weeks and years: ``"Week 60 of 520 (year 2, week 8)"``."""
    if steps == 0:
        return f"Week 0 of {horizon}"
    year, week = divmod(steps - 1, WEEKS_PER_YEAR)
    return f"Week {steps} of {horizon} (year {year + 1}, week {week + 1})"


def stop_message(run: Steppable) -> str | None:
    """Why the run cannot go on (``None`` while it can)."""
    if run.running:
        return None
    if run.steps >= run.horizon:
        years = run.horizon / WEEKS_PER_YEAR
        span = f"{years:g} years" if years == int(years) else f"{run.horizon} weeks"
        return (
            f"The run has reached its last week, week {run.horizon} ({span}). "
            "Press Reset to start again."
        )
    return (
        f"Every couple has parted by week {run.steps}: the run is over. Press Reset to start again."
    )


def play(
    run: solara.Reactive,
    playing: solara.Reactive[bool],
    frame: solara.Reactive[int],
    speed: solara.Reactive[int],
    cancel: threading.Event,
) -> None:
    """Step ``run.value`` a week at a time while ``playing``, at ``speed`` weeks a second
    at most, raising ``frame`` after each week; stop at the end of the run or when
    ``cancel`` is set."""
    current = run.value
    while not cancel.is_set() and playing.value and run.value is current:
        if not current.running:
            break
        started = time.perf_counter()
        current.step()
        frame.set(frame.value + 1)
        if not current.running:
            break
        rest = 1.0 / max(speed.value, 1) - (time.perf_counter() - started)
        if rest > 0:
            cancel.wait(rest)
    if run.value is current and not current.running:
        playing.set(False)


@solara.component
def Player(
    run: solara.Reactive,
    reset: Callable[[], None],
    frame: solara.Reactive[int],
    speed: solara.Reactive[int],
):
    """Play (or pause), Step and Reset, the speed, the week, and why play stopped.

    ``run`` holds what is run; ``reset`` puts a fresh one at week 0 in it; ``frame``
    is raised after every week stepped, for the view to redraw.
    """
    playing = solara.use_reactive(False)
    frame.value  # noqa: B018 - redraw the week and the buttons after every week
    current = run.value
    solara.use_thread(
        lambda cancel: play(run, playing, frame, speed, cancel),
        dependencies=[playing.value, current],
        intrusive_cancel=False,
    )

    def step() -> None:
        if current.running:
            current.step()
            frame.set(frame.value + 1)

    def do_reset() -> None:
        playing.set(False)
        reset()
        frame.set(frame.value + 1)

    message = stop_message(current)
    with solara.Row(classes=["relsim-player"], style="align-items: center; flex-wrap: wrap"):
        solara.Button(
            "❚❚ Pause" if playing.value else "▶ Play",
            color="primary",
            on_click=lambda: playing.set(not playing.value),
            disabled=not current.running,
        )
        solara.Button(
            "Step", color="primary", on_click=step, disabled=playing.value or not current.running
        )
        solara.Button("Reset", color="primary", outlined=True, on_click=do_reset)
        solara.Select(
            "Speed",
            values=[f"{s} weeks a second" for s in SPEEDS],
            value=f"{speed.value} weeks a second",
            on_value=lambda v: speed.set(int(v.split()[0])),
            style="max-width: 190px",
        )
        solara.HTML(
            tag="div",
            unsafe_innerHTML=week_label(current.steps, current.horizon),
            classes=["relsim-clock"],
        )
    if message:
        solara.HTML(tag="div", unsafe_innerHTML=message, classes=["relsim-stopped"])
