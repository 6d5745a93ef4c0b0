"""One week of a relationship, in nine phases, written once, for one couple.

Each phase is a function of one couple: what its two partners do in that part of the
week. Its docstring says what partners do, which mechanisms (M1 to M17 of the model
specification) it carries and which article it comes from; ``docs/ODD.md`` gives every
rule with its source. The numbered constants are the rules' coefficients, the same for
every couple.

A phase reads and writes its couple in ``block``, the rows of the couples run side by
side, at column ``lane``, by rows named in :mod:`sim.model.layout` (generated from the
declarations and the registry): ``block[STATE.stress + me, lane]`` is a partner's
stress, ``block[STATE.intimacy, lane]`` the couple's intimacy, ``block[TRAIT.dependency
+ me, lane]`` and ``block[ENV.problem_rate, lane]`` its parameters, ``block[WEEK.size +
me, lane]`` a scratch value the week's phases hand to each other
(:data:`sim.model.declarations.WEEK`), and ``events[EVENT.request + me, lane]`` this
week's events, counted for the partner who did them. ``draws`` holds each couple's hash
of the week, from which :func:`~sim.model.randomness.draw_pair` draws the uniform
numbers of each :class:`~sim.model.declarations.Draw`. A state variable's last write of
the week goes through :func:`set_state`, which holds it in its declared range.

``me`` is a partner (0 for ``a``, 1 for ``b``) and ``other`` the other one. The compiled
engine (:mod:`sim.model.kernel`) runs the :data:`PHASES` for a block of couples side by
side; run interpreted (``NUMBA_DISABLE_JIT=1``) the same code gives the same numbers bit
for bit. No phase branches on a couple's values (a conditional is a select, a boolean
in arithmetic is :func:`~sim.model.rules.flag` of it), so the loop over couples runs in
vector lanes.
"""

from __future__ import annotations

from sim.model.declarations import Draw, Ending
from sim.model.layout import (
    ENV,
    EVENT,
    HIGH,
    LOW,
    NEGATIVE_ROWS,
    POSITIVE_ROWS,
    STATE,
    TRAIT,
    WEEK,
)
from sim.model.randomness import draw_pair
from sim.model.rules import (
    EFFORT_AT_REST,
    KEEP,
    RECENT,
    alternatives_seen,
    asymmetry,
    bitter_chance,
    bounded,
    clip,
    co_create_chance,
    commitment_target,
    flag,
    leaning,
    maximum,
    minimum,
    pace,
    press,
    push_chance,
    receptivity,
    reliance,
    rule,
    seek_chance,
    self_efficacy,
    turn_toward_chance,
)

TOGETHER = float(Ending.TOGETHER)
HEALTHY = float(Ending.HEALTHY)
DESTRUCTIVE = float(Ending.DESTRUCTIVE)


@rule
def set_state(block, row, lane, value):
    """Write a state row's value of the week, held in the row's declared range.

    Every state row is written this way where it is written last in the week, so that a
    couple's state stays in its declared ranges (:mod:`sim.model.declarations`) from
    week to week; earlier writes in the week may pass the range on to later phases.
    """
    block[row, lane] = clip(value, LOW[row], HIGH[row])


@rule
def learn_from_help(block, lane, me, got, amount):
    """Help with a problem beyond one's reach teaches, when the helper has no stake.

    Bounded help from a partner who is not self-focused builds the helped partner's
    own capability (M17, PDR's therapeutic contrast; Drigotas et al. 1999); help with
    what one could have handled teaches nothing (M2, BIS).

    Partner ``me`` got help of ``amount`` if ``got``; the pace one can use is the one
    the cope phase worked out this week.
    """
    cap = block[STATE.capability + me, lane]
    beyond = got & (block[WEEK.size + me, lane] > cap)
    teach = (
        2.0
        * block[ENV.m17_teaching, lane]
        * block[ENV.learning_rate, lane]
        * block[WEEK.usable_pace + me, lane]
        * (1.0 - block[TRAIT.narcissism + 1 - me, lane])
    )
    block[STATE.capability + me, lane] = cap + (teach * amount * (1.0 - cap) if beyond else 0.0)


@rule
def life(block, events, draws, lane):
    """Phase 1, life: problems, good news and major trials arrive at random.

    Each partner meets a problem with probability ``problem_rate``, more often while the
    couple is under strain from outside; its size is drawn around ``problem_size``. Good
    news comes at ``achievement_rate`` and major trials at ``trial_rate`` (BIS; BHR).
    Yesterday's stress fades; a trial adds a heavy load. Strain from outside the couple
    (work, money, illness, loss) rises with each trial and with hardships that strike
    the couple, and fades over about a year: couples with the same traits live
    different lives (stress in the vulnerability-stress-adaptation model, Karney and
    Bradbury 1995). Growth comes in sprints and rests (GAP): each partner switches
    between the two.
    """
    hardship = draw_pair(draws, lane, Draw.TRIAL_STRAIN)
    strain = block[STATE.strain, lane]
    d = draw_pair(draws, lane, Draw.PROBLEM)
    spread_draw = draw_pair(draws, lane, Draw.PROBLEM_SIZE)
    news = draw_pair(draws, lane, Draw.GOOD_NEWS)
    trials = draw_pair(draws, lane, Draw.TRIAL)
    start = draw_pair(draws, lane, Draw.SPRINT_START)
    stop = draw_pair(draws, lane, Draw.SPRINT_STOP)
    for me in range(2):
        problem = d[me] < block[ENV.problem_rate, lane] * (0.7 + 0.6 * strain)
        block[WEEK.problem + me, lane] = flag(problem)
        spread = block[ENV.problem_spread, lane] * (2.0 * spread_draw[me] - 1.0)
        size = clip(block[ENV.problem_size, lane] + spread, 0.02, 1.0)
        block[WEEK.size + me, lane] = size if problem else 0.0
        trial = trials[me] < block[ENV.trial_rate, lane]
        events[EVENT.problem + me, lane] += flag(problem)
        events[EVENT.achievement + me, lane] += flag(news[me] < block[ENV.achievement_rate, lane])
        events[EVENT.trial + me, lane] += flag(trial)
        block[STATE.stress + me, lane] = (
            0.8 * block[STATE.stress + me, lane] + 0.4 * flag(trial) + 0.04 * strain
        )
        block[STATE.strain, lane] = block[STATE.strain, lane] + 0.25 * flag(trial)
        sprint = block[STATE.sprint + me, lane]
        starts = (sprint == 0.0) & (start[me] < 0.02 + 0.08 * block[TRAIT.growth + me, lane])
        stops = (sprint == 1.0) & (stop[me] < 0.08)
        set_state(block, STATE.sprint + me, lane, 1.0 - sprint if starts | stops else sprint)
    struck = hardship[0] < 0.01
    # The other number of the hardship's pair decides how a parting goes (R9.5).
    block[WEEK.parting, lane] = hardship[1]
    set_state(block, STATE.strain, lane, 0.985 * block[STATE.strain, lane] + 0.25 * flag(struck))


