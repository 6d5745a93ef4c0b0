"""The people of a market: traits drawn from documented distributions, or given.

Each trait of each person is drawn from a Beta distribution whose mean is the
population mean of that trait (``pop.<trait>``, the couple registry's default unless
set) and whose spread is ``market.trait_spread``: the standard deviation over the
largest a distribution of that mean could have, ``sqrt(m (1 - m))``. A Beta of mean
``m`` and concentration ``k`` has variance ``m (1 - m) / (k + 1)``, so
``k = 1 / spread**2 - 1``. A mean of exactly 0 or 1 gives everyone that value. Draws
are counter-based: person ``i``'s value of trait ``t`` depends only on the market key,
``t`` and ``i``.

Each person's **desirability** (physical attractiveness as everyone perceives it alike)
is their rank in the market as a share: a uniform draw on [0, 1] (slot
:data:`sim.market.draws.SLOT_DESIRABILITY`), like the uniform scores 1 to 10 of Kalick
and Hamilton (1986). Ratings of attractiveness have no natural unit, and everyone
perceiving them alike means that only ranks matter, so the rank is the scale. It is
drawn when the person enters the market and fixed for their life in it.
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


def draw_desirability(key: np.uint64, n: int) -> np.ndarray:
    """Desirability of ``n`` people: one uniform draw on [0, 1) each."""
    return draws.uniform(key, 0, draws.SLOT_DESIRABILITY, np.arange(n, dtype=np.uint64))


def given_desirability(values: object, n: int) -> np.ndarray:
    """Desirability given explicitly: a scalar or one value per person, each in [0, 1].

    Raises
    ------
    ParameterError
        For a value that is not a number in [0, 1], or a wrong length.
    """
    arr = np.asarray(values)
    numeric = np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    if arr.dtype == bool or not numeric:
        raise reg.ParameterError("desirability", f"expected numbers in [0, 1], got {arr.dtype}")
    arr = arr.astype(np.float64)
    if np.isnan(arr).any() or (arr < 0.0).any() or (arr > 1.0).any():
        raise reg.ParameterError("desirability", "expected numbers in [0, 1]")
    if arr.ndim > 0 and arr.shape != (n,):
        raise reg.ParameterError(
            "desirability", f"expected one value per person ({n}), got shape {arr.shape}"
        )
    return np.broadcast_to(arr, (n,)).copy()


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
