"""Run a validation: simulate the populations the targets name, run the market, check.

Each population named by a target is drawn and simulated once, with couple keys from
the validation's seed and the population's name, for ten years, recording the series
the measures read every 52 weeks. Each target's measure is then computed and checked
against its criteria. A measure that needs a metric or series this model does not
record, or a market measure this version lacks, gives no value and the target is not
met; the outcome says why.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.errors import InputError
from sim.model.engine import simulate
from sim.model.outcomes import SERIES
from sim.model.randomness import couple_keys
from sim.validation import FULL_COUPLES, QUICK_COUPLES
from sim.validation.couples import WEEKS_PER_YEAR, Couples, MissingData, from_simulation
from sim.validation.measures import MEASURES, MarketProvider, Measured
from sim.validation.targets import Target

YEARS = 10
"""Years every population is run."""

SERIES_READ: tuple[str, ...] = (
    "together",
    "satisfaction_a",
    "satisfaction_b",
    "commitment_a",
    "commitment_b",
    "alternative_quality_a",
    "alternative_quality_b",
    "investment_a",
    "investment_b",
)
"""Series the measures read, recorded when the model offers them."""

PopulationLoader = Callable[[str], object]
"""``load(name)`` gives an object whose ``draw(keys)`` returns the couples' Params."""


@dataclass(frozen=True)
class Settings:
    """How a validation runs.

    Attributes
    ----------
    seed : int
        Root seed: every couple's key and the market's draws come from it.
    quick : bool
        A quick run: :data:`QUICK_COUPLES` couples a population and the market's quick
        configuration.
    couples : int or None
        Couples per population (default by ``quick``).
    """

    seed: int = 1
    quick: bool = False
    couples: int | None = None

    @property
    def n(self) -> int:
        """Couples per population."""
        if self.couples is not None:
            return self.couples
        return QUICK_COUPLES if self.quick else FULL_COUPLES

    @property
    def weeks(self) -> int:
        """Weeks every couple is run."""
        return YEARS * WEEKS_PER_YEAR


@dataclass(frozen=True)
class Check:
    """One component of a target, checked.

    Attributes
    ----------
    value : float
        The model's value (NaN when it could not be computed).
    met : bool
        Whether it meets the criterion.
    miss : float
        How far outside the allowed values it is (0 when met).
    """

    value: float
    met: bool
    miss: float


@dataclass(frozen=True)
class Outcome:
    """One target, checked against the model.

    Attributes
    ----------
    target : Target
        The target.
    checks : dict of str to Check
        Each component of its measure, checked.
    measured : Measured or None
        What the measure gave (None when it could not be computed).
    error : str
        Why it could not be computed (empty otherwise).
    seconds : float
        Time taken by the measure (the market's run included).
    """

    target: Target
    checks: Mapping[str, Check]
    measured: Measured | None = None
    error: str = ""
    seconds: float = 0.0

    @property
    def met(self) -> bool:
        """Whether every component meets its criterion."""
        return not self.error and all(c.met for c in self.checks.values())


@dataclass
class Validation:
    """What a validation gave.

    Attributes
    ----------
    settings : Settings
        How it ran.
    outcomes : list of Outcome
        Each target, checked, in the file's order.
    couples : dict of str to Couples
        The simulated couples of each population.
    seconds : dict of str to float
        Time taken by each population's run and in all (``total``).
    market_pairs : (ndarray, ndarray) or None
        Both partners' attractiveness in every couple the partner market formed, for
        the scatter of the page (None when the market offers none).
    """

    settings: Settings
    outcomes: list[Outcome]
    couples: dict[str, Couples] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    market_pairs: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def met(self) -> bool:
        """Whether every target is met."""
        return all(o.met for o in self.outcomes)

    def failing(self) -> list[Outcome]:
        """The targets not met."""
        return [o for o in self.outcomes if not o.met]


def population_seed(seed: int, name: str) -> int:
    """The root seed of one population's couples: from the validation's seed and the
    population's name, so that populations draw independent couples."""
    ss = np.random.SeedSequence([int(seed), zlib.crc32(name.encode("utf-8"))])
    return int(ss.generate_state(1, dtype=np.uint64)[0])


def default_loader() -> PopulationLoader:
    """:func:`sim.population.load_population`."""
    from sim.population import load_population

    return load_population


def default_market() -> MarketProvider:
    """:mod:`sim.market.assortment`."""
    from sim.market import assortment

    return assortment


