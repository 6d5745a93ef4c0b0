"""The small formulas the weekly rules share, for one partner or one couple at a time.

Each is a named function of plain numbers that the phases of :mod:`sim.model.week` call;
the compiled engine inlines them (:func:`rule`). The numeric helpers (:func:`clip`,
:func:`maximum`, :func:`minimum`, :func:`flag`) stand in for NumPy's and the builtins,
which would keep the compiler from running couples side by side in vector lanes.
"""

from __future__ import annotations

from numba import njit

RECENT = 1.0 / 52.0
"""Weight of this week in a "recent" rate: a memory of about a year."""

KEEP = 1 - RECENT
"""Weight of the past in a recent rate."""

EFFORT_AT_REST = 0.25
"""Visible effort of a couple with no fear of closeness to stand in for (M9)."""

ROUTINE_HOLD = 0.6
"""Commitment that a unit of visible effort beyond its resting level holds (M9)."""

PARTING_BAND = 0.2
"""Half-width of the band of bitterness, around 0.5, in which a parting may turn out
either way (R9.5)."""


def rule(function):
    """Compile ``function`` to be inlined into the engine's loop over couples.

    Run interpreted (``NUMBA_DISABLE_JIT=1``) it is the plain Python function.
    """
    return njit(inline="always")(function)


# --- Numbers -----------------------------------------------------------------------------


@rule
def clip(value, low, high):
    """``value`` held inside ``[low, high]`` (``np.clip`` of one number)."""
    value = value if value > low else low
    return value if value < high else high


@rule
def maximum(first, second):
    """The larger of two numbers that are not NaN (``first`` when they are equal)."""
    return second if second > first else first


@rule
def minimum(first, second):
    """The smaller of two numbers that are not NaN (``first`` when they are equal)."""
    return second if second < first else first


@rule
def bounded(value):
    """``value`` kept in [0, 1] with a soft floor: as it is from 0.25 up (and at most
    1), and below 0.25 approaching 0 without reaching it, ``0.25 / (1 + 4·(0.25 − value))``,
    which meets the line at 0.25 with the same slope. Where pressures add up far below
    the range, the state they drive settles low without being pinned to its floor. (A
    ratio, not an exponential: ``exp`` keeps the loop over couples out of vector lanes.)"""
    floor = 0.25 / (1.0 + 4.0 * (0.25 - value))
    return minimum(value, 1.0) if value >= 0.25 else floor


@rule
def flag(condition):
    """A condition as a number: 1.0 when it holds, else 0.0."""
    return 1.0 if condition else 0.0


# --- Formulas of the rules ---------------------------------------------------------------


@rule
def pace(growth, sprint):
    """Growth pace: the growth trait, faster in a sprint, slower at rest (GAP)."""
    return growth * (0.4 + 1.2 * sprint)


@rule
def self_efficacy(autonomy):
    """How much of one's growth pace one can use: a partner whose autonomy has been
    worn down by pushed help learns at half pace (PDR)."""
    return 0.5 + 0.5 * autonomy


@rule
def reliance(dependency, assertiveness, intimacy_fear, strength):
    """Chance of bringing a problem beyond one's reach to the partner: from dependency,
    or from assertiveness that fear of closeness does not block (BHR); ``strength``
    scales that block (M14)."""
    return dependency + (1.0 - dependency) * assertiveness * (1.0 - 0.7 * strength * intimacy_fear)


@rule
def receptivity(dependency, intimacy_fear, strength):
    """Readiness to receive help: low only for the self-sufficient who fear closeness,
    the partner who cannot receive (M14, BHR); neither self-sufficiency nor fear alone
    turns help away. ``strength`` scales how far it falls short of full readiness."""
    # Products, not ``**``: a power keeps the loop over couples out of vector lanes.
    alone = 1.0 - dependency
    open_ = 1.0 - intimacy_fear
    self_sufficient = alone * alone * alone * alone
    guarded = 1.0 - open_ * open_
    return 1.0 - strength * self_sufficient * guarded


@rule
def leaning(reliance_a, reliance_b, strength):
    """Share of the closeness its disclosure allows that a couple reaches: less where
    one partner never leans on the other, even with a problem beyond reach, the
    parentified giver and the hyper self-sufficient (M14, BHR); ``strength`` scales
    the shortfall."""
    never = 1.0 - minimum(reliance_a, reliance_b)
    return 1.0 - 0.3 * strength * never * never * never


@rule
def asymmetry(given_a, given_b):
    """How one-way recent help is: 0 when balanced, 1 when only one partner gives.

    A small prior keeps rare help from reading as one-way by chance.
    """
    total = given_a + given_b
    return abs(given_a - given_b) / (total + 0.02)


