"""Validation: does a population of simulated couples behave like real couples?

``validation/targets.toml`` lists published findings (how many marriages end within
five years, how the hazard of ending moves with the years, the investment model's
correlations...) with their sources and tolerances. This package computes each
target's measure from simulated couples and the partner market and checks it:

- :mod:`sim.validation.couples`: simulated couples as the measures read them;
- :mod:`sim.validation.measures`: the measures, pure functions of those couples;
- :mod:`sim.validation.targets`: the targets file, read and checked strictly;
- :mod:`sim.validation.run`: simulate the populations and the market, check each target;
- :mod:`sim.validation.survival`: Kaplan-Meier survival curves of a population's couples;
- :mod:`sim.validation.figures`: the figures of the validation page;
- :mod:`sim.validation.report`: the printed table and ``validation.json``;
- :mod:`sim.validation.page`: ``index.html``.

``relsim validate`` (:mod:`sim.cli.cmd_validate`) runs it all.
"""

QUICK_COUPLES = 3_000
"""Couples per population of ``relsim validate --quick``."""

FULL_COUPLES = 20_000
"""Couples per population of a full validation."""