@rule
def cope(block, events, draws, lane):
    """Phase 2, cope: handle a problem alone, or bring it to the partner.

    A problem within one's capability can be handled alone, and handling it builds
    capability (M3, BIS). A dependent partner brings even such problems to the other
    (M2, transferring problems, BIS): relief comes later from the partner, but no
    growth. A problem beyond reach is brought by those who ask for help readily:
    dependency, or assertiveness not blocked by fear of closeness (BHR). Handling a
    problem beyond reach alone stretches one a little but leaves stress.
    """
    d = draw_pair(draws, lane, Draw.ASK)
    for me in range(2):
        dep, cap, size = (
            block[TRAIT.dependency + me, lane],
            block[STATE.capability + me, lane],
            block[WEEK.size + me, lane],
        )
        within = size <= cap
        ask_beyond = reliance(
            dep,
            block[TRAIT.assertiveness + me, lane],
            block[TRAIT.intimacy_fear + me, lane],
            block[ENV.m14_receiving, lane],
        )
        block[WEEK.reliance + me, lane] = ask_beyond
        p_ask = minimum(dep * block[ENV.m2_transfer, lane], 1.0) if within else ask_beyond
        problem = block[WEEK.problem + me, lane] > 0.0
        asked = problem & (d[me] < p_ask)
        alone = problem & (not asked)
        block[WEEK.asked + me, lane] = flag(asked)
        events[EVENT.request + me, lane] += flag(asked)
        events[EVENT.handled_alone + me, lane] += flag(alone)
        usable_pace = pace(
            block[TRAIT.growth + me, lane], block[STATE.sprint + me, lane]
        ) * self_efficacy(block[STATE.autonomy + me, lane])
        block[WEEK.usable_pace + me, lane] = usable_pace
        mastered = size if within else 0.5 * cap
        gain = block[ENV.learning_rate, lane] * usable_pace * mastered * (1.0 - cap)
        block[STATE.capability + me, lane] = cap + (gain if alone else 0.0)
        beyond = maximum(size - cap, 0.0)
        block[WEEK.unresolved + me, lane] = beyond if alone else (size if asked else 0.0)


@rule
def notice(block, events, draws, lane):
    """Phase 3, notice: a responsive partner offers help before being asked.

    Anticipatory care (M6, BIS): a partner struggling alone is noticed by a responsive
    partner, more readily in a close couple and while goodwill lasts. The offer is
    taken unless the struggling partner cannot receive (low dependency with fear of
    closeness: the hyper self-sufficient of BHR, M14). Care given unasked counts for
    more than care that was asked for.
    """
    s0 = (
        (block[WEEK.problem, lane] > 0.0)
        & (block[WEEK.asked, lane] == 0.0)
        & (block[WEEK.unresolved, lane] > 0.0)
    )
    s1 = (
        (block[WEEK.problem + 1, lane] > 0.0)
        & (block[WEEK.asked + 1, lane] == 0.0)
        & (block[WEEK.unresolved + 1, lane] > 0.0)
    )
    struggling = (s0, s1)
    offer = draw_pair(draws, lane, Draw.OFFER)
    take = draw_pair(draws, lane, Draw.TAKE_OFFER)
    t0 = t1 = False
    a0 = a1 = 0.0
    for me in range(2):
        other = 1 - me
        offer_p = (
            block[TRAIT.responsiveness + other, lane]
            * block[STATE.goodwill + other, lane]
            * (0.4 + 0.6 * block[STATE.intimacy, lane])
        )
        offered = struggling[me] & (offer[me] < offer_p)
        receptive = receptivity(
            block[TRAIT.dependency + me, lane],
            block[TRAIT.intimacy_fear + me, lane],
            block[ENV.m14_receiving, lane],
        )
        block[WEEK.receptive + me, lane] = receptive
        taken = offered & (take[me] < receptive)
        amount = block[WEEK.unresolved + me, lane] if taken else 0.0
        if me == 0:
            t0, a0 = taken, amount
        else:
            t1, a1 = taken, amount
    taken_, amount_ = (t0, t1), (a0, a1)
    one_way = asymmetry(block[STATE.help_recent, lane], block[STATE.help_recent + 1, lane])
    block[WEEK.one_way, lane] = one_way
    mutual = 1.0 - one_way
    anticipation = block[ENV.m6_anticipation, lane]
    block[WEEK.closeness, lane] = block[WEEK.closeness, lane] + 0.02 * anticipation * mutual * (
        flag(t0) + flag(t1)
    )
    for me in range(2):
        taken, amount = taken_[me], amount_[me]
        events[EVENT.notice + 1 - me, lane] += flag(taken)
        block[WEEK.unresolved + me, lane] = block[WEEK.unresolved + me, lane] - amount
        block[WEEK.helped + me, lane] = block[WEEK.helped + me, lane] + amount
        block[WEEK.cared + me, lane] = 1.0 if taken else block[WEEK.cared + me, lane]
        block[WEEK.good + me, lane] = block[WEEK.good + me, lane] + anticipation * flag(taken)
        block[STATE.goodwill + me, lane] = block[STATE.goodwill + me, lane] - 0.01 * amount_[1 - me]
    for me in range(2):
        learn_from_help(block, lane, me, taken_[me], amount_[me])


@rule
def respond(block, events, draws, lane):
    """Phase 4, respond: a request is met with free help, help on condition, or a no.

    Willingness is the helper's goodwill, lowered by the helper's own stress. Every
    request draws on goodwill, so that requests beyond what is freely given drain it
    (M1, BIS). A scorekeeper who feels in credit on the ledger helps on condition
    (M4, BIS; GAP). A declined request is pressed as a demand by a partner who is not
    assertive and feels owed or dependent (BHR step on taking a no; BIS): a demand
    drains goodwill hard, in proportion to the goodwill still left, and breeds resentment
    in the one pressed; escalation makes the next one harder (demand/withdraw, Christensen
    and Heavey 1990). The pressed partner gives in while goodwill lasts, or withdraws.
    """
    asked0, asked1 = block[WEEK.asked, lane] > 0.0, block[WEEK.asked + 1, lane] > 0.0
    demand0, demand1 = _answer(block, events, draws, lane, (asked0, asked1))
    for me in range(2):
        demand = demand0 if me == 0 else demand1
        set_state(
            block,
            STATE.escalation + me,
            lane,
            0.97 * block[STATE.escalation + me, lane] + 0.15 * flag(demand),
        )
    set_state(
        block,
        STATE.demand_recent,
        lane,
        KEEP * block[STATE.demand_recent, lane] + RECENT * flag(demand0 | demand1),
    )


