"""The partner market: a population of people who meet, pair, part and pair again.

Couples run on the same engine as every couple (:mod:`sim.model`); the market adds
who meets whom, who accepts whom (a desirability everyone perceives alike beside the
pair's chemistry and compatibility, M10), what an ending leaves (a growth step or a
reset, M11), the assortment on attractiveness it produces (V10), and Kalick and
Hamilton's (1986) dating market as a built-in check (V11).
"""

from sim.market.assortment import (
    attractiveness_correlation,
    attractiveness_pairs,
    kalick_hamilton_correlations,
)
from sim.market.history import (
    desirability_correlation,
    desirability_pairs,
    person_history,
    person_rows,
    relationship_table,
    summary,
)
from sim.market.kalick_hamilton import KHResult, kalick_hamilton
from sim.market.market import Market, Settings
from sim.market.mesa_model import PartnerMarket, PersonAgent

RESULT_MODULES: tuple[str, ...] = (
    "sim.market.parameters",
    "sim.market.draws",
    "sim.market.population",
    "sim.market.attraction",
    "sim.market.records",
    "sim.market.market",
    "sim.market.history",
)
"""The modules of the market whose code decides a market run's results: its registry,
draws, population, attraction, the market loop, its records and the summaries. A
market's results fingerprint covers these and ``sim.model.RESULT_MODULES``."""

__all__ = [
    "RESULT_MODULES",
    "KHResult",
    "Market",
    "PartnerMarket",
    "PersonAgent",
    "Settings",
    "attractiveness_correlation",
    "attractiveness_pairs",
    "desirability_correlation",
    "desirability_pairs",
    "kalick_hamilton_correlations",
    "person_history",
    "kalick_hamilton",
    "person_rows",
    "relationship_table",
    "summary",
]
