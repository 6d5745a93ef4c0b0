"""The people of a market: traits drawn from documented distributions, or given.

Each trait of each person is drawn from a Beta distribution whose mean is the
population mean of that trait (``pop.<trait>``, the couple registry's default unless
set) and whose spread is ``market.trait_spread``: the standard deviation over the
largest a distribution of that mean could have, ``sqrt(m (1 - m))``. A Beta of mean
``m`` and concentration ``k`` has variance ``m (1 - m) / (k + 1)``, so
``k = 1 / spread**2 - 1``. A mean of exactly 0 or 1 gives everyone that value. Draws
are counter-based: person ``i``'s value of trait ``t`` depends only on the market key,
``t`` and ``i``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.special import betaincinv

from sim.market import draws
from sim.model import parameters as reg


def draw_traits(
    key: np.uint64, n: int, means: Mapping[str, float], spread: float
) -> dict[str, np.ndarray]:
    """Traits of ``n`` people: one Beta draw per person and trait.

    Parameters
    ----------
    key : uint64
        The market key.
    n : int
        Number of people.
    means : mapping of str to float
        Population mean of every trait (see :func:`sim.market.parameters.validate_population`).
    spread : float
        Standard deviation over ``sqrt(m (1 - m))``, in (0, 1).
    """
    ids = np.arange(n, dtype=np.uint64)
    k = 1.0 / spread**2 - 1.0
    out = {}
    for i, name in enumerate(reg.TRAIT_NAMES):
        m = float(means[name])
        if m <= 0.0 or m >= 1.0:
            out[name] = np.full(n, m)
            continue
        u = draws.uniform(key, 0, draws.SLOT_TRAITS + i, ids)
        out[name] = betaincinv(m * k, (1.0 - m) * k, u)
    return out


def given_traits(traits: Mapping[str, object], n: int) -> dict[str, np.ndarray]:
    """Traits given explicitly: scalars or arrays of length ``n``; defaults fill the rest.

    Raises
    ------
    ParameterError
        For an unknown trait, a wrong length or a value out of range.
    """
    out = {}
    for name in traits:
        if name not in reg.TRAIT_NAMES:
            raise reg.ParameterError(
                f"traits.{name}", f"unknown trait; expected one of {', '.join(reg.TRAIT_NAMES)}"
            )
    for name in reg.TRAIT_NAMES:
        value = traits.get(name, reg.REGISTRY[name].default)
        arr = reg.validate_array(name, value, "traits.")
        if arr.ndim > 0 and arr.shape != (n,):
            raise reg.ParameterError(
                f"traits.{name}", f"expected one value per person ({n}), got shape {arr.shape}"
            )
        out[name] = np.broadcast_to(arr, (n,)).astype(np.float64).copy()
    return out