@rule
def _answer(block, events, draws, lane, asked):
    """Phase 4, the answers: help, help on condition, a no, a demand (all zero for a
    partner who did not ask).

    Returns who pressed a demand; the caller updates escalation and the demand rate.
    """
    helper_goodwill = (block[STATE.goodwill + 1, lane], block[STATE.goodwill, lane])
    for me in range(2):
        other = 1 - me
        block[STATE.goodwill + me, lane] = block[STATE.goodwill + me, lane] - 0.06 * block[
            ENV.m1_demand, lane
        ] * (block[WEEK.size + other, lane] * flag(asked[other]))
    help_draw = draw_pair(draws, lane, Draw.HELP)
    cond_draw = draw_pair(draws, lane, Draw.ON_CONDITION)
    h0 = h1 = c0 = c1 = False
    for me in range(2):
        other = 1 - me
        willing = (0.2 + 0.8 * helper_goodwill[me]) * (
            1.0 - 0.4 * block[STATE.stress + other, lane]
        )
        helps = asked[me] & (help_draw[me] < willing)
        keep_score = (
            block[ENV.m4_scorekeeping, lane]
            * block[TRAIT.scorekeeping + other, lane]
            * clip(0.2 + 4.0 * block[STATE.ledger + other, lane], 0.0, 1.0)
        )
        conditional = helps & (cond_draw[me] < keep_score)
        if me == 0:
            h0, c0 = helps, conditional
        else:
            h1, c1 = helps, conditional
    helps_, cond_ = (h0, h1), (c0, c1)
    free_ = (h0 & (not c0), h1 & (not c1))
    declined_ = (asked[0] & (not h0), asked[1] & (not h1))
    amount_ = (
        block[WEEK.unresolved, lane] if h0 else 0.0,
        block[WEEK.unresolved + 1, lane] if h1 else 0.0,
    )
    mutual = 1.0 - block[WEEK.one_way, lane]
    n_free = flag(free_[0]) + flag(free_[1])
    n_declined = flag(declined_[0]) + flag(declined_[1])
    block[WEEK.closeness, lane] = block[WEEK.closeness, lane] + (
        0.012 * mutual * n_free - 0.004 * n_declined
    )
    for me in range(2):
        other = 1 - me
        free, conditional, declined = free_[me], cond_[me], declined_[me]
        events[EVENT.help_free + other, lane] += flag(free)
        events[EVENT.help_conditional + other, lane] += flag(conditional)
        events[EVENT.decline + other, lane] += flag(declined)
        block[WEEK.unresolved + me, lane] = block[WEEK.unresolved + me, lane] - amount_[me]
        block[WEEK.helped + me, lane] = block[WEEK.helped + me, lane] + amount_[me]
        # Taking on the partner's problem loads the helper.
        block[STATE.stress + me, lane] = block[STATE.stress + me, lane] + 0.15 * amount_[other]
        block[WEEK.cared + me, lane] = 1.0 if free else block[WEEK.cared + me, lane]
        block[WEEK.good + me, lane] = block[WEEK.good + me, lane] + flag(free)
        block[WEEK.bad + me, lane] = block[WEEK.bad + me, lane] + flag(declined)
        block[WEEK.hurt + me, lane] = block[WEEK.hurt + me, lane] + (
            0.02 * flag(conditional) + 0.01 * flag(declined)
        )
        # Appreciation refills the helper's goodwill.
        block[STATE.goodwill + me, lane] = block[STATE.goodwill + me, lane] + 0.04 * (
            flag(free_[other]) * block[TRAIT.reciprocity + other, lane]
        )
    for me in range(2):
        learn_from_help(block, lane, me, helps_[me], amount_[me])

    # A declined request pressed as a demand.
    press_draw = draw_pair(draws, lane, Draw.PRESS)
    demand_ = (
        declined_[0]
        & (
            press_draw[0]
            < clip(
                press(
                    block[TRAIT.assertiveness, lane],
                    block[TRAIT.dependency, lane],
                    block[TRAIT.expectation, lane],
                    block[STATE.escalation, lane],
                ),
                0.0,
                1.0,
            )
        ),
        declined_[1]
        & (
            press_draw[1]
            < clip(
                press(
                    block[TRAIT.assertiveness + 1, lane],
                    block[TRAIT.dependency + 1, lane],
                    block[TRAIT.expectation + 1, lane],
                    block[STATE.escalation + 1, lane],
                ),
                0.0,
                1.0,
            )
        ),
    )
    drain_ = (
        0.07
        * block[ENV.m1_demand, lane]
        * (1.0 + block[STATE.escalation, lane])
        * block[STATE.goodwill + 1, lane]
        * flag(demand_[0]),
        0.07
        * block[ENV.m1_demand, lane]
        * (1.0 + block[STATE.escalation + 1, lane])
        * block[STATE.goodwill, lane]
        * flag(demand_[1]),
    )
    block[STATE.goodwill, lane] = block[STATE.goodwill, lane] - drain_[1]
    block[STATE.goodwill + 1, lane] = block[STATE.goodwill + 1, lane] - drain_[0]
    give_draw = draw_pair(draws, lane, Draw.GIVE_IN)
    gives_ = (
        demand_[0] & (give_draw[0] < block[STATE.goodwill + 1, lane]),
        demand_[1] & (give_draw[1] < block[STATE.goodwill, lane]),
    )
    withdraws_ = (demand_[0] & (not gives_[0]), demand_[1] & (not gives_[1]))
    for me in range(2):
        other = 1 - me
        demand, gives, withdraws = demand_[me], gives_[me], withdraws_[me]
        events[EVENT.demand + me, lane] += flag(demand)
        events[EVENT.help_demanded + other, lane] += flag(gives)
        events[EVENT.withdraw + other, lane] += flag(withdraws)
        events[EVENT.conflict + other, lane] += flag(withdraws)
        extracted = block[WEEK.unresolved + me, lane] if gives else 0.0
        block[WEEK.unresolved + me, lane] = block[WEEK.unresolved + me, lane] - extracted
        block[WEEK.helped + me, lane] = block[WEEK.helped + me, lane] + extracted
        block[WEEK.bad + me, lane] = block[WEEK.bad + me, lane] + flag(demand)
        # The pressed partner feels controlled; the demanding one grows more dissatisfied.
        block[WEEK.hurt + me, lane] = block[WEEK.hurt + me, lane] + (
            0.04 * block[ENV.m1_demand, lane] * flag(demand_[other]) + 0.02 * flag(withdraws)
        )
        block[WEEK.joy + me, lane] = block[WEEK.joy + me, lane] - 0.02 * flag(demand)
    n_demand = flag(demand_[0]) + flag(demand_[1])
    n_withdraws = flag(withdraws_[0]) + flag(withdraws_[1])
    block[WEEK.closeness, lane] = block[WEEK.closeness, lane] - (
        0.02 * n_demand + 0.02 * n_withdraws
    )
    return demand_[0], demand_[1]


