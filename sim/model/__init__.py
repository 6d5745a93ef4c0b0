"""The relationship model: declarations, rules, the compiled engine, outcomes, Mesa face."""

DEFAULT_STEPS = 520
"""Weeks a run lasts unless told otherwise: ten years."""

RESULT_MODULES: tuple[str, ...] = (
    "sim.model.parameters",
    "sim.model.declarations",
    "sim.model.state",
    "sim.model.randomness",
    "sim.model.rules",
    "sim.hashing",
    "sim.model.week",
    "sim.model.layout",
    "sim.model.kernel",
    "sim.model.engine",
    "sim.model.outcomes",
)
"""The modules whose code decides a run's results: the registry, the declarations, the
rules, the engine and the outcomes. The results fingerprint covers exactly these."""
