"""V10: partners in the market resemble each other in desirability, as real couples do.

Feingold's (1988) meta-analysis of 27 samples puts the within-couple correlation of
physical attractiveness at about 0.39. In the market it must emerge from competition:
everyone finds the desirable more appealing, so they are accepted sooner and pair off
with each other; nobody seeks a partner like themself. The effect must come through
``market.desirability_weight`` (with it at 0 the correlation is gone) and grow with it.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.market import assortment, attraction, draws, history
from sim.market.market import Market, Settings

TARGET, TOLERANCE = 0.39, 0.1
SEEDS = (0, 1, 2)


@pytest.mark.parametrize("seed", SEEDS)
def test_v10_within_couple_correlation_of_desirability_in_a_quick_default_market(seed):
    r = sim.market.attractiveness_correlation(seed, quick=True)
    assert abs(r - TARGET) <= TOLERANCE


@pytest.mark.slow
def test_v10_within_couple_correlation_of_desirability_in_a_full_default_market():
    values = [sim.market.attractiveness_correlation(seed) for seed in SEEDS]
    assert all(abs(r - TARGET) <= TOLERANCE for r in values), values


def test_without_the_desirability_weight_partners_desirability_does_not_correlate():
    for seed in SEEDS:
        r = assortment.attractiveness_correlation(
            seed, quick=True, market={"desirability_weight": 0.0}
        )
        assert abs(r) < 0.08


def test_with_the_weight_at_zero_desirability_plays_no_part_in_who_pairs_or_parts():
    def table(desirability, weight):
        settings = Settings.build({"size": 300, "desirability_weight": weight})
        m = Market(settings, draws.market_key(4), desirability=desirability).run(156)
        return history.relationship_table(m)[["a", "b", "start", "end", "outcome"]]

    rng = np.random.default_rng(0)
    low, high = rng.uniform(0, 0.5, 300), rng.uniform(0.5, 1, 300)
    assert table(low, 0.0).equals(table(high, 0.0))
    assert not table(low, 0.7).equals(table(high[::-1], 0.7))


def test_assortment_rises_with_the_weight_of_desirability():
    weights = (0.0, 0.35, 0.7, 1.0)
    markets = [
        assortment.default_market(1, quick=True, market={"desirability_weight": w}) for w in weights
    ]
    values = [history.desirability_correlation(m) for m in markets]
    first = [history.desirability_correlation(m, first_only=True) for m in markets]
    # graded: every step up in the weight raises the correlation, and the whole range of
    # the weight moves it by far more than a correlation's sampling error (about 0.03)
    assert np.all(np.diff(values) > 0) and values[-1] - values[0] > 0.3, values
    assert np.all(np.diff(first) > 0) and first[-1] - first[0] > 0.3, first
    # desirability alone is Kalick and Hamilton's attractiveness rule (about .6) in the
    # first round of pairing, where, as in their market, everyone pairs once
    assert 0.5 < first[-1] < 0.7
    # re-pairing after endings draws on a pool of singles mixed in desirability
    assert values[-1] < first[-1] - 0.05


def test_the_first_round_of_pairing_is_every_couple_of_two_people_new_to_the_market():
    m = Market(Settings.build({"size": 300}), draws.market_key(6)).run(156)
    first = history.first_couples(m)
    rows = history.person_rows(history.relationship_table(m))
    firsts = rows[rows["order"] == 0].groupby("serial").size()
    expected = np.zeros(m.relationships.n, dtype=bool)
    expected[firsts[firsts == 2].index.to_numpy()] = True
    assert np.array_equal(first, expected)
    assert 0 < first.sum() < m.relationships.n
    a, b = history.desirability_pairs(m)
    r = history.desirability_correlation(m, first_only=True)
    assert r == pytest.approx(np.corrcoef(a[first], b[first])[0, 1])


def test_the_desirable_pair_sooner_and_with_each_other():
    m = Market(Settings.build({"size": 2000}), draws.market_key(3)).run(52)
    d = m.desirability
    a, b = history.desirability_pairs(m)
    start = m.relationships["start"]
    first = np.full(m.n, 52)
    for who in (m.relationships["a"], m.relationships["b"]):
        np.minimum.at(first, who, start)
    top, bottom = d >= np.quantile(d, 0.8), d <= np.quantile(d, 0.2)
    assert np.median(first[top]) < np.median(first[bottom])
    # couples formed in the first tenth of the year are more desirable than the last
    mean = 0.5 * (a + b)
    order = np.argsort(start, kind="stable")
    tenth = len(order) // 10
    assert mean[order[:tenth]].mean() > mean[order[-tenth:]].mean() + 0.1


def test_a_candidates_appeal_depends_on_the_candidates_desirability_not_on_ones_own():
    # everyone has the same traits, so every pair's own attraction is the same
    m = Market(
        Settings.build({"size": 4}), draws.market_key(1), traits={}, desirability=[0, 1, 0.3, 0.8]
    )
    appeal, pair = m.appeal(np.array([0, 1, 0, 1]), np.array([2, 2, 3, 3]))
    assert np.ptp(pair) == 0.0
    assert appeal[0] == appeal[1] and appeal[2] == appeal[3]
    w = m.desirability_weight
    assert appeal[2] - appeal[0] == pytest.approx(w * (0.8 - 0.3))
    assert attraction.appeal(np.array([0.2]), np.array([0.9]), 0.25) == pytest.approx(0.375)


def test_couple_records_hold_both_partners_desirability_and_the_correlation_is_theirs():
    m = Market(Settings.build({"size": 300}), draws.market_key(5)).run(104)
    table = history.relationship_table(m)
    a, b = history.desirability_pairs(m)
    assert len(a) == len(b) == len(table) == m.relationships.n > 100
    assert np.array_equal(a, m.desirability[table["a"]])
    assert np.array_equal(b, m.desirability[table["b"]])
    assert np.array_equal(table["desirability_a"], a)
    r = history.desirability_correlation(m)
    assert r == pytest.approx(np.corrcoef(a, b)[0, 1])
    assert history.summary(m)["desirability_correlation"] == r
    # the pairs returned for a scatter plot are those the correlation is taken over
    pa, pb = assortment.attractiveness_pairs(0, quick=True)
    quick = assortment.attractiveness_correlation(0, quick=True)
    assert np.corrcoef(pa, pb)[0, 1] == pytest.approx(quick)


def test_desirability_is_drawn_uniform_fixed_for_life_and_a_function_of_the_seed():
    m = Market(Settings.build({"size": 20_000}), draws.market_key(2))
    d = m.desirability.copy()
    assert 0.0 <= d.min() and d.max() < 1.0
    assert np.mean(d) == pytest.approx(0.5, abs=0.01)
    assert np.std(d) == pytest.approx(np.sqrt(1 / 12), abs=0.01)
    assert abs(np.corrcoef(d, m.traits["dependency"])[0, 1]) < 0.03
    small = Market(Settings.build({"size": 300, "recovery": 2}), draws.market_key(2))
    before = small.desirability.copy()
    small.run(150)
    assert np.array_equal(small.desirability, before)
    assert np.array_equal(before, d[:300])
    other = Market(Settings.build({"size": 300}), draws.market_key(3))
    assert not np.array_equal(other.desirability, before)


def test_a_few_couples_give_no_correlation():
    m = Market(Settings.build({"size": 2}), draws.market_key(1)).run(3)
    assert np.isnan(history.desirability_correlation(m))


@pytest.mark.parametrize(
    ("market", "match"),
    [
        ({"desirability_weight": 1.5}, "market.desirability_weight"),
        ({"desirability_weight": -0.1}, "market.desirability_weight"),
        ({"desirability_weight": float("nan")}, "market.desirability_weight"),
        ({"desirability_weight": "high"}, "market.desirability_weight"),
        ({"desirablity_weight": 0.5}, "market.desirablity_weight"),
    ],
)
def test_bad_market_values_are_one_line_parameter_errors(market, match):
    with pytest.raises(sim.ParameterError, match=match) as err:
        Settings.build(market)
    assert "\n" not in str(err.value)
    with pytest.raises(sim.ParameterError, match=match):
        assortment.attractiveness_correlation(quick=True, market=market)


def test_given_desirability_is_checked():
    settings = Settings.build({"size": 3})
    with pytest.raises(sim.ParameterError, match="desirability"):
        Market(settings, draws.market_key(1), desirability=[0.2, 1.2, 0.5])
    with pytest.raises(sim.ParameterError, match="one value per person"):
        Market(settings, draws.market_key(1), desirability=[0.2, 0.5])
    m = Market(settings, draws.market_key(1), desirability=0.4)
    assert m.desirability.tolist() == [0.4, 0.4, 0.4]


def test_the_mesa_face_shows_desirability_and_takes_its_weight():
    model = sim.PartnerMarket(size=40, rng=2, desirability_weight=0.2, steps=5)
    assert model.market.desirability_weight == 0.2
    person = model.people[7]
    assert person.desirability == model.market.desirability[7]
    with pytest.raises(sim.ParameterError, match="desirability_weight"):
        sim.PartnerMarket(size=10, rng=1, market_desirability_weight=3)


def test_cli_market_run_rejects_a_bad_desirability_weight(tmp_path, capsys):
    from sim.cli.main import main

    out = tmp_path / "run"
    for bad in ("market.desirability_weight=2", "market.desirability_weight=x"):
        assert main(["market", "run", "--set", bad, "--out", str(out)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("relsim: error:")
        assert "desirability_weight" in err[0]