@rule
def fix(block, events, draws, lane):
    """Phase 5, fix: a partner who sees the other as a project pushes help unasked.

    A self-focused partner who casts self as the more evolved one treats a less
    developed, dependent partner as a project and pushes help on them (M7, PDR). Most
    people stop pushing once their help is refused; a narcissistic one keeps on, and
    help that is no longer wanted is coercion (M8, PDR). Pushed help puts a spotlight
    on flaws: it costs closeness and, when accepted, autonomy and self-regard. The
    helped partner swings: accepting feeds resentment and lowers the readiness to
    accept; refusing brings guilt and self-doubt, which raise it again, so acceptance
    oscillates (PDR).
    """
    project = block[ENV.m7_displacement, lane]
    push_p = (
        project
        * push_chance(
            block[TRAIT.narcissism, lane],
            block[STATE.capability, lane],
            block[STATE.capability + 1, lane],
            block[TRAIT.dependency + 1, lane],
            block[STATE.last_fix + 1, lane],
            block[ENV.m8_coercion, lane],
        ),
        project
        * push_chance(
            block[TRAIT.narcissism + 1, lane],
            block[STATE.capability + 1, lane],
            block[STATE.capability, lane],
            block[TRAIT.dependency, lane],
            block[STATE.last_fix, lane],
            block[ENV.m8_coercion, lane],
        ),
    )
    refused_ = (block[STATE.last_fix + 1, lane] < 0, block[STATE.last_fix, lane] < 0)
    d = draw_pair(draws, lane, Draw.PUSH)
    pushes_ = (d[0] < push_p[0], d[1] < push_p[1])
    d = draw_pair(draws, lane, Draw.ACCEPT_PUSH)
    # Partner me receives the help the other pushes.
    accepts_ = (
        pushes_[1] & (d[0] < block[STATE.acceptance, lane]),
        pushes_[0] & (d[1] < block[STATE.acceptance + 1, lane]),
    )
    coerces_ = (pushes_[0] & refused_[0], pushes_[1] & refused_[1])
    rejects_ = (pushes_[1] & (not accepts_[0]), pushes_[0] & (not accepts_[1]))
    for me in range(2):
        other = 1 - me
        pushed, accepts, rejects = pushes_[other], accepts_[me], rejects_[me]
        events[EVENT.fix + me, lane] += flag(pushes_[me])
        events[EVENT.coercion + me, lane] += flag(coerces_[me])
        events[EVENT.fix_accepted + me, lane] += flag(accepts)
        events[EVENT.fix_rejected + me, lane] += flag(rejects)
        events[EVENT.conflict + me, lane] += flag(rejects)
        response = 1.0 if accepts else (-1.0 if rejects else 0.0)
        last = block[STATE.last_fix + me, lane]
        events[EVENT.acceptance_flip + me, lane] += flag(pushed & (last != 0) & (response != last))
        set_state(block, STATE.last_fix + me, lane, response if pushed else last)

        dep = block[TRAIT.dependency + me, lane]
        a, r, c = flag(accepts), flag(rejects), flag(coerces_[other])
        block[STATE.autonomy + me, lane] = block[STATE.autonomy + me, lane] - 0.03 * a - 0.04 * c
        block[STATE.self_regard + me, lane] = (
            block[STATE.self_regard + me, lane] - 0.01 * a - 0.01 * c
        )
        acceptance = block[STATE.acceptance + me, lane] - 0.15 * (1.0 - 0.5 * dep) * a
        acceptance = acceptance + 0.25 * dep * (1.0 - block[STATE.autonomy + me, lane]) * r
        drift = 0.02 * (0.3 + 0.6 * dep - acceptance)
        set_state(block, STATE.acceptance + me, lane, acceptance + drift)
        block[WEEK.hurt + me, lane] = block[WEEK.hurt + me, lane] + (
            0.015 * a + 0.02 * r + 0.05 * c
        )
        # The pusher feels admired when help is taken, wronged when it is refused.
        block[WEEK.joy + me, lane] = block[WEEK.joy + me, lane] + 0.01 * flag(accepts_[other])
        block[WEEK.hurt + me, lane] = block[WEEK.hurt + me, lane] + 0.02 * block[
            TRAIT.narcissism + me, lane
        ] * flag(rejects_[other])
        block[WEEK.bad + me, lane] = block[WEEK.bad + me, lane] + c
        # Accepted help on a problem still weighing lifts a little of it.
        lift = 0.5 * block[WEEK.unresolved + me, lane] if accepts else 0.0
        block[WEEK.unresolved + me, lane] = block[WEEK.unresolved + me, lane] - lift
        block[WEEK.helped + me, lane] = block[WEEK.helped + me, lane] + lift
    n_pushes = flag(pushes_[0]) + flag(pushes_[1])
    n_coerces = flag(coerces_[0]) + flag(coerces_[1])
    block[WEEK.closeness, lane] = block[WEEK.closeness, lane] - (
        0.008 * n_pushes + 0.02 * n_coerces
    )
    coerced = flag(coerces_[0] | coerces_[1])
    set_state(
        block,
        STATE.coercion_recent,
        lane,
        KEEP * block[STATE.coercion_recent, lane] + RECENT * coerced,
    )


