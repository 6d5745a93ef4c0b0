"""Assortment on attractiveness: the market's V10 and Kalick and Hamilton's V11.

Real partners resemble each other in physical attractiveness: over 27 samples the
within-couple correlation is about 0.39 (Feingold 1988, V10). The market reaches it
without anyone seeking a similar partner: everyone finds the desirable more appealing
(:func:`sim.market.attraction.appeal`), so the desirable are accepted sooner, pair off
with each other and leave the rest to each other, while the pair's own chemistry and
compatibility keep the match loose. Kalick and Hamilton's (1986) dating market
(:mod:`sim.market.kalick_hamilton`) is the same competition with desirability alone
(V11: about 0.61 under the attractiveness rule, 0.83 under the matching rule).

The functions here run those markets at fixed sizes and return the correlations, for
a validation command and a results page to call.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sim.market import draws, history
from sim.market.kalick_hamilton import kalick_hamilton
from sim.market.market import Market, Settings

FULL_PEOPLE, FULL_WEEKS = 10_000, 520
"""A full run: the default market at 10,000 people for ten years (about 7,000 couples)."""

QUICK_PEOPLE, QUICK_WEEKS = 2_000, 260
"""A quick run: the default market at 2,000 people for five years (about 1,200 couples)."""

KH_RULES = ("attractiveness", "matching")
"""Kalick and Hamilton's acceptance rules whose correlations V11 checks."""

KH_REPLICATES, KH_QUICK_REPLICATES = 40, 10
"""Runs of Kalick and Hamilton's market averaged, full and quick."""

KH_BLOCK = 1000
"""Replicate ``k`` of seed ``s`` runs Kalick and Hamilton's market at seed ``s * KH_BLOCK + k``."""


def default_market(
    seed: int = 0, quick: bool = False, market: Mapping[str, object] | None = None
) -> Market:
    """Run the default market, at the size and for the weeks of a full or a quick run.

    Parameters
    ----------
    seed : int
        Seed of the market (:func:`sim.market.draws.market_key`).
    quick : bool
        :data:`QUICK_PEOPLE` for :data:`QUICK_WEEKS`, else :data:`FULL_PEOPLE` for
        :data:`FULL_WEEKS`. The size changes how many couples there are, not the rules:
        meetings pair the singles of the whole market at random.
    market : mapping, optional
        Market parameters to change from their defaults (``size`` included).

    Raises
    ------
    ParameterError
        For an unknown market parameter or a value out of range.
    """
    people, weeks = (QUICK_PEOPLE, QUICK_WEEKS) if quick else (FULL_PEOPLE, FULL_WEEKS)
    settings = Settings.build({"size": people, **dict(market or {})})
    return Market(settings, draws.market_key(seed)).run(weeks)


def attractiveness_correlation(
    seed: int = 0, quick: bool = False, market: Mapping[str, object] | None = None
) -> float:
    """Within-couple correlation of desirability over the couples a default market formed.

    Parameters are those of :func:`default_market`; the correlation is read from the
    market's relationship records (:func:`sim.market.history.desirability_correlation`).
    """
    return history.desirability_correlation(default_market(seed, quick, market))


def attractiveness_pairs(
    seed: int = 0, quick: bool = False, market: Mapping[str, object] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Both partners' desirability in every couple a default market formed, for a scatter
    plot (:func:`sim.market.history.desirability_pairs`)."""
    return history.desirability_pairs(default_market(seed, quick, market))


def kalick_hamilton_correlations(seed: int = 0, quick: bool = False) -> dict[str, float]:
    """Mean correlation of partners' attractiveness in Kalick and Hamilton's market, by rule.

    Each rule of :data:`KH_RULES` is run :data:`KH_REPLICATES` times
    (:data:`KH_QUICK_REPLICATES` when ``quick``) at seeds ``seed * KH_BLOCK + k``; a
    quick run's replicates are the first of the full run's. The correlation of one run
    of 1,000 people varies by about 0.03 from seed to seed, more than V11's tolerance
    allows for a single run, so the mean of runs is what is compared with the paper.
    """
    n = KH_QUICK_REPLICATES if quick else KH_REPLICATES
    seeds = [int(seed) * KH_BLOCK + k for k in range(n)]
    return {
        rule: float(np.mean([kalick_hamilton(rule=rule, seed=s).correlation for s in seeds]))
        for rule in KH_RULES
    }
