"""The parameter registry: every trait and environment parameter, declared once.

Validation, scenario loading, experiment factors, CLI help, the app's sliders and the
parameter table in ``docs/ODD.md`` all read this module. Nothing else lists parameters.

Sources are named by article title (see ``docs/ODD.md`` for the list):

- PDR: "What Are Personal Development Relationships?"
- GAP: "Growing Apart Isn't the Problem"
- BHR: "Building Healthy Relationships"
- WLF: "When Love Fails"
- BIS: "Balancing Independence and Support"
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

PARTNERS = ("a", "b")
"""Names of the two partners of a couple, in array order."""

MAIN_TRAITS = ("dependency", "narcissism", "growth", "reciprocity")
"""The four traits every plot, app and sweep offers first."""


@dataclass(frozen=True)
class Parameter:
    """One declared parameter.

    Attributes
    ----------
    name : str
        Identifier, as written in scenario and experiment files.
    scope : str
        ``"trait"`` (one value per partner) or ``"env"`` (one value per couple).
    default : float
        Value taken when a file does not name the parameter.
    low, high : float
        Inclusive range of valid values.
    unit : str
        Unit of the value (``"0-1"`` for a trait level, ``"1/week"`` for a rate).
    meaning : str
        One-line meaning.
    source : str
        Article(s) the parameter comes from, by short title.
    integer : bool
        True when only whole numbers are valid.
    """

    name: str
    scope: str
    default: float
    low: float
    high: float
    unit: str
    meaning: str
    source: str
    integer: bool = False

    def check(self, value: object, where: str = "") -> float:
        """Return ``value`` as a float, or raise :class:`ParameterError` naming it."""
        label = f"{where}{self.name}"
        expected = (
            f"{'an integer' if self.integer else 'a number'} in [{self.low:g}, {self.high:g}]"
        )
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ParameterError(
                label, f"expected {expected}, got {type(value).__name__} {value!r}"
            )
        try:
            x = float(value)
        except OverflowError:
            raise ParameterError(label, f"expected {expected}, got a number too large") from None
        if math.isnan(x):
            raise ParameterError(label, f"expected {expected}, got NaN")
        if not self.low <= x <= self.high:
            raise ParameterError(label, f"expected {expected}, got {x:g}")
        if self.integer and x != int(x):
            raise ParameterError(label, f"expected {expected}, got {x:g}")
        return x


class ParameterError(ValueError):
    """An invalid parameter: unknown name, wrong type, out of range or NaN."""

    def __init__(self, name: str, message: str):
        self.name = name
        super().__init__(f"{name}: {message}")


def _t(name, default, meaning, source, low=0.0, high=1.0, unit="0-1"):
    return Parameter(name, "trait", default, low, high, unit, meaning, source)


def _e(name, default, low, high, unit, meaning, source, integer=False):
    return Parameter(name, "env", default, low, high, unit, meaning, source, integer)


TRAITS: tuple[Parameter, ...] = (
    _t(
        "dependency",
        0.3,
        "relies on the partner to meet needs and solve problems rather than handling them",
        "PDR, BIS",
    ),
    _t(
        "narcissism",
        0.2,
        "self-focus; casts self as the more evolved one and the partner as a project",
        "PDR, BIS",
    ),
    _t("growth", 0.5, "pace of individual development, in sprints and rests", "GAP"),
    _t(
        "reciprocity",
        0.6,
        "gives back in proportion to what was received; matches the partner's disclosure",
        "BHR, BIS",
    ),
    _t(
        "capability",
        0.5,
        "initial self-sufficiency: the size of problem one can handle alone",
        "BHR, WLF, BIS",
    ),
    _t(
        "intimacy_fear",
        0.2,
        "fear of closeness; caps disclosure and drives effort that stands in for it",
        "PDR",
    ),
    _t(
        "scorekeeping",
        0.2,
        "keeps a ledger of given versus received; help on condition",
        "GAP, BIS",
    ),
    _t(
        "rigidity",
        0.2,
        "convictions held as identity; a suggestion to change feels a threat",
        "GAP",
    ),
    _t("expectation", 0.3, "care one believes one is owed without asking", "BIS, BHR"),
    _t(
        "responsiveness",
        0.6,
        "notices needs before being asked; celebrates the partner's good news",
        "BIS, BHR",
    ),
    _t("openness", 0.6, "willingness and ability to change when asked for more depth", "WLF"),
    _t(
        "assertiveness",
        0.5,
        "asks clearly for what one wants and accepts a no without pressing",
        "BHR",
    ),
    _t(
        "intensity_seeking",
        0.2,
        "attraction to volatility and chemistry over compatibility",
        "BHR, PDR",
    ),
)

ENVIRONMENT: tuple[Parameter, ...] = (
    _e(
        "problem_rate", 0.5, 0.0, 1.0, "1/week", "chance a partner meets a problem in a week", "BIS"
    ),
    _e("problem_size", 0.4, 0.0, 1.0, "0-1", "mean size of a problem", "BIS, BHR"),
    _e("problem_spread", 0.3, 0.0, 1.0, "0-1", "spread of problem sizes around the mean", "BIS"),
    _e(
        "achievement_rate",
        0.08,
        0.0,
        1.0,
        "1/week",
        "chance a partner has good news to share in a week",
        "BHR",
    ),
    _e(
        "trial_rate",
        0.01,
        0.0,
        0.5,
        "1/week",
        "chance a partner meets a major trial (illness, loss) in a week",
        "BHR",
    ),
    _e(
        "learning_rate",
        0.01,
        0.0,
        0.2,
        "1/problem",
        "capability gained per problem mastered",
        "BIS",
    ),
    _e(
        "alternatives",
        0.3,
        0.0,
        1.0,
        "0-1",
        "attractiveness of life outside the couple (Rusbult's alternatives)",
        "BIS",
    ),
    _e(
        "barriers",
        0.4,
        0.0,
        1.0,
        "0-1",
        "barriers to leaving: formal commitment, children, shared property (Rusbult)",
        "BIS",
    ),
    _e(
        "commitment_threshold",
        0.25,
        0.0,
        1.0,
        "0-1",
        "commitment below which a partner starts to consider leaving",
        "PDR",
    ),
    _e(
        "patience",
        26,
        1,
        520,
        "weeks",
        "weeks of commitment below threshold before a partner leaves",
        "PDR",
        integer=True,
    ),
)


def _m(name, mechanism, meaning, source):
    what = f"strength of {mechanism}'s own rule: {meaning} (1 as specified, 0 switches it off)"
    return _e(name, 1.0, 0.0, 2.0, "x", what, source)


MECHANISMS: tuple[Parameter, ...] = (
    _m("m1_demand", "M1", "requests and demands drain goodwill and hurt", "BIS"),
    _m("m2_transfer", "M2", "a dependent partner brings problems within reach", "BIS"),
    _m(
        "m4_scorekeeping",
        "M4",
        "the ledger makes help conditional and breeds resentment",
        "BIS, GAP",
    ),
    _m("m5_expectation", "M5", "care expected but not received lowers satisfaction", "BIS, BHR"),
    _m("m6_anticipation", "M6", "help offered unasked adds closeness and trust", "BIS"),
    _m(
        "m7_displacement",
        "M7",
        "a partner made a project is pushed help, and one-way help displaces closeness",
        "PDR",
    ),
    _m("m8_coercion", "M8", "a self-focused helper pushes on after a refusal", "PDR"),
    _m("m9_stand_in", "M9", "fear of closeness drives visible effort", "PDR"),
    _m("m12_divergence", "M12", "diverging growth threatens the insecure or rigid", "GAP"),
    _m("m13_threat", "M13", "a rigid partner hears a suggestion as a threat", "GAP"),
    _m("m14_receiving", "M14", "the self-sufficient cannot ask or receive", "BHR"),
    _m("m15_mutual_steps", "M15", "matched disclosure, celebration, support in trials", "BHR"),
    _m("m16_depth", "M16", "the more developed partner asks for more depth", "WLF"),
    _m("m17_teaching", "M17", "help from a partner with no stake teaches", "PDR"),
)
"""Environment parameters that scale each mechanism's own rule, for ablation: with one
at 0 its rule is switched off and the rest of the model runs as before."""

ENVIRONMENT = ENVIRONMENT + MECHANISMS

REGISTRY: dict[str, Parameter] = {p.name: p for p in TRAITS + ENVIRONMENT}
TRAIT_NAMES: tuple[str, ...] = tuple(p.name for p in TRAITS)
ENV_NAMES: tuple[str, ...] = tuple(p.name for p in ENVIRONMENT)


def trait_defaults() -> dict[str, float]:
    """Default value of every trait."""
    return {p.name: p.default for p in TRAITS}


def env_defaults() -> dict[str, float]:
    """Default value of every environment parameter."""
    return {p.name: p.default for p in ENVIRONMENT}


def qualified_names() -> tuple[str, ...]:
    """Every sweepable name: ``a.<trait>``, ``b.<trait>``, ``both.<trait>``, ``env.<name>``."""
    names = [f"{who}.{t}" for who in (*PARTNERS, "both") for t in TRAIT_NAMES]
    return tuple(names + [f"env.{e}" for e in ENV_NAMES])


def lookup(qualified: str) -> Parameter:
    """The parameter behind a qualified name such as ``a.dependency`` or ``env.patience``.

    Raises
    ------
    ParameterError
        If the prefix or the name is unknown.
    """
    prefix, _, name = qualified.partition(".")
    if prefix in (*PARTNERS, "both") and name in TRAIT_NAMES:
        return REGISTRY[name]
    if prefix == "env" and name in ENV_NAMES:
        return REGISTRY[name]
    raise ParameterError(
        qualified,
        "unknown parameter; expected a.<trait>, b.<trait>, both.<trait> or env.<name> "
        f"with trait one of {', '.join(TRAIT_NAMES)} and name one of {', '.join(ENV_NAMES)}",
    )


def validate_traits(values: Mapping[str, object], where: str = "") -> dict[str, float]:
    """Check a partial mapping of trait values; return it with defaults filled in."""
    return validate_partial(values, REGISTRY, TRAIT_NAMES, trait_defaults(), "trait", where)


def validate_env(values: Mapping[str, object], where: str = "env.") -> dict[str, float]:
    """Check a partial mapping of environment values; return it with defaults filled in."""
    kind = "environment parameter"
    return validate_partial(values, REGISTRY, ENV_NAMES, env_defaults(), kind, where)


def validate_partial(
    values: Mapping[str, object],
    registry: Mapping[str, Parameter],
    names: tuple[str, ...],
    defaults: dict[str, float],
    kind: str,
    where: str,
) -> dict[str, float]:
    """Check the values of a partial mapping against ``names`` of a registry.

    Returns ``defaults`` with the given values checked and filled in; an unknown name
    raises ``ParameterError`` listing the ``kind`` of names expected.
    """
    out = dict(defaults)
    for name, value in values.items():
        if name not in names:
            raise ParameterError(
                f"{where}{name}", f"unknown {kind}; expected one of {', '.join(names)}"
            )
        out[name] = registry[name].check(value, where)
    return out


def validate_array(name: str, values: object, where: str = "") -> np.ndarray:
    """Check a scalar or array of values for one parameter; return a float64 array."""
    param = REGISTRY[name]
    arr = np.asarray(values)
    if arr.dtype == bool or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise ParameterError(
            f"{where}{name}",
            f"expected numbers in [{param.low:g}, {param.high:g}], got {arr.dtype}",
        )
    arr = arr.astype(np.float64)
    if np.isnan(arr).any():
        raise ParameterError(
            f"{where}{name}", f"expected a number in [{param.low:g}, {param.high:g}], got NaN"
        )
    bad = (arr < param.low) | (arr > param.high)
    if param.integer:
        bad |= arr != np.round(arr)
    if bad.any():
        first = arr[bad].flat[0]
        raise ParameterError(
            f"{where}{name}",
            f"expected {'integers' if param.integer else 'numbers'} in "
            f"[{param.low:g}, {param.high:g}], got {first:g}",
        )
    return arr
