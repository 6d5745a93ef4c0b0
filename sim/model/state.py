"""State of a batch of couples: NumPy arrays, one entry per partner or per couple.

The arrays are those declared in :mod:`sim.model.declarations`; this module makes the
:class:`State` that holds them and the state new couples start in.

Partner arrays have shape ``(2, n)``: row 0 is partner ``a``, row 1 partner ``b``, so
``x[::-1]`` is always "the other partner's value". Couple arrays have shape ``(n,)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, make_dataclass

import numpy as np

from sim.model.declarations import (
    BOOKKEEPING,
    COUPLE,
    N_EVENTS,
    PARTNER,
    STATE,
    Ending,
    Event,
)
from sim.model.parameters import ENV_NAMES, TRAIT_NAMES
from sim.model.rules import alternatives_seen

_alternatives_seen = getattr(alternatives_seen, "py_func", alternatives_seen)
"""The rule as plain Python, for the arrays of new couples: the compiled rule called on
arrays would be compiled again, for arrays, in every process (most of a worker's
start-up)."""

__all__ = ["N_EVENTS", "RANGES", "Ending", "Event", "Params", "State", "initial_state"]


@dataclass
class Params:
    """Parameters of a batch: traits as ``(2, n)`` arrays, environment as ``(n,)`` arrays."""

    traits: dict[str, np.ndarray]
    env: dict[str, np.ndarray]

    @property
    def n(self) -> int:
        """Number of couples."""
        return next(iter(self.env.values())).shape[0]

    def subset(self, idx: np.ndarray) -> Params:
        """The parameters of the couples at ``idx``."""
        return Params(
            {k: v[:, idx] for k, v in self.traits.items()},
            {k: v[idx] for k, v in self.env.items()},
        )

    def check_complete(self) -> None:
        """Raise ``KeyError`` if a registry parameter is missing."""
        missing = [t for t in TRAIT_NAMES if t not in self.traits]
        missing += [e for e in ENV_NAMES if e not in self.env]
        if missing:
            raise KeyError(f"missing parameters: {', '.join(missing)}")


def _state_fields() -> list[tuple[str, type]]:
    names = [v.name for v in STATE] + [name for name, *_ in BOOKKEEPING] + ["counts", "events"]
    return [(name, np.ndarray) for name in names] + [("step", int, field(default=0))]


def _state_doc() -> str:
    partner = ", ".join(v.name for v in STATE if v.scope == PARTNER)
    couple = ", ".join(v.name for v in STATE if v.scope == COUPLE)
    couple += ", " + ", ".join(name for name, *_ in BOOKKEEPING)
    return (
        f"Everything that changes during a run, for ``n`` couples.\n\n"
        f"Partner arrays, shape ``(2, n)``: {partner}.\n\n"
        f"Couple arrays, shape ``(n,)``: {couple}.\n\n"
        "``counts`` (N_EVENTS, 2, n) int64, total events per partner; ``events``\n"
        "(N_EVENTS, 2, n) bool, the events of the last week. ``step``: weeks run.\n"
        "Every variable is declared, with its meaning and range, in\n"
        ":data:`sim.model.declarations.STATE`."
    )


def _n(self) -> int:
    """Number of couples."""
    return self.intimacy.shape[0]


def _arrays(self) -> dict[str, np.ndarray]:
    """Every array of the state by name."""
    return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "step"}


def _repr(self) -> str:
    """A line a reader can take in: couples, week, how many are together, and means."""
    n, together = self.n, int(np.count_nonzero(self.active))
    means = ", ".join(
        f"{name} {float(np.mean(getattr(self, name))):.2f}"
        for name in ("intimacy", "satisfaction", "resentment")
    )
    couples = f"{n:,} couple{'s' if n != 1 else ''}"
    return f"<State of {couples} at week {self.step}: {together:,} together; mean {means}>"


State = make_dataclass(
    "State",
    _state_fields(),
    namespace={
        "n": property(_n),
        "arrays": _arrays,
        "__doc__": _state_doc(),
        "__repr__": _repr,
    },
    module=__name__,
    repr=False,
)

RANGES: dict[str, tuple[float, float]] = {v.name: (v.low, v.high) for v in STATE}
"""Range of every float state variable, by name."""


def initial_state(params: Params) -> State:
    """The state of new couples: they have chosen each other and start hopeful.

    Parameters
    ----------
    params : Params
        Traits and environment of every couple.
    """
    n = params.n
    t = params.traits
    fear, dep = t["intimacy_fear"], t["dependency"]
    # Chemistry: intensity seeking and complementary deficits (a dependent partner
    # with a self-focused one) make a strong start that fades (PDR; BHR).
    complement = np.sqrt(dep[0] * t["narcissism"][1]) + np.sqrt(dep[1] * t["narcissism"][0])
    chemistry = np.clip(0.5 * t["intensity_seeking"].mean(axis=0) + 0.5 * complement, 0, 1)

    def partner(value) -> np.ndarray:
        return np.broadcast_to(np.asarray(value, dtype=np.float64), (2, n)).copy()

    def couple(value, dtype=np.float64) -> np.ndarray:
        return np.full(n, value, dtype=dtype)

    return State(
        capability=t["capability"].copy(),
        stress=partner(0.1),
        goodwill=partner(0.6 + 0.4 * t["responsiveness"]),
        satisfaction=partner(0.8),
        resentment=partner(0.0),
        trust=partner(0.5),
        autonomy=partner(1.0 - 0.5 * dep),
        commitment=partner(0.7),
        self_regard=partner(0.7),
        acceptance=partner(0.3 + 0.6 * dep),
        disclosed=partner(0.3 * (1.0 - fear)),
        care=partner(0.3),
        ledger=partner(0.0),
        escalation=partner(0.0),
        direction=partner(0.5),
        sprint=partner(0.0),
        help_recent=partner(0.0),
        below=partner(0.0),
        last_fix=partner(0.0),
        help_given=partner(0.0),
        capability0=t["capability"].copy(),
        investment=partner(0.15),
        alternative_quality=partner(
            _alternatives_seen(params.env["alternatives"], t["narcissism"], dep) * (1.0 - 0.3 * 0.7)
        ),
        idealization=partner(0.6),
        intimacy=couple(0.45),
        effort=couple(0.3),
        chemistry=chemistry,
        shared=couple(0.0),
        conflict_recent=couple(0.0),
        coercion_recent=couple(0.0),
        demand_recent=couple(0.0),
        strain=couple(0.2),
        positive_recent=couple(0.0),
        negative_recent=couple(0.0),
        weeks=couple(0, np.int64),
        active=couple(True, bool),
        step_ended=couple(-1, np.int64),
        ending=couple(Ending.TOGETHER, np.int8),
        counts=np.zeros((N_EVENTS, 2, n), dtype=np.int64),
        events=np.zeros((N_EVENTS, 2, n), dtype=bool),
    )
