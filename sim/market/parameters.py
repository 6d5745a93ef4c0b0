"""The market's parameters: one registry, like the couple's, read by every face.

Market parameters (``market.<name>``) say how people meet, choose and part; population
parameters (``pop.<trait>``) give the mean of each trait's distribution in the
population. The couple's environment (``env.<name>``) comes from the couple registry
(:mod:`sim.model.parameters`) and applies to every couple the market forms.
"""

from __future__ import annotations

from collections.abc import Mapping

from sim.model import parameters as reg
from sim.model.parameters import Parameter, ParameterError


def _m(name, default, low, high, unit, meaning, source, integer=False) -> Parameter:
    return Parameter(name, "market", default, low, high, unit, meaning, source, integer)


MARKET: tuple[Parameter, ...] = (
    _m("size", 500, 2, 1_000_000, "people", "people in the market", "", integer=True),
    _m(
        "chemistry_weight",
        0.5,
        0.0,
        1.0,
        "0-1",
        "weight of chemistry (complementary deficits, intensity) against compatibility "
        "in attraction, for a person who seeks no intensity",
        "PDR, BHR",
    ),
    _m(
        "desirability_weight",
        0.9,
        0.0,
        1.0,
        "0-1",
        "weight of the candidate's desirability, which everyone perceives alike, against "
        "the pair's own chemistry and compatibility in a candidate's appeal",
        "Kalick and Hamilton 1986; Feingold 1988",
    ),
    _m(
        "meetings",
        2,
        1,
        20,
        "1/week",
        "meetings a single person has with candidates each week",
        "Kalick and Hamilton 1986",
        integer=True,
    ),
    _m(
        "choosiness",
        2.0,
        0.0,
        10.0,
        "exponent",
        "acceptance is attraction raised to this power at the start of a search",
        "Kalick and Hamilton 1986",
    ),
    _m(
        "relax_weeks",
        104,
        1,
        1040,
        "weeks",
        "weeks single after which a person accepts almost anyone",
        "Kalick and Hamilton 1986",
        integer=True,
    ),
    _m(
        "recovery",
        13,
        0,
        520,
        "weeks",
        "weeks after an ending before a person meets candidates again",
        "PDR",
        integer=True,
    ),
    _m(
        "alternatives_gain",
        1.0,
        0.0,
        1.0,
        "0-1",
        "how much noticing people more attractive than one's partner raises alternatives",
        "Rusbult; Le and Agnew 2003",
    ),
    _m(
        "growth_step",
        0.2,
        0.0,
        1.0,
        "0-1",
        "share of a deficit a healthy ending resolves (capability gap, dependency, narcissism)",
        "PDR",
    ),
    _m(
        "trait_spread",
        0.45,
        0.01,
        0.99,
        "0-1",
        "spread of each trait around its population mean (sd over the largest possible sd)",
        "",
    ),
)
"""Market parameters, by name ``market.<name>``."""

MARKET_REGISTRY: dict[str, Parameter] = {p.name: p for p in MARKET}
MARKET_NAMES: tuple[str, ...] = tuple(MARKET_REGISTRY)


def market_defaults() -> dict[str, float]:
    """Default value of every market parameter."""
    return {p.name: p.default for p in MARKET}


def population_defaults() -> dict[str, float]:
    """Default population mean of every trait: the couple registry's default."""
    return reg.trait_defaults()


def validate_market(values: Mapping[str, object], where: str = "market.") -> dict[str, float]:
    """Check a partial mapping of market values; return it with defaults filled in."""
    return reg.validate_partial(
        values, MARKET_REGISTRY, MARKET_NAMES, market_defaults(), "market parameter", where
    )


def validate_population(values: Mapping[str, object], where: str = "pop.") -> dict[str, float]:
    """Check a partial mapping of trait means; return it with defaults filled in."""
    return reg.validate_traits(values, where)


def qualified_names() -> tuple[str, ...]:
    """Every name a market sweep may use: ``market.*``, ``pop.<trait>``, ``env.*``."""
    return (
        tuple(f"market.{n}" for n in MARKET_NAMES)
        + tuple(f"pop.{t}" for t in reg.TRAIT_NAMES)
        + tuple(f"env.{e}" for e in reg.ENV_NAMES)
    )


def lookup(qualified: str) -> Parameter:
    """The parameter behind ``market.<name>``, ``pop.<trait>`` or ``env.<name>``.

    Raises
    ------
    ParameterError
        If the prefix or the name is unknown.
    """
    prefix, _, name = qualified.partition(".")
    if prefix == "market" and name in MARKET_REGISTRY:
        return MARKET_REGISTRY[name]
    if prefix == "pop" and name in reg.TRAIT_NAMES:
        return reg.REGISTRY[name]
    if prefix == "env" and name in reg.ENV_NAMES:
        return reg.REGISTRY[name]
    raise ParameterError(
        qualified,
        "unknown market parameter; expected market.<name>, pop.<trait> or env.<name> with "
        f"name one of {', '.join(MARKET_NAMES)} (market), trait one of "
        f"{', '.join(reg.TRAIT_NAMES)}, or an environment name",
    )
