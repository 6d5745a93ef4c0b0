"""One week of a relationship, in nine phases, for every couple at once.

Each phase is a function over the arrays of :class:`~sim.model.state.State`; its
docstring says what partners do in it, which mechanisms (M1 to M17 of the model
specification) it carries and which article it comes from. Partner arrays have shape
``(2, n)`` and ``x[::-1]`` is the other partner's value. Couples that have ended are
frozen: every phase acts through the mask ``live``.

The numbered constants below are the rules' coefficients. They are general rules,
the same for every couple; ``docs/ODD.md`` gives each with its source.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model.kernel import run_weeks
from sim.model.randomness import WeekDraws
from sim.model.state import COUPLE_RANGES, PARTNER_RANGES, Ending, Event, Params, State

# Memory of "recent" rates: about a year.
RECENT = 1.0 / 52.0


@dataclass
class Week:
    """Scratch values one week's phases hand to each other (never stored)."""

    draws: WeekDraws
    live: np.ndarray  # (2, n) bool: partner belongs to a couple still together
    live1: np.ndarray  # (n,) bool
    problem: np.ndarray  # (2, n) bool
    size: np.ndarray  # (2, n) problem size, 0 where none
    asked: np.ndarray  # (2, n) bool: brought the problem to the partner
    unresolved: np.ndarray  # (2, n) part of the problem still weighing on the partner
    helped: np.ndarray  # (2, n) amount of help received this week
    cared: np.ndarray  # (2, n) bool: received care that was given freely
    good: np.ndarray  # (2, n) evidence that the partner can be trusted
    bad: np.ndarray  # (2, n) evidence against
    closeness: np.ndarray  # (n,) change of intimacy from this week's events
    hurt: np.ndarray  # (2, n) resentment from this week's events
    joy: np.ndarray  # (2, n) satisfaction from this week's events

    def mark(self, state: State, kind: Event, who: np.ndarray) -> None:
        """Record that the partners in ``who`` (2, n) did ``kind`` this week."""
        state.events[kind] |= who & self.live


def _other(x: np.ndarray) -> np.ndarray:
    return x[::-1]


def life(s: State, p: Params, w: Week) -> None:
    """Phase 1, life: problems, good news and major trials arrive at random.

    Each partner meets a problem with probability ``problem_rate``; its size is drawn
    around ``problem_size``. Good news comes at ``achievement_rate`` and major trials at
    ``trial_rate`` (BIS; BHR). Yesterday's stress fades; a trial adds a heavy load.
    Growth comes in sprints and rests (GAP): each partner switches between the two.
    """
    e = p.env
    d = w.draws
    w.problem = (d.pair(0) < e["problem_rate"]) & w.live
    spread = e["problem_spread"] * (2.0 * d.pair(1) - 1.0)
    w.size = np.where(w.problem, np.clip(e["problem_size"] + spread, 0.02, 1.0), 0.0)
    achievement = (d.pair(2) < e["achievement_rate"]) & w.live
    trial = (d.pair(3) < e["trial_rate"]) & w.live
    w.mark(s, Event.PROBLEM, w.problem)
    w.mark(s, Event.ACHIEVEMENT, achievement)
    w.mark(s, Event.TRIAL, trial)
    s.stress = np.where(w.live, 0.8 * s.stress + 0.4 * trial, s.stress)
    # Sprints start more often for fast growers and last a few months.
    growth = p.traits["growth"]
    start = (s.sprint == 0) & (d.pair(4) < 0.02 + 0.08 * growth)
    stop = (s.sprint == 1) & (d.pair(5) < 0.08)
    s.sprint = np.where(w.live & (start | stop), 1.0 - s.sprint, s.sprint)


