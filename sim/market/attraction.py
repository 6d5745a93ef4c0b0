"""How one person judges a candidate: chemistry, compatibility and their mix.

Chemistry is the pull that feels like destiny (What Are "Personal Development
Relationships"?; Building Healthy Relationships): complementary deficits, a dependent
person drawn to a self-focused "helper" who casts them as a project and the other way
round, and intensity seekers drawn to each other's volatility. Compatibility is fit:
similar development (capability), matched give-and-take (reciprocity) and a similar
pace of growth (Building Healthy Relationships; Growing Apart Isn't the Problem).

A person's attraction to a candidate mixes the two with a personal weight: the
market's ``chemistry_weight`` for a person who seeks no more intensity than the
registry default, rising to 1 for one who seeks it fully.

Beside what is particular to a pair, every candidate has a desirability (physical
attractiveness) that everyone perceives alike (Feingold 1988). A candidate's appeal
mixes the pair's attraction with the candidate's desirability, weighted by the market's
``desirability_weight``. Acceptance follows Kalick and Hamilton (1986): appeal raised to
a power that falls as time single goes by. One's own desirability enters nobody's rule
for oneself; it decides who accepts one, so the desirable are accepted sooner, pair off
with each other and leave the rest to each other, as in Kalick and Hamilton's
attractiveness rule.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sim.model import parameters as reg

Traits = Mapping[str, np.ndarray]

MIN_EXPONENT = 1.0 / 50.0
"""Smallest acceptance exponent, as at Kalick and Hamilton's 50th date."""


def chemistry(ti: Traits, tj: Traits) -> np.ndarray:
    """Chemistry of pairs (i, j), elementwise; symmetric, in [0, 1].

    ``0.5 sqrt(int_i int_j) + 0.5 (sqrt(dep_i narc_j) + sqrt(narc_i dep_j))``: the
    form of the engine's initial couple chemistry (``initial_state``), with the
    intensity of both partners taken as their geometric mean, so that a pair is
    drawn by intensity only when both seek it.
    """
    intensity = np.sqrt(ti["intensity_seeking"] * tj["intensity_seeking"])
    complement = np.sqrt(ti["dependency"] * tj["narcissism"]) + np.sqrt(
        ti["narcissism"] * tj["dependency"]
    )
    return np.clip(0.5 * intensity + 0.5 * complement, 0.0, 1.0)


def compatibility(ti: Traits, tj: Traits) -> np.ndarray:
    """Compatibility of pairs (i, j), elementwise; symmetric, in [0, 1].

    ``(1 - |cap_i - cap_j|) (1 - |recip_i - recip_j|) (1 - 0.5 |growth_i - growth_j|)``:
    similar development, matched reciprocity, and growth at a similar pace.
    """
    return (
        (1.0 - np.abs(ti["capability"] - tj["capability"]))
        * (1.0 - np.abs(ti["reciprocity"] - tj["reciprocity"]))
        * (1.0 - 0.5 * np.abs(ti["growth"] - tj["growth"]))
    )


def chemistry_weight(ti: Traits, market_weight: float) -> np.ndarray:
    """Each person's weight of chemistry: ``w + (1 - w) s`` with ``s`` the intensity
    seeking above the registry default, rescaled to [0, 1]."""
    base = reg.REGISTRY["intensity_seeking"].default
    s = np.clip((ti["intensity_seeking"] - base) / (1.0 - base), 0.0, 1.0)
    return market_weight + (1.0 - market_weight) * s


def attraction(ti: Traits, tj: Traits, market_weight: float) -> np.ndarray:
    """How attractive candidate j is to person i, elementwise, in [0, 1]."""
    w = chemistry_weight(ti, market_weight)
    return w * chemistry(ti, tj) + (1.0 - w) * compatibility(ti, tj)


def appeal(attract: np.ndarray, desirability: np.ndarray, weight: float) -> np.ndarray:
    """Appeal of candidates to a person: ``(1 - weight) attract + weight desirability``.

    ``attract`` is the pair's own attraction (:func:`attraction`) and ``desirability``
    the candidate's, which every person perceives alike; both in [0, 1].
    """
    return (1.0 - weight) * attract + weight * desirability


def acceptance(
    attract: np.ndarray, weeks_single: np.ndarray, choosiness: float, relax_weeks: float
) -> np.ndarray:
    """Chance of accepting: ``attract ** (choosiness * max(1 - t / relax, 1/50))``.

    ``attract`` is the candidate's appeal (:func:`appeal`).

    The longer one has been single (``t`` weeks), the less choosy one is; past
    ``relax_weeks`` the exponent stays at its floor of 1/50, as at Kalick and
    Hamilton's 50th date, where almost any candidate is accepted.
    """
    relax = np.maximum(1.0 - weeks_single / relax_weeks, MIN_EXPONENT)
    return np.power(attract, choosiness * relax)