def simulate_population(
    name: str, n: int, seed: int, weeks: int = YEARS * WEEKS_PER_YEAR, load=None
) -> Couples:
    """Draw ``n`` couples of population ``name`` and run them for ``weeks`` weeks.

    Couple ``i``'s key is :func:`~sim.model.randomness.couple_keys` of
    :func:`population_seed`; its traits are drawn from the population by that key, so
    the couples depend on the seed and ``n`` only.
    """
    load = load or default_loader()
    keys = couple_keys(population_seed(seed, name), n)
    params = load(name).draw(keys)
    series = [s for s in SERIES_READ if s in SERIES]
    sim = simulate(params, keys, steps=weeks, record_every=WEEKS_PER_YEAR, series=series)
    return from_simulation(sim, weeks, population=name, params=params)


def populations_of(targets: Sequence[Target]) -> list[str]:
    """The populations the couples measures of ``targets`` name, in order of first use."""
    names = [t.population for t in targets if MEASURES[t.measure].data == "couples"]
    return list(dict.fromkeys(names))


def check(target: Target, measured: Measured) -> dict[str, Check]:
    """Each component of ``measured`` against the target's criterion."""
    out = {}
    for name, crit in target.criteria.items():
        value = float(measured.values[name])
        met, miss = crit.check(value)
        out[name] = Check(value, met, miss)
    return out


def _unmet(target: Target, error: str, seconds: float = 0.0) -> Outcome:
    nan = Check(float("nan"), False, float("nan"))
    return Outcome(target, dict.fromkeys(target.criteria, nan), None, error, seconds)


def evaluate(
    target: Target,
    couples: Mapping[str, Couples],
    settings: Settings,
    market: MarketProvider | None = None,
) -> Outcome:
    """Compute one target's measure and check it.

    A measure that needs what the model does not record, or the market measures when
    ``market`` is None, gives an :class:`Outcome` with ``error`` set and not met.
    """
    measure = MEASURES[target.measure]
    start = time.perf_counter()
    try:
        if measure.data == "market":
            if market is None:
                return _unmet(
                    target,
                    "the partner market's assortment measures (sim.market.assortment) are "
                    "not in this version of relsim",
                )
            measured = measure.function(market, settings.seed, settings.quick, **target.args)
        else:
            measured = measure.function(couples[target.population], **target.args)
    except MissingData as err:
        return _unmet(target, str(err), time.perf_counter() - start)
    except ValueError as err:  # arguments the run cannot answer (more years than it ran)
        raise InputError(target.file, f"{target.key}.args", str(err)) from None
    seconds = time.perf_counter() - start
    return Outcome(target, check(target, measured), measured, "", seconds)


def run_validation(
    targets: Sequence[Target],
    settings: Settings,
    load: PopulationLoader | None = None,
    market: MarketProvider | None | str = "default",
    progress: Callable[[str], None] | None = None,
) -> Validation:
    """Simulate every population the targets name, run the market, check every target.

    Parameters
    ----------
    targets : sequence of Target
        From :func:`~sim.validation.targets.load_targets`.
    settings : Settings
        Seed, quick or full, couples.
    load : callable, optional
        Population loader (default :func:`sim.population.load_population`).
    market : MarketProvider or None, optional
        The partner market's measures (default :mod:`sim.market.assortment`); None
        leaves the market targets unmet.
    progress : callable, optional
        Called with a line of text as each step begins.
    """
    say = progress or (lambda text: None)
    if isinstance(market, str):
        market = default_market()
    load = load or default_loader()
    names = populations_of(targets)
    for name in names:
        load(name)  # an unknown population fails before anything runs
    started = time.perf_counter()
    couples, seconds = {}, {}
    for name in names:
        say(f"simulating {settings.n:,} {name} couples for {settings.weeks} weeks")
        t0 = time.perf_counter()
        couples[name] = simulate_population(name, settings.n, settings.seed, settings.weeks, load)
        seconds[name] = time.perf_counter() - t0
    outcomes = []
    for target in targets:
        if MEASURES[target.measure].data == "market" and market is not None:
            say(f"running the partner market for {target.id}")
        outcomes.append(evaluate(target, couples, settings, market))
    seconds["market"] = sum(
        o.seconds for o in outcomes if MEASURES[o.target.measure].data == "market"
    )
    pairs = None
    wants_pairs = any(t.measure == "market_attractiveness" for t in targets)
    if wants_pairs and market is not None and hasattr(market, "attractiveness_pairs"):
        say("running the partner market again for the scatter of partners' attractiveness")
        t0 = time.perf_counter()
        a, b = market.attractiveness_pairs(settings.seed, settings.quick)
        pairs = (np.asarray(a, dtype=float), np.asarray(b, dtype=float))
        seconds["market_pairs"] = time.perf_counter() - t0
    seconds["total"] = time.perf_counter() - started
    return Validation(settings, outcomes, couples, seconds, pairs)