@rule
def share(block, events, draws, lane):
    """Phase 6, share: disclosure, celebration of good news, walking through trials.

    Each partner discloses as deep as trust allows and fear of closeness permits;
    reciprocity pulls one's depth toward the partner's last disclosure (matched
    disclosure, BHR; Collins and Miller 1994), and the closer the match the more it
    counts as evidence for trust. Closeness tends toward the depth both share,
    discounted when help runs one way and displaces connection (M7, PDR) and where a
    partner does not lean on the other even with a problem beyond reach (M14, BHR).
    Good news celebrated actively adds closeness, unanswered news does not (Gable et
    al. 2004; BHR); a partner whose goodwill is spent celebrates less. A partner who
    walks with the other through a trial adds to their shared history, which holds
    commitment (M15, BHR). Visible effort grows with fear of closeness and stands in
    for it (irrelationship, M9, PDR). Then the everyday: bids, pleasures, criticism
    (:func:`_bids`).
    """
    own0 = (1.0 - block[TRAIT.intimacy_fear, lane]) * (0.3 + 0.7 * block[STATE.trust, lane])
    own1 = (1.0 - block[TRAIT.intimacy_fear + 1, lane]) * (0.3 + 0.7 * block[STATE.trust + 1, lane])
    matching = block[ENV.m15_mutual_steps, lane]
    recip0 = matching * block[TRAIT.reciprocity, lane]
    recip1 = matching * block[TRAIT.reciprocity + 1, lane]
    depth0 = minimum(
        (1.0 - recip0) * own0 + recip0 * block[STATE.disclosed + 1, lane],
        1.0 - block[TRAIT.intimacy_fear, lane],
    )
    depth1 = minimum(
        (1.0 - recip1) * own1 + recip1 * block[STATE.disclosed, lane],
        1.0 - block[TRAIT.intimacy_fear + 1, lane],
    )
    set_state(block, STATE.disclosed, lane, depth0)
    set_state(block, STATE.disclosed + 1, lane, depth1)
    match = 1.0 - abs(depth0 - depth1)
    one_way = block[WEEK.one_way, lane]
    leans = leaning(
        block[WEEK.reliance, lane], block[WEEK.reliance + 1, lane], block[ENV.m14_receiving, lane]
    )
    sharing = (
        minimum(depth0, depth1) * match * (1.0 - 0.7 * block[ENV.m7_displacement, lane] * one_way)
    )
    target = sharing * leans + 0.25 * block[STATE.shared, lane]
    mean_stress = (block[STATE.stress, lane] + block[STATE.stress + 1, lane]) / 2.0
    block[WEEK.closeness, lane] = block[WEEK.closeness, lane] + (
        0.04 * (target - block[STATE.intimacy, lane]) - 0.01 * mean_stress
    )
    depth_ = (depth0, depth1)
    for me in range(2):
        events[EVENT.disclosure + me, lane] += flag(depth_[me] > 0.3)
        # Trust from matched disclosure, the more the closer the match (BHR).
        matched = clip(2.0 * (match - 0.5), 0.0, 1.0)
        block[WEEK.good + me, lane] = block[WEEK.good + me, lane] + 0.3 * block[
            ENV.m15_mutual_steps, lane
        ] * matched * flag(depth_[me] > 0.3)

    news = (events[EVENT.achievement, lane] > 0, events[EVENT.achievement + 1, lane] > 0)
    d = draw_pair(draws, lane, Draw.CELEBRATE)
    celebrate0 = (
        block[TRAIT.responsiveness + 1, lane]
        * (1.0 - 0.6 * block[TRAIT.narcissism + 1, lane])
        * (0.3 + 0.7 * block[STATE.goodwill + 1, lane])
    )
    celebrate1 = (
        block[TRAIT.responsiveness, lane]
        * (1.0 - 0.6 * block[TRAIT.narcissism, lane])
        * (0.3 + 0.7 * block[STATE.goodwill, lane])
    )
    celebrated_ = (news[0] & (d[0] < celebrate0), news[1] & (d[1] < celebrate1))
    n_celebrated = flag(celebrated_[0]) + flag(celebrated_[1])
    steps = block[ENV.m15_mutual_steps, lane]
    block[WEEK.closeness, lane] = block[WEEK.closeness, lane] + 0.03 * steps * n_celebrated
    for me in range(2):
        celebrated = celebrated_[me]
        events[EVENT.celebration + 1 - me, lane] += flag(celebrated)
        block[WEEK.joy + me, lane] = block[WEEK.joy + me, lane] + 0.03 * flag(celebrated)
        block[WEEK.cared + me, lane] = 1.0 if celebrated else block[WEEK.cared + me, lane]
        block[WEEK.good + me, lane] = block[WEEK.good + me, lane] + flag(celebrated)
    trial_ = (events[EVENT.trial, lane] > 0, events[EVENT.trial + 1, lane] > 0)
    d = draw_pair(draws, lane, Draw.WALK_WITH)
    walk0 = (
        block[TRAIT.responsiveness + 1, lane]
        * block[STATE.goodwill + 1, lane]
        * block[WEEK.receptive, lane]
    )
    walk1 = (
        block[TRAIT.responsiveness, lane]
        * block[STATE.goodwill, lane]
        * block[WEEK.receptive + 1, lane]
    )
    walked_ = (trial_[0] & (d[0] < walk0), trial_[1] & (d[1] < walk1))
    n_walked = flag(walked_[0]) + flag(walked_[1])
    for me in range(2):
        walked = walked_[me]
        events[EVENT.trial_support + 1 - me, lane] += flag(walked)
        block[STATE.stress + me, lane] = block[STATE.stress + me, lane] - 0.25 * flag(walked)
    block[WEEK.closeness, lane] = block[WEEK.closeness, lane] + 0.04 * steps * n_walked
    for me in range(2):
        walked = walked_[me]
        block[WEEK.cared + me, lane] = 1.0 if walked else block[WEEK.cared + me, lane]
        block[WEEK.good + me, lane] = block[WEEK.good + me, lane] + flag(walked)
        block[WEEK.joy + me, lane] = block[WEEK.joy + me, lane] - 0.05 * flag(
            trial_[me] & (not walked)
        )
    _bids(block, events, draws, lane)
    shared = 0.995 * block[STATE.shared, lane] + steps * (0.15 * n_walked + 0.02 * n_celebrated)
    set_state(block, STATE.shared, lane, shared)
    mean_fear = (block[TRAIT.intimacy_fear, lane] + block[TRAIT.intimacy_fear + 1, lane]) / 2.0
    mean_commitment = (block[STATE.commitment, lane] + block[STATE.commitment + 1, lane]) / 2.0
    effort_target = EFFORT_AT_REST + 0.7 * block[ENV.m9_stand_in, lane] * mean_fear * (
        0.5 + 0.5 * mean_commitment
    )
    set_state(
        block,
        STATE.effort,
        lane,
        block[STATE.effort, lane] + 0.05 * (effort_target - block[STATE.effort, lane]),
    )