def cope(s: State, p: Params, w: Week) -> None:
    """Phase 2, cope: handle a problem alone, or bring it to the partner.

    A problem within one's capability can be handled alone, and handling it builds
    capability (M3, BIS). A dependent partner brings even such problems to the other
    (M2, transferring problems, BIS): relief comes later from the partner, but no
    growth. A problem beyond reach is brought by those who ask for help readily:
    dependency, or assertiveness not blocked by fear of closeness (BHR). Handling a
    problem beyond reach alone stretches one a little but leaves stress.
    """
    t = p.traits
    dep, cap = t["dependency"], s.capability
    within = w.size <= cap
    ask_beyond = dep + (1.0 - dep) * t["assertiveness"] * (1.0 - 0.7 * t["intimacy_fear"])
    p_ask = np.where(within, dep, ask_beyond)
    w.asked = w.problem & (w.draws.pair(6) < p_ask)
    alone = w.problem & ~w.asked
    w.mark(s, Event.REQUEST, w.asked)
    w.mark(s, Event.HANDLED_ALONE, alone)
    pace = _pace(p, s) * _self_efficacy(s)
    lr = p.env["learning_rate"]
    mastered = np.where(within, w.size, 0.5 * cap)
    s.capability = s.capability + np.where(alone, lr * pace * mastered * (1.0 - cap), 0.0)
    w.unresolved = np.where(alone, np.maximum(w.size - cap, 0.0), np.where(w.asked, w.size, 0.0))


def notice(s: State, p: Params, w: Week) -> None:
    """Phase 3, notice: a responsive partner offers help before being asked.

    Anticipatory care (M6, BIS): a partner struggling alone is noticed by a responsive
    partner, more readily in a close couple and while goodwill lasts. The offer is
    taken unless the struggling partner cannot receive (low dependency with fear of
    closeness: the hyper self-sufficient of BHR, M14). Care given unasked counts for
    more than care that was asked for.
    """
    t = p.traits
    struggling = w.problem & ~w.asked & (w.unresolved > 0)
    offer_p = _other(t["responsiveness"] * s.goodwill) * (0.4 + 0.6 * s.intimacy)
    offered = struggling & (w.draws.pair(7) < offer_p)
    taken = offered & (w.draws.pair(8) < _receptivity(p))
    w.mark(s, Event.NOTICE, _other(taken))
    amount = np.where(taken, w.unresolved, 0.0)
    w.unresolved = w.unresolved - amount
    w.helped += amount
    w.cared |= taken
    w.good += taken
    mutual = 1.0 - _asymmetry(s.help_recent)
    w.closeness += 0.02 * mutual * taken.sum(axis=0)
    s.goodwill = s.goodwill - 0.01 * _other(amount)
    _learn_from_help(s, p, w, taken, amount)


def respond(s: State, p: Params, w: Week) -> None:
    """Phase 4, respond: a request is met with free help, help on condition, or a no.

    Willingness is the helper's goodwill, lowered by the helper's own stress. Every
    request draws on goodwill, so that requests beyond what is freely given drain it
    (M1, BIS). A scorekeeper who feels in credit on the ledger helps on condition
    (M4, BIS; GAP). A declined request is pressed as a demand by a partner who is not
    assertive and feels owed or dependent (BHR step on taking a no; BIS): a demand
    drains goodwill hard and breeds resentment in the one pressed; escalation makes the
    next one harder (demand/withdraw, Christensen and Heavey 1990). The pressed partner
    gives in while goodwill lasts, or withdraws.
    """
    t = p.traits
    d = w.draws
    helper_goodwill = _other(s.goodwill)
    s.goodwill = s.goodwill - 0.06 * _other(w.size * w.asked)
    willing = helper_goodwill * (1.0 - 0.5 * _other(s.stress))
    helps = w.asked & (d.pair(9) < willing)
    keep_score = _other(t["scorekeeping"] * np.clip(0.2 + 4.0 * s.ledger, 0.0, 1.0))
    conditional = helps & (d.pair(10) < keep_score)
    free = helps & ~conditional
    declined = w.asked & ~helps
    w.mark(s, Event.HELP_FREE, _other(free))
    w.mark(s, Event.HELP_CONDITIONAL, _other(conditional))
    w.mark(s, Event.DECLINE, _other(declined))

    amount = np.where(helps, w.unresolved, 0.0)
    w.unresolved = w.unresolved - amount
    w.helped += amount
    # Taking on the partner's problem loads the helper (M2, BIS).
    s.stress = s.stress + 0.15 * _other(amount)
    w.cared |= free
    w.good += free
    w.bad += declined
    mutual = 1.0 - _asymmetry(s.help_recent)
    w.closeness += 0.012 * mutual * free.sum(axis=0) - 0.004 * declined.sum(axis=0)
    # Help on condition is a transaction: the helped partner feels the price (M4).
    w.hurt += 0.02 * conditional + 0.01 * declined
    # Appreciation refills the helper's goodwill, in proportion to reciprocity (BIS).
    s.goodwill = s.goodwill + 0.04 * _other(free * t["reciprocity"])
    _learn_from_help(s, p, w, helps, amount)

    # A declined request pressed as a demand (M1, M15).
    press = (1.0 - t["assertiveness"]) * np.maximum(t["dependency"], t["expectation"])
    demand = declined & (d.pair(11) < np.clip(press * (0.6 + s.escalation), 0.0, 1.0))
    w.mark(s, Event.DEMAND, demand)
    drain = 0.1 * (1.0 + s.escalation) * demand
    s.goodwill = s.goodwill - _other(drain)
    s.escalation = np.where(w.live, 0.97 * s.escalation + 0.15 * demand, s.escalation)
    gives_in = demand & (d.pair(12) < _other(s.goodwill))
    withdraws = demand & ~gives_in
    w.mark(s, Event.HELP_DEMANDED, _other(gives_in))
    w.mark(s, Event.WITHDRAW, _other(withdraws))
    w.mark(s, Event.CONFLICT, _other(withdraws))
    extracted = np.where(gives_in, w.unresolved, 0.0)
    w.unresolved = w.unresolved - extracted
    w.helped += extracted
    w.bad += demand
    # The pressed partner feels controlled; the demanding one grows more dissatisfied.
    w.hurt += _other(0.04 * demand) + 0.02 * withdraws
    w.joy -= 0.02 * demand
    w.closeness -= 0.02 * demand.sum(axis=0) + 0.02 * withdraws.sum(axis=0)
    s.demand_recent = np.where(
        w.live1, (1 - RECENT) * s.demand_recent + RECENT * demand.any(axis=0), s.demand_recent
    )