@rule
def press(assertiveness, dependency, expectation, escalation):
    """How hard a partner presses a declined request (before clipping to a chance):
    a partner who is not assertive and feels owed or dependent presses, harder as
    demands escalate (BHR; BIS)."""
    pressure = (1.0 - assertiveness) * maximum(dependency, expectation)
    return pressure * (0.6 + escalation)


@rule
def push_chance(
    narcissism, capability, other_capability, other_dependency, other_last_fix, coercion
):
    """Chance that a partner pushes help on the other this week (M7, M8, PDR).

    A self-focused partner treats a less developed, dependent partner as a project.
    After a refusal most people stop; a narcissistic partner keeps pushing on a
    partner seen as needing the help, so help goes on being pushed where it is no
    longer wanted only where self-focus and dependency meet (coercion, PDR);
    ``coercion`` scales that pushing on.
    """
    gap = clip(capability - other_capability, 0.0, 1.0)
    project = narcissism * clip(0.1 + 2.0 * gap + 0.8 * other_dependency, 0.0, 1.0)
    refused = other_last_fix < 0
    # A product, not ``**``: a power keeps the loop over couples out of vector lanes.
    keep_on = coercion * narcissism * other_dependency * other_dependency
    return 0.5 * project * (keep_on if refused else 1.0)


@rule
def seek_chance(gap, intimacy, narcissism):
    """Chance that a partner ahead in development by ``gap`` asks for more depth (M16,
    WLF); a self-focused partner pushes fixes instead."""
    seek = clip((gap - 0.1) * 2.0, 0.0, 1.0) * (1.0 - 0.5 * intimacy)
    return seek * (1.0 - narcissism)


@rule
def turn_toward_chance(responsiveness, goodwill, satisfaction, resentment, stress):
    """Chance that a partner turns toward the other's bid for connection rather than
    away: responsiveness, goodwill and satisfaction raise it, resentment and stress
    lower it (Gottman 1994; Gottman and Driver 2005). A dissatisfied partner reads
    the other's moves in the light of the relationship and turns away (negative
    sentiment override, Weiss 1980)."""
    chance = (
        0.15
        + 0.3 * responsiveness
        + 0.5 * goodwill
        + 0.5 * satisfaction
        - resentment
        - 0.2 * stress
    )
    return clip(chance, 0.05, 0.95)


@rule
def alternatives_seen(alternatives, narcissism, dependency):
    """How good life outside the relationship looks to a partner before commitment
    colours it: better to the self-focused (Campbell and Foster 2002), worse to the
    dependent, who doubt they could manage alone (BIS)."""
    return alternatives * (0.6 + 0.8 * narcissism) * (1.0 - 0.5 * dependency)


@rule
def commitment_target(
    satisfaction, investment, barriers, alternatives, dependency, project, routine
):
    """The commitment a partner's situation supports (Rusbult's investment model; Le
    and Agnew 2003): satisfaction, investments and barriers to leaving, less the
    quality of alternatives; dependence and a partner made one's project (``project``
    is one's narcissism times the partner's dependency) bind a little more (PDR). The
    visible effort a couple keeps up beyond its resting level (``routine``) holds it
    too: in irrelationship both partners act as if trying their hardest, and that
    shared performance is what keeps an unsatisfying closeness-avoiding arrangement in
    place (M9, PDR; effort as an investment, Rusbult 1980)."""
    target = (
        1.2 * satisfaction
        + 0.3 * investment
        + 0.45 * barriers
        - 0.8 * alternatives
        + 0.13 * dependency
        + 0.2 * project
        + ROUTINE_HOLD * routine
        - 0.55
    )
    return clip(target, 0.0, 1.0)


@rule
def bitter_chance(bitterness):
    """Chance that a parting turns bitter (a destructive ending) at a given bitterness
    (resentment, coercion and demands as they stand): none below a band around 0.5,
    certain above it, and rising smoothly across it (a smoothstep). Near the line a
    parting may go either way, as its last months and conversations go; far from it
    the kind is settled (PDR: an ending as a growth step or a reset; Amato and
    Hohmann-Marriott 2007: low- and high-distress endings)."""
    x = clip((bitterness - 0.5 + PARTING_BAND) / (2.0 * PARTING_BAND), 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


@rule
def co_create_chance(rigidity, goodwill):
    """Chance that a partner who hears a suggestion calmly works it into a shared
    answer: flexibility and goodwill make it (GAP)."""
    return (1.0 - 0.5 * rigidity) * (0.4 + 0.6 * goodwill)