@rule
def _bids(block, events, draws, lane):
    """Phase 6, everyday connection: bids for attention and small shared pleasures.

    Each week a partner turns to the other for attention, interest or affection (a bid
    for connection), more often in a close couple and less for one who fears
    closeness. The other turns toward the bid with a chance that responsiveness and
    goodwill raise and resentment and stress lower, or turns away (Gottman 1994;
    Gottman and Driver 2005). Turning toward adds a little closeness, satisfaction and
    trust for the bidder; turning away hurts a little. A partner also shares a small
    pleasure (a joke, a meal, a walk) when stress and resentment allow: the
    give-and-take of ordinary days that the articles' mutual steps are made of (BHR).
    Resentment comes out as criticism, a complaint made an attack on the partner,
    which hurts the other and so feeds the other's resentment (Gottman 1994).
    """
    criticise_draw = draw_pair(draws, lane, Draw.CRITICISE)
    bid_draw = draw_pair(draws, lane, Draw.BID)
    toward_draw = draw_pair(draws, lane, Draw.TURN_TOWARD)
    pleasure_draw = draw_pair(draws, lane, Draw.PLEASURE)
    intimacy = block[STATE.intimacy, lane]
    n_toward = 0.0
    n_away = 0.0
    for me in range(2):
        other = 1 - me
        bid_p = (0.35 + 0.5 * intimacy) * (1.0 - 0.5 * block[TRAIT.intimacy_fear + me, lane])
        bids = bid_draw[me] < bid_p
        toward_p = turn_toward_chance(
            block[TRAIT.responsiveness + other, lane],
            block[STATE.goodwill + other, lane],
            block[STATE.satisfaction + other, lane],
            block[STATE.resentment + other, lane],
            block[STATE.stress + other, lane],
        )
        toward = bids & (toward_draw[me] < toward_p)
        away = bids & (not toward)
        events[EVENT.bid + me, lane] += flag(bids)
        events[EVENT.turn_toward + other, lane] += flag(toward)
        events[EVENT.turn_away + other, lane] += flag(away)
        block[WEEK.joy + me, lane] = block[WEEK.joy + me, lane] + 0.004 * flag(toward)
        block[WEEK.hurt + me, lane] = block[WEEK.hurt + me, lane] + 0.004 * flag(away)
        block[WEEK.good + me, lane] = block[WEEK.good + me, lane] + 0.3 * flag(toward)
        n_toward = n_toward + flag(toward)
        n_away = n_away + flag(away)
        pleasure_p = (
            (0.2 + 0.6 * intimacy)
            * (1.0 - 0.5 * block[STATE.stress + me, lane])
            * (1.0 - 0.8 * block[STATE.resentment + me, lane])
            * (0.2 + 0.8 * block[STATE.commitment + me, lane])
        )
        pleasure = pleasure_draw[me] < pleasure_p
        events[EVENT.shared_pleasure + me, lane] += flag(pleasure)
        block[WEEK.joy, lane] = block[WEEK.joy, lane] + 0.003 * flag(pleasure)
        block[WEEK.joy + 1, lane] = block[WEEK.joy + 1, lane] + 0.003 * flag(pleasure)
        n_toward = n_toward + 0.5 * flag(pleasure)
        criticises = criticise_draw[me] < 0.6 * block[STATE.resentment + me, lane]
        events[EVENT.criticism + me, lane] += flag(criticises)
        block[WEEK.hurt + other, lane] = block[WEEK.hurt + other, lane] + 0.008 * flag(criticises)
        n_away = n_away + flag(criticises)
    block[WEEK.closeness, lane] = block[WEEK.closeness, lane] + (0.003 * n_toward - 0.003 * n_away)


@rule
def grow(block, events, draws, lane):
    """Phase 7, grow: paths diverge, suggestions meet rigidity, depth meets openness.

    Each partner's growth heads its own way in sprints (M12, GAP). A partner suggests
    doing something differently: a rigid partner hears a threat and a conflict
    follows, a flexible one works out a shared answer that adds closeness (M13, GAP);
    a scorekeeper turns even that into a tally (M4). The more developed partner asks
    for more depth; an open partner changes and catches up as far as their own pace of
    growth carries them (willing and able), a closed one resists, the seeker blames
    themself, and the conflict recurs (M16, WLF). Working out a shared
    answer takes goodwill as well as flexibility. Intensity seekers stir
    up conflict when life is calm (BHR).
    """
    d = draw_pair(draws, lane, Draw.DIRECTION)
    for me in range(2):
        own_pace = pace(block[TRAIT.growth + me, lane], block[STATE.sprint + me, lane])
        step = 0.02 * own_pace * (2.0 * d[me] - 1.0)
        set_state(block, STATE.direction + me, lane, block[STATE.direction + me, lane] + step)
        block[STATE.capability + me, lane] = block[
            STATE.capability + me, lane
        ] + 0.001 * own_pace * (1.0 - block[STATE.capability + me, lane])

    d = draw_pair(draws, lane, Draw.SUGGEST)
    suggests_ = (d[0] < 0.15, d[1] < 0.15)
    hear = draw_pair(draws, lane, Draw.FEEL_THREATENED)
    make = draw_pair(draws, lane, Draw.CO_CREATE)
    # Partner me hears the other's suggestion.
    threatened_ = (
        suggests_[1] & (hear[0] < block[ENV.m13_threat, lane] * block[TRAIT.rigidity, lane]),
        suggests_[0] & (hear[1] < block[ENV.m13_threat, lane] * block[TRAIT.rigidity + 1, lane]),
    )
    creates_ = (
        suggests_[1]
        & (not threatened_[0])
        & (
            make[0] < co_create_chance(block[TRAIT.rigidity + 1, lane], block[STATE.goodwill, lane])
        ),
        suggests_[0]
        & (not threatened_[1])
        & (
            make[1] < co_create_chance(block[TRAIT.rigidity, lane], block[STATE.goodwill + 1, lane])
        ),
    )
    n_creates = flag(creates_[0]) + flag(creates_[1])
    n_threatened = flag(threatened_[0]) + flag(threatened_[1])
    block[WEEK.closeness, lane] = block[WEEK.closeness, lane] + (
        0.015 * n_creates - 0.02 * n_threatened
    )
    for me in range(2):
        creates = creates_[me]
        events[EVENT.suggestion + me, lane] += flag(suggests_[me])
        events[EVENT.conflict + me, lane] += flag(threatened_[me])
        events[EVENT.co_creation + me, lane] += flag(creates)
        block[WEEK.hurt + me, lane] = block[WEEK.hurt + me, lane] + (
            0.015 * flag(threatened_[0] | threatened_[1])
            + 0.02
            * block[ENV.m4_scorekeeping, lane]
            * block[TRAIT.scorekeeping + me, lane]
            * flag(creates)
        )
        block[WEEK.joy + me, lane] = block[WEEK.joy + me, lane] + 0.01 * flag(
            creates_[0] | creates_[1]
        )

    gap_ = (
        block[STATE.capability, lane] - block[STATE.capability + 1, lane],
        block[STATE.capability + 1, lane] - block[STATE.capability, lane],
    )
    seek_p = (
        block[ENV.m16_depth, lane]
        * seek_chance(gap_[0], block[STATE.intimacy, lane], block[TRAIT.narcissism, lane]),
        block[ENV.m16_depth, lane]
        * seek_chance(gap_[1], block[STATE.intimacy, lane], block[TRAIT.narcissism + 1, lane]),
    )
    d = draw_pair(draws, lane, Draw.SEEK_DEPTH)
    seeks_ = (d[0] < seek_p[0], d[1] < seek_p[1])
    d = draw_pair(draws, lane, Draw.OPEN_UP)
    opens_ = (
        seeks_[1]
        & (d[0] < block[TRAIT.openness, lane] * (1.0 - 0.5 * block[TRAIT.rigidity, lane])),
        seeks_[0]
        & (d[1] < block[TRAIT.openness + 1, lane] * (1.0 - 0.5 * block[TRAIT.rigidity + 1, lane])),
    )
    resists_ = (seeks_[1] & (not opens_[0]), seeks_[0] & (not opens_[1]))
    for me in range(2):
        opens, resists = opens_[me], resists_[me]
        events[EVENT.depth_request + me, lane] += flag(seeks_[me])
        events[EVENT.depth_met + me, lane] += flag(opens)
        events[EVENT.depth_resisted + me, lane] += flag(resists)
        events[EVENT.conflict + me, lane] += flag(resists)
        # Willing (openness, above) and able: how far one moves is one's own pace of
        # growth (GAP), not the willingness to move.
        able = pace(block[TRAIT.growth + me, lane], block[STATE.sprint + me, lane])
        change = 0.1 * able * maximum(-gap_[me], 0.0)
        set_state(
            block,
            STATE.capability + me,
            lane,
            block[STATE.capability + me, lane] + (change if opens else 0.0),
        )
    n_opens = flag(opens_[0]) + flag(opens_[1])
    n_resists = flag(resists_[0]) + flag(resists_[1])
    block[WEEK.closeness, lane] = block[WEEK.closeness, lane] + (0.03 * n_opens - 0.02 * n_resists)
    for me in range(2):
        blamed = flag(resists_[1 - me])
        block[STATE.self_regard + me, lane] = block[STATE.self_regard + me, lane] - 0.02 * blamed
        block[WEEK.joy + me, lane] = block[WEEK.joy + me, lane] + (
            0.02 * flag(opens_[0] | opens_[1]) - 0.03 * blamed
        )
        block[WEEK.hurt + me, lane] = block[WEEK.hurt + me, lane] + 0.01 * flag(resists_[me])

    calm_p = (
        0.06 * block[TRAIT.intensity_seeking, lane] if block[STATE.stress, lane] < 0.3 else 0.0,
        0.06 * block[TRAIT.intensity_seeking + 1, lane]
        if block[STATE.stress + 1, lane] < 0.3
        else 0.0,
    )
    d = draw_pair(draws, lane, Draw.STIR_CONFLICT)
    calm_ = (d[0] < calm_p[0], d[1] < calm_p[1])
    events[EVENT.conflict, lane] += flag(calm_[0])
    events[EVENT.conflict + 1, lane] += flag(calm_[1])
    block[WEEK.closeness, lane] = block[WEEK.closeness, lane] - 0.01 * (
        flag(calm_[0]) + flag(calm_[1])
    )
    # Chemistry fades, and a stirred-up conflict rekindles a little of it.
    set_state(
        block,
        STATE.chemistry,
        lane,
        0.99 * block[STATE.chemistry, lane] + 0.02 * flag(calm_[0] | calm_[1]),
    )