def fix(s: State, p: Params, w: Week) -> None:
    """Phase 5, fix: a partner who sees the other as a project pushes help unasked.

    A self-focused partner who casts self as the more evolved one treats a less
    developed, dependent partner as a project (M7, PDR). Most people stop pushing once
    their help is refused; a narcissistic one keeps on, and help that is no longer
    wanted is coercion (M8, PDR). Pushed help puts a spotlight on flaws: it costs
    closeness and, when accepted, autonomy and self-regard. The helped partner swings:
    accepting feeds resentment and lowers the readiness to accept; refusing brings
    guilt and self-doubt, which raise it again, so acceptance oscillates (PDR).
    """
    t = p.traits
    d = w.draws
    narc = t["narcissism"]
    gap = np.clip(s.capability - _other(s.capability), 0.0, 1.0)
    project = narc * np.clip(0.1 + 2.0 * gap + 0.8 * _other(t["dependency"]), 0.0, 1.0)
    refused = _other(s.last_fix) < 0
    push_p = 0.5 * project * np.where(refused, narc, 1.0)
    pushes = w.live & (d.pair(13) < push_p)
    coerces = pushes & refused
    w.mark(s, Event.FIX, pushes)
    w.mark(s, Event.COERCION, coerces)
    pushed = _other(pushes)  # (2, n): this partner received pushed help
    coerced = _other(coerces)
    accepts = pushed & (d.pair(14) < s.acceptance)
    rejects = pushed & ~accepts
    w.mark(s, Event.FIX_ACCEPTED, accepts)
    w.mark(s, Event.FIX_REJECTED, rejects)
    w.mark(s, Event.CONFLICT, rejects)
    response = np.where(accepts, 1.0, np.where(rejects, -1.0, 0.0))
    flips = pushed & (s.last_fix != 0) & (response != s.last_fix)
    w.mark(s, Event.ACCEPTANCE_FLIP, flips)
    s.last_fix = np.where(pushed, response, s.last_fix)

    dep = t["dependency"]
    s.autonomy = s.autonomy - 0.03 * accepts - 0.04 * coerced
    s.self_regard = s.self_regard - 0.01 * accepts - 0.01 * coerced
    s.acceptance = s.acceptance - 0.15 * (1.0 - 0.5 * dep) * accepts
    s.acceptance = s.acceptance + 0.25 * dep * (1.0 - s.autonomy) * rejects
    drift = 0.02 * (0.3 + 0.6 * dep - s.acceptance)
    s.acceptance = np.where(w.live, s.acceptance + drift, s.acceptance)
    w.hurt += 0.015 * accepts + 0.02 * rejects + 0.05 * coerced
    # The pusher feels admired when help is taken, wronged when it is refused.
    w.joy += _other(0.01 * accepts)
    w.hurt += _other(0.02 * narc[::-1] * rejects)
    w.closeness -= 0.008 * pushes.sum(axis=0) + 0.02 * coerces.sum(axis=0)
    w.bad += coerced
    # Accepted help on a problem still weighing lifts a little of it.
    lift = np.where(accepts, 0.5 * w.unresolved, 0.0)
    w.unresolved = w.unresolved - lift
    w.helped += lift
    s.coercion_recent = np.where(
        w.live1, (1 - RECENT) * s.coercion_recent + RECENT * coerces.any(axis=0), s.coercion_recent
    )


