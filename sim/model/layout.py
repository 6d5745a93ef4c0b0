"""Where each variable of a couple sits in a block of the compiled engine.

A block holds :data:`LANES` couples side by side: one row per variable, one column
(lane) per couple, two rows for a partner's variable (partner ``a``, then ``b``) and one
for a couple's. The rules (:mod:`sim.model.week`) read and write a couple as
``block[STATE.stress + me, lane]``, ``block[TRAIT.dependency + other, lane]``,
``block[ENV.problem_rate, lane]``, ``block[WEEK.size + me, lane]`` and
``events[EVENT.request + me, lane]``. Every row number is generated here from the
declarations (:mod:`sim.model.declarations`) and the registry
(:mod:`sim.model.parameters`); nothing else lists them.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from sim.model.declarations import ACCUMULATORS, COUPLE, EVENTS, NEGATIVE, POSITIVE
from sim.model.declarations import STATE as STATE_VARIABLES
from sim.model.declarations import WEEK as WEEK_VARIABLES
from sim.model.parameters import ENV_NAMES, TRAIT_NAMES

LANES = 24
"""Couples run side by side in one block: a row is three AVX-512 vectors of float64
(six of AVX2), 192 bytes, so that every row starts on a cache line. Three vectors a row
rather than one give the processor independent work to overlap within each phase: 24
lanes ran the engine about a third faster than 8 on this project's machines, and 16, 32,
48 and 64 no faster than 24 (``benchmarks/README.md``, "Wider blocks")."""


def _rows(name: str, entries, first: int = 0):
    """A named tuple of the first row of each ``(variable, scope)``, from row ``first``;
    and the row after the last."""
    rows, at = [], first
    for _, scope in entries:
        rows.append(at)
        at += 1 if scope == COUPLE else 2
    return namedtuple(name, [variable for variable, _ in entries])(*rows), at


STATE, N_STATE = _rows(
    "StateRows", [(v.name, v.scope) for v in STATE_VARIABLES] + [("weeks", COUPLE)]
)
"""Rows of the state: every float state variable, then ``weeks``, the weeks together."""

N_CLAMPED = N_STATE - 1
"""Rows held in their declared ranges (:func:`sim.model.week.set_state`): every state row
but ``weeks``."""

TRAIT, _AFTER_TRAITS = _rows("TraitRows", [(name, "partner") for name in TRAIT_NAMES], N_STATE)
"""Rows of the traits, in registry order."""

ENV, WEEK0 = _rows("EnvRows", [(name, COUPLE) for name in ENV_NAMES], _AFTER_TRAITS)
"""Rows of the environment, in registry order."""

WEEK, N_ROWS = _rows("WeekRows", [(v.name, v.scope) for v in WEEK_VARIABLES], WEEK0)
"""Rows of the scratch values of one week."""

ACCUMULATOR_ROWS = np.array(
    [
        getattr(WEEK, v.name) + j
        for v in WEEK_VARIABLES
        if v.name in ACCUMULATORS
        for j in range(1 if v.scope == COUPLE else 2)
    ]
)
"""Rows of the week values that phases add to, zeroed before every week. Every other
week row is written before it is read in the week (``tests/test_kernel.py``), so it
needs no zeroing."""

EVENT, N_EVENT_ROWS = _rows("EventRows", [(kind.name.lower(), "partner") for kind in EVENTS])
"""Rows of this week's events, in a block of their own: the count of times each partner
did each kind of thing this week."""

PARTNER_ROWS = np.array([getattr(STATE, v.name) for v in STATE_VARIABLES if v.scope != COUPLE])
"""First row of each partner state variable, in declaration order."""

COUPLE_ROWS = np.array([getattr(STATE, v.name) for v in STATE_VARIABLES if v.scope == COUPLE])
"""Row of each couple state variable, in declaration order."""


def _bounds() -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bound of every clamped state row, by row."""
    low, high = np.zeros(N_CLAMPED), np.ones(N_CLAMPED)
    for v in STATE_VARIABLES:
        row = getattr(STATE, v.name)
        rows = slice(row, row + (1 if v.scope == COUPLE else 2))
        low[rows], high[rows] = v.low, v.high
    return low, high


LOW, HIGH = _bounds()
"""Declared range of each clamped state row (``LOW[row]`` to ``HIGH[row]``)."""

POSITIVE_ROWS = tuple(2 * int(kind) for kind in POSITIVE)
"""First event row of each positive interaction (:data:`~sim.model.declarations.POSITIVE`)."""

NEGATIVE_ROWS = tuple(2 * int(kind) for kind in NEGATIVE)
"""First event row of each negative interaction (:data:`~sim.model.declarations.NEGATIVE`)."""