@rule
def appraise(block, events, draws, lane):
    """Phase 8, appraise: satisfaction, resentment, trust, intimacy and the ledger.

    Satisfaction follows closeness, care received, shared history and chemistry, and
    falls with resentment, stress, the gap between care expected and care received
    (M5, BIS; BHR), and, for a dependent or rigid partner only, with growth paths that
    diverge (M12, GAP). Asking clearly shrinks the expectation gap (BHR). Resentment
    gathers from the week's hurts and from a ledger in credit, and a scorekeeper lets
    it go slowly (M4). Trust moves toward the evidence of the week (BHR). The ledger
    is the perceived balance of help given and received. The pressures on satisfaction
    are carried smoothly into (0, 1) (:func:`~sim.model.rules.bounded`), so that no
    sum of them pins it to a bound.
    """
    divergence = abs(block[STATE.direction, lane] - block[STATE.direction + 1, lane])
    for me in range(2):
        st = clip(
            block[STATE.stress + me, lane]
            + 0.5 * block[WEEK.unresolved + me, lane]
            - 0.1 * block[WEEK.helped + me, lane],
            0.0,
            1.0,
        )
        set_state(block, STATE.stress + me, lane, st)
        care = 0.9 * block[STATE.care + me, lane] + 0.1 * block[WEEK.cared + me, lane]
        set_state(block, STATE.care + me, lane, care)
        gap = maximum(block[TRAIT.expectation + me, lane] - care, 0.0) * (
            1.0 - 0.7 * block[TRAIT.assertiveness + me, lane]
        )
        insecure = maximum(block[TRAIT.dependency + me, lane], block[TRAIT.rigidity + me, lane])
        threat = divergence * insecure * insecure
        target = (
            0.35
            + 0.55 * block[STATE.intimacy, lane]
            + 0.2 * care
            + 0.2 * block[STATE.chemistry, lane]
            + 0.1 * block[STATE.shared, lane]
            + 0.3 * block[STATE.idealization + me, lane]
            - 0.6 * block[ENV.m5_expectation, lane] * gap
            - 0.4 * block[STATE.resentment + me, lane]
            - 0.25 * st
            - 0.8 * block[ENV.m12_divergence, lane] * threat
            - 0.15 * (1.0 - block[STATE.self_regard + me, lane])
        )
        # The week's joys and sorrows move satisfaction less the nearer it is to its
        # bounds: a good week lifts the content little, a bad one sinks the miserable
        # little.
        sat = block[STATE.satisfaction + me, lane]
        joy = block[WEEK.joy + me, lane]
        set_state(
            block,
            STATE.satisfaction + me,
            lane,
            sat + 0.08 * (bounded(target) - sat) + joy * (1.0 - sat if joy > 0.0 else sat),
        )

    for me in range(2):
        given = block[WEEK.helped + 1 - me, lane]
        set_state(
            block,
            STATE.help_recent + me,
            lane,
            0.99 * block[STATE.help_recent + me, lane] + 0.01 * given,
        )
        set_state(block, STATE.help_given + me, lane, block[STATE.help_given + me, lane] + given)
        keep = block[ENV.m4_scorekeeping, lane] * block[TRAIT.scorekeeping + me, lane]
        ledger = 0.97 * block[STATE.ledger + me, lane] + 0.2 * (0.5 + keep) * (
            given - block[WEEK.helped + me, lane]
        )
        set_state(block, STATE.ledger + me, lane, ledger)
        res = block[STATE.resentment + me, lane]
        let_go = 0.03 * (1.0 - 0.8 * keep) * res
        owed = 0.02 * keep * maximum(ledger, 0.0)
        res = res + block[WEEK.hurt + me, lane] + owed - let_go
        set_state(block, STATE.resentment + me, lane, res)

        good, bad = block[WEEK.good + me, lane], block[WEEK.bad + me, lane]
        trust = block[STATE.trust + me, lane]
        trust_target = clip(0.5 + 0.25 * (good - bad), 0.0, 1.0)
        set_state(
            block,
            STATE.trust + me,
            lane,
            trust + 0.05 * (trust_target - trust) if good + bad > 0 else trust,
        )

        # Goodwill recovers toward a level set by responsiveness, lowered by resentment.
        rest = (0.5 + 0.5 * block[TRAIT.responsiveness + me, lane]) * (1.0 - 0.6 * res)
        set_state(
            block,
            STATE.goodwill + me,
            lane,
            block[STATE.goodwill + me, lane] + 0.03 * (rest - block[STATE.goodwill + me, lane]),
        )
        aut = block[STATE.autonomy + me, lane]
        set_state(
            block,
            STATE.autonomy + me,
            lane,
            aut + 0.01 * (1.0 - 0.5 * block[TRAIT.dependency + me, lane] - aut),
        )
        set_state(
            block,
            STATE.self_regard + me,
            lane,
            block[STATE.self_regard + me, lane]
            + 0.005 * (0.7 - block[STATE.self_regard + me, lane]),
        )
        # Idealization fades with time, faster with every hurt (disillusionment).
        ideal = block[STATE.idealization + me, lane]
        set_state(
            block,
            STATE.idealization + me,
            lane,
            ideal - ideal * (0.008 + 0.5 * block[WEEK.hurt + me, lane]),
        )
    # Closeness gained counts for less the closer a couple already is, and closeness
    # lost for less the less there is to lose, so intimacy stays inside its range.
    intimacy = block[STATE.intimacy, lane]
    closeness = block[WEEK.closeness, lane]
    set_state(
        block,
        STATE.intimacy,
        lane,
        intimacy + closeness * (1.0 - intimacy if closeness > 0.0 else intimacy) - 0.002 * intimacy,
    )
    positive = 0.0
    for row in POSITIVE_ROWS:
        positive = positive + events[row, lane] + events[row + 1, lane]
    negative = 0.0
    for row in NEGATIVE_ROWS:
        negative = negative + events[row, lane] + events[row + 1, lane]
    set_state(
        block,
        STATE.positive_recent,
        lane,
        KEEP * block[STATE.positive_recent, lane] + RECENT * positive,
    )
    set_state(
        block,
        STATE.negative_recent,
        lane,
        KEEP * block[STATE.negative_recent, lane] + RECENT * negative,
    )
    conflict = (events[EVENT.conflict, lane] > 0) | (events[EVENT.conflict + 1, lane] > 0)
    set_state(
        block,
        STATE.conflict_recent,
        lane,
        KEEP * block[STATE.conflict_recent, lane] + RECENT * flag(conflict),
    )