def share(s: State, p: Params, w: Week) -> None:
    """Phase 6, share: disclosure, celebration of good news, walking through trials.

    Each partner discloses as deep as trust allows and fear of closeness permits;
    reciprocity pulls one's depth toward the partner's last disclosure (matched
    disclosure, BHR; Collins and Miller 1994). Closeness tends toward the depth both
    share, discounted when help runs one way and displaces connection (M7, PDR).
    Good news celebrated actively adds closeness, unanswered news does not (Gable et
    al. 2004; BHR). A partner who walks with the other through a trial adds to their
    shared history, which holds commitment (M15, BHR). Visible effort grows with fear
    of closeness and stands in for it (irrelationship, M9, PDR).
    """
    t = p.traits
    d = w.draws
    fear, recip = t["intimacy_fear"], t["reciprocity"]
    own = (1.0 - fear) * (0.3 + 0.7 * s.trust)
    depth = np.minimum((1.0 - recip) * own + recip * _other(s.disclosed), 1.0 - fear)
    s.disclosed = np.where(w.live, depth, s.disclosed)
    discloses = w.live & (depth > 0.3)
    w.mark(s, Event.DISCLOSURE, discloses)
    match = 1.0 - np.abs(depth[0] - depth[1])
    one_way = _asymmetry(s.help_recent)
    # Leaning on one another at all is part of closeness (BHR): no help, less bond.
    leaning = np.clip(s.help_recent.sum(axis=0) / 0.05, 0.0, 1.0)
    sharing = np.minimum(depth[0], depth[1]) * match * (1.0 - 0.7 * one_way)
    target = sharing * (0.7 + 0.3 * leaning) + 0.25 * s.shared
    w.closeness += 0.04 * (target - s.intimacy) - 0.01 * s.stress.mean(axis=0)
    w.good += 0.3 * (match > 0.8) * (depth > 0.3)

    good_news = s.events[Event.ACHIEVEMENT]
    celebrate_p = _other(t["responsiveness"] * (1.0 - 0.6 * t["narcissism"]))
    celebrated = good_news & (d.pair(15) < celebrate_p)
    w.mark(s, Event.CELEBRATION, _other(celebrated))
    w.closeness += 0.03 * celebrated.sum(axis=0)
    w.joy += 0.03 * celebrated
    w.cared |= celebrated
    w.good += celebrated

    trial = s.events[Event.TRIAL]
    walk_p = _other(t["responsiveness"] * s.goodwill) * _receptivity(p)
    walked = trial & (d.pair(16) < walk_p)
    w.mark(s, Event.TRIAL_SUPPORT, _other(walked))
    s.stress = s.stress - 0.25 * walked
    w.closeness += 0.04 * walked.sum(axis=0)
    w.cared |= walked
    w.good += walked
    w.joy -= 0.05 * (trial & ~walked)
    s.shared = np.where(
        w.live1,
        np.clip(0.995 * s.shared + 0.15 * walked.sum(axis=0) + 0.02 * celebrated.sum(axis=0), 0, 1),
        s.shared,
    )
    effort_target = 0.25 + 0.7 * fear.mean(axis=0) * (0.5 + 0.5 * s.commitment.mean(axis=0))
    s.effort = np.where(w.live1, s.effort + 0.05 * (effort_target - s.effort), s.effort)


def grow(s: State, p: Params, w: Week) -> None:
    """Phase 7, grow: paths diverge, suggestions meet rigidity, depth meets openness.

    Each partner's growth heads its own way in sprints (M12, GAP). A partner suggests
    doing something differently: a rigid partner hears a threat and a conflict
    follows, a flexible one works out a shared answer that adds closeness (M13, GAP);
    a scorekeeper turns even that into a tally (M4). The more developed partner asks
    for more depth; an open partner changes and catches up, a closed one resists, the
    seeker blames themself, and the conflict recurs (M16, WLF). Intensity seekers stir
    up conflict when life is calm (BHR).
    """
    t = p.traits
    d = w.draws
    pace = _pace(p, s)
    step = 0.02 * pace * (2.0 * d.pair(17) - 1.0)
    s.direction = np.where(w.live, np.clip(s.direction + step, 0.0, 1.0), s.direction)
    s.capability = s.capability + np.where(w.live, 0.001 * pace * (1.0 - s.capability), 0.0)

    rigid = t["rigidity"]
    suggests = w.live & (d.pair(18) < 0.15)
    threatened = _other(suggests) & (d.pair(19) < rigid)  # (2, n): the one hearing it
    creates = _other(suggests) & ~threatened & (d.pair(20) < 1.0 - 0.5 * _other(rigid))
    w.mark(s, Event.SUGGESTION, suggests)
    w.mark(s, Event.CONFLICT, threatened)
    w.mark(s, Event.CO_CREATION, creates)
    w.closeness += 0.015 * creates.sum(axis=0) - 0.02 * threatened.sum(axis=0)
    w.hurt += 0.015 * (threatened | _other(threatened)) + 0.02 * t["scorekeeping"] * creates
    w.joy += 0.01 * (creates | _other(creates))

    gap = s.capability - _other(s.capability)
    # A self-focused partner pushes fixes instead of inviting depth (phase 5).
    seek_p = (
        np.clip((gap - 0.1) * 2.0, 0.0, 1.0) * (1.0 - 0.5 * s.intimacy) * (1.0 - t["narcissism"])
    )
    seeks = w.live & (d.pair(21) < seek_p)
    hears = _other(seeks)
    opens = hears & (d.pair(22) < t["openness"] * (1.0 - 0.5 * rigid))
    resists = hears & ~opens
    w.mark(s, Event.DEPTH_REQUEST, seeks)
    w.mark(s, Event.DEPTH_MET, opens)
    w.mark(s, Event.DEPTH_RESISTED, resists)
    w.mark(s, Event.CONFLICT, resists)
    change = 0.1 * t["openness"] * np.maximum(-gap, 0.0)
    s.capability = s.capability + np.where(opens, change, 0.0)
    w.closeness += 0.03 * opens.sum(axis=0) - 0.02 * resists.sum(axis=0)
    blamed = _other(resists)
    s.self_regard = s.self_regard - 0.02 * blamed
    w.joy += 0.02 * (opens | _other(opens)) - 0.03 * blamed
    w.hurt += 0.01 * resists

    calm = w.live & (s.stress < 0.3) & (d.pair(23) < 0.06 * t["intensity_seeking"])
    w.mark(s, Event.CONFLICT, calm)
    w.closeness -= 0.01 * calm.sum(axis=0)
    # Chemistry fades, and a stirred-up conflict rekindles a little of it.
    s.chemistry = np.where(w.live1, 0.99 * s.chemistry + 0.02 * calm.any(axis=0), s.chemistry)