@rule
def commit(block, events, draws, lane):
    """Phase 9, commit: investments, alternatives, commitment, and whether one leaves.

    Commitment follows Rusbult's investment model (Rusbult 1980; Le and Agnew 2003):
    it rises with satisfaction, with what one has invested and would lose, and with
    the barriers that make leaving costly (formal commitment, children, shared
    property: ``barriers``), and falls with the quality of one's alternatives.
    Investments grow with a shared life (closeness, history, visible effort) and are
    withdrawn as resentment grows. Alternatives look better to a self-focused partner
    (Campbell and Foster 2002) and worse to a dependent one, they look worse to the
    committed (derogation of alternatives, Johnson and Rusbult 1989), and they drift
    as one's outlook changes. Needing the partner, or having made the partner one's
    project, binds a little more (PDR), within bounds. A partner whose commitment
    stays below ``commitment_threshold`` for ``patience`` weeks leaves (PDR). The
    ending is healthy when it comes without lasting resentment, coercion or demands:
    a growth step; destructive when it comes with much of them; in between it may go
    either way (PDR).
    """
    outlook = draw_pair(draws, lane, Draw.OUTLOOK)
    engagement = (
        0.4 * block[STATE.intimacy, lane]
        + 0.3 * block[STATE.shared, lane]
        + 0.3 * block[STATE.effort, lane]
    )
    leaves = False
    for me in range(2):
        other = 1 - me
        dep, narc = block[TRAIT.dependency + me, lane], block[TRAIT.narcissism + me, lane]
        committed = block[STATE.commitment + me, lane]
        invested = block[STATE.investment + me, lane]
        invested = (
            invested
            + 0.005 * (0.25 + 0.75 * engagement) * (1.0 - invested)
            - 0.003 * block[STATE.resentment + me, lane] * invested
        )
        set_state(block, STATE.investment + me, lane, invested)
        outside = alternatives_seen(block[ENV.alternatives, lane], narc, dep) * (
            1.0 - 0.3 * committed
        )
        quality = block[STATE.alternative_quality + me, lane]
        quality = quality + 0.02 * (outside - quality) + 0.08 * (outlook[me] - 0.5)
        set_state(block, STATE.alternative_quality + me, lane, quality)
        target = commitment_target(
            block[STATE.satisfaction + me, lane],
            invested,
            block[ENV.barriers, lane],
            quality,
            dep,
            narc * block[TRAIT.dependency + other, lane],
            block[STATE.effort, lane] - EFFORT_AT_REST,
        )
        c = committed + 0.05 * (target - committed)
        set_state(block, STATE.commitment + me, lane, c)
        below = (
            block[STATE.below + me, lane] + 1.0
            if c < block[ENV.commitment_threshold, lane]
            else 0.0
        )
        set_state(block, STATE.below + me, lane, below)
        leaves = leaves | (below >= block[ENV.patience, lane])
    bitterness = (
        maximum(block[STATE.resentment, lane], block[STATE.resentment + 1, lane])
        + 4.0 * block[STATE.coercion_recent, lane]
        + 2.0 * block[STATE.demand_recent, lane]
    )
    bitter = block[WEEK.parting, lane] < bitter_chance(bitterness)
    block[WEEK.ending, lane] = (DESTRUCTIVE if bitter else HEALTHY) if leaves else TOGETHER
    block[STATE.weeks, lane] = block[STATE.weeks, lane] + 1.0


PHASES = (life, cope, notice, respond, fix, share, grow, appraise, commit)
"""The nine phases of a week, in order. The engine (:mod:`sim.model.kernel`) runs each
for every couple of a block before the next begins, so that the loop over couples is a
loop over vector lanes; the commit phase leaves in ``week.ending`` how each couple
stands after the week."""