def appraise(s: State, p: Params, w: Week) -> None:
    """Phase 8, appraise: satisfaction, resentment, trust, intimacy and the ledger.

    Satisfaction follows closeness, care received, shared history and chemistry, and
    falls with resentment, stress, the gap between care expected and care received
    (M5, BIS; BHR), and, for a dependent or rigid partner only, with growth paths that
    diverge (M12, GAP). Asking clearly shrinks the expectation gap (BHR). Resentment
    gathers from the week's hurts and from a ledger in credit, and a scorekeeper lets
    it go slowly (M4). Trust moves toward the evidence of the week (BHR). The ledger
    is the perceived balance of help given and received.
    """
    t = p.traits
    live = w.live
    s.stress = np.where(
        live, np.clip(s.stress + 0.5 * w.unresolved - 0.1 * w.helped, 0, 1), s.stress
    )
    s.care = np.where(live, 0.9 * s.care + 0.1 * w.cared, s.care)
    gap = np.maximum(t["expectation"] - s.care, 0.0) * (1.0 - 0.7 * t["assertiveness"])
    divergence = np.abs(s.direction[0] - s.direction[1])
    insecure = np.clip((np.maximum(t["dependency"], t["rigidity"]) - 0.3) / 0.3, 0.0, 1.0)
    threat = divergence * insecure
    target = (
        0.35
        + 0.55 * s.intimacy
        + 0.2 * s.care
        + 0.2 * s.chemistry
        + 0.1 * s.shared
        - 0.6 * gap
        - 0.4 * s.resentment
        - 0.25 * s.stress
        - 0.8 * threat
        - 0.15 * (1.0 - s.self_regard)
    )
    new_sat = s.satisfaction + 0.08 * (np.clip(target, 0, 1) - s.satisfaction) + w.joy
    s.satisfaction = np.where(live, new_sat, s.satisfaction)

    given = _other(w.helped)
    s.help_recent = np.where(live, 0.99 * s.help_recent + 0.01 * given, s.help_recent)
    s.help_given = s.help_given + np.where(live, given, 0.0)
    keep = t["scorekeeping"]
    s.ledger = np.where(live, 0.97 * s.ledger + 0.2 * (0.5 + keep) * (given - w.helped), s.ledger)
    let_go = 0.03 * (1.0 - 0.8 * keep) * s.resentment
    owed = 0.02 * keep * np.maximum(s.ledger, 0.0)
    s.resentment = np.where(live, s.resentment + w.hurt + owed - let_go, s.resentment)

    evidence = w.good - w.bad
    trust_target = np.clip(0.5 + 0.25 * evidence, 0.0, 1.0)
    seen = (w.good + w.bad) > 0
    s.trust = np.where(live & seen, s.trust + 0.05 * (trust_target - s.trust), s.trust)
    s.intimacy = np.where(w.live1, s.intimacy + w.closeness - 0.002 * s.intimacy, s.intimacy)

    # Goodwill recovers toward a level set by responsiveness and lowered by resentment.
    rest = (0.5 + 0.5 * t["responsiveness"]) * (1.0 - 0.6 * s.resentment)
    s.goodwill = np.where(live, s.goodwill + 0.02 * (rest - s.goodwill), s.goodwill)
    s.autonomy = np.where(
        live, s.autonomy + 0.01 * (1.0 - 0.5 * t["dependency"] - s.autonomy), s.autonomy
    )
    s.self_regard = np.where(live, s.self_regard + 0.005 * (0.7 - s.self_regard), s.self_regard)
    s.conflict_recent = np.where(
        w.live1,
        (1 - RECENT) * s.conflict_recent + RECENT * s.events[Event.CONFLICT].any(axis=0),
        s.conflict_recent,
    )


def commit(s: State, p: Params, w: Week) -> None:
    """Phase 9, commit: stay or leave, and how the ending is classified.

    Commitment follows Rusbult's investment model (Le and Agnew 2003): satisfaction
    plus investment (time together, shared history, visible effort) minus the quality
    of alternatives, which self-focused partners rate higher (Campbell and Foster
    2002). A partner whose commitment stays below the threshold for ``patience`` weeks
    leaves (PDR). The ending is healthy when it comes without lasting resentment or
    coercion, a growth step; otherwise destructive (PDR).
    """
    t, e = p.traits, p.env
    live = w.live
    time_in = np.minimum(s.weeks / 260.0, 1.0)
    investment = 0.4 * time_in + 0.3 * s.effort + 0.3 * s.shared
    # Needing the partner, or having made the partner one's project, also binds (PDR).
    dep = t["dependency"]
    bound = 0.3 * dep + 0.3 * t["narcissism"] * _other(dep)
    # Dependence makes life outside the couple look poorer; self-focus makes it look richer.
    alternatives = e["alternatives"] * (0.6 + 0.8 * t["narcissism"]) * (1.0 - 0.6 * t["dependency"])
    target = 0.15 + 0.8 * s.satisfaction + 0.3 * investment + bound - 0.5 * alternatives
    target = np.clip(target, 0.0, 1.0)
    s.commitment = np.where(live, s.commitment + 0.05 * (target - s.commitment), s.commitment)
    low = s.commitment < e["commitment_threshold"]
    s.below = np.where(live, np.where(low, s.below + 1.0, 0.0), s.below)
    leaves = (s.below >= e["patience"]).any(axis=0) & w.live1
    bitter = (s.resentment.max(axis=0) >= 0.5) | (s.coercion_recent >= 0.05)
    s.ending = np.where(
        leaves, np.where(bitter, Ending.DESTRUCTIVE, Ending.HEALTHY), s.ending
    ).astype(np.int8)
    s.step_ended = np.where(leaves, s.step, s.step_ended)
    s.weeks = s.weeks + w.live1
    s.active = s.active & ~leaves


PHASES = (life, cope, notice, respond, fix, share, grow, appraise, commit)
"""The nine phases of a week, in order."""


def step(s: State, p: Params, keys: np.ndarray) -> None:
    """Advance every couple still together by one week, in place.

    Runs the compiled kernel (:mod:`sim.model.kernel`), which gives bit for
    bit the result of :func:`step_reference`, the phases above applied to all couples.
    """
    run_weeks(s, p, keys, 1)


def step_reference(s: State, p: Params, keys: np.ndarray) -> None:
    """Advance every couple still together by one week, in place, with the array phases.

    The reference the compiled kernel is tested against; slower, and the readable
    statement of the rules.
    """
    n = s.n
    live1 = s.active.copy()
    s.events[:] = False
    if not live1.any():
        s.step += 1
        return
    w = Week(
        draws=WeekDraws(keys, s.step),
        live=np.broadcast_to(live1, (2, n)),
        live1=live1,
        problem=np.zeros((2, n), bool),
        size=np.zeros((2, n)),
        asked=np.zeros((2, n), bool),
        unresolved=np.zeros((2, n)),
        helped=np.zeros((2, n)),
        cared=np.zeros((2, n), bool),
        good=np.zeros((2, n)),
        bad=np.zeros((2, n)),
        closeness=np.zeros(n),
        hurt=np.zeros((2, n)),
        joy=np.zeros((2, n)),
    )
    for phase in PHASES:
        phase(s, p, w)
    s.counts += s.events
    clamp(s)
    s.step += 1


def clamp(s: State) -> None:
    """Hold every state variable inside its documented range."""
    for name, arr in s.arrays().items():
        if name in ("counts", "events", "active", "step_ended", "ending", "weeks"):
            continue
        lo, hi = PARTNER_RANGES.get(name, COUPLE_RANGES.get(name, (0.0, 1.0)))
        np.clip(arr, lo, hi, out=arr)


def _pace(p: Params, s: State) -> np.ndarray:
    """Growth pace: the growth trait, faster in a sprint, slower at rest (GAP)."""
    return p.traits["growth"] * (0.4 + 1.2 * s.sprint)


def _self_efficacy(s: State) -> np.ndarray:
    """How much of one's growth pace one can use: a partner whose autonomy has been
    worn down by pushed help learns at half pace (PDR)."""
    return 0.5 + 0.5 * s.autonomy


def _receptivity(p: Params) -> np.ndarray:
    """Readiness to receive help: low for the self-sufficient who fear closeness (BHR)."""
    t = p.traits
    return 0.2 + 0.8 * np.minimum(1.0, 2.5 * t["dependency"]) * (1.0 - 0.5 * t["intimacy_fear"])


def _asymmetry(given: np.ndarray) -> np.ndarray:
    """How one-way recent help is: 0 when balanced, 1 when only one partner gives."""
    total = given[0] + given[1]
    # A small prior keeps rare help from reading as one-way by chance.
    return np.abs(given[0] - given[1]) / (total + 0.02)


def _learn_from_help(s: State, p: Params, w: Week, got: np.ndarray, amount: np.ndarray) -> None:
    """Help with a problem beyond one's reach teaches, when the helper has no stake.

    Bounded help from a partner who is not self-focused builds the helped partner's
    own capability (M17, PDR's therapeutic contrast; Drigotas et al. 1999); help with
    what one could have handled teaches nothing (M2, BIS).
    """
    beyond = got & (w.size > s.capability)
    pace = _pace(p, s) * _self_efficacy(s)
    teach = 2.0 * p.env["learning_rate"] * pace * (1.0 - _other(p.traits["narcissism"]))
    s.capability = s.capability + np.where(beyond, teach * amount * (1.0 - s.capability), 0.0)
