"""``relsim validate``: measures on hand-made couples, the targets file, bad targets files,
the printed table, the written folder and the exit status."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from sim.cli.main import main
from sim.model.engine import build_params
from sim.validation import measures, page, report
from sim.validation import run as vrun
from sim.validation.couples import Couples, MissingData
from sim.validation.measures import MEASURES, VALUE
from sim.validation.run import Settings, evaluate, run_validation, simulate_population
from sim.validation.survival import kaplan_meier, survival_at
from sim.validation.targets import (
    SOURCE_KEYS,
    TARGET_KEYS,
    Criterion,
    default_path,
    load_targets,
    short_cite,
)

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ("survival", "hazard", "cox", "satisfaction")


def ended_couples(step_ended, weeks: int = 520, **metrics) -> Couples:
    step = np.asarray(step_ended, dtype=np.int64)
    return Couples({"ended": step >= 0, "step_ended": step, **metrics}, weeks=weeks)


def yearly(values_by_year, together_by_year=None, **more) -> tuple[dict, np.ndarray]:
    """Series recorded every 52 weeks from per-year rows (one list per year)."""
    rows = np.asarray(values_by_year, dtype=float)
    together = np.ones_like(rows) if together_by_year is None else np.asarray(together_by_year)
    series = {"satisfaction_a": rows, "satisfaction_b": rows, "together": together}
    series.update({k: np.asarray(v, dtype=float) for k, v in more.items()})
    return series, np.arange(rows.shape[0]) * 52


# --- Endings -------------------------------------------------------------------------------


def test_ended_within_counts_couples_that_ended_in_their_first_years():
    # step_ended is the 0-based week: 259 is the last week of year 5, 260 the first of year 6
    c = ended_couples([10, 259, 260, 300, -1, -1, -1, -1])
    assert measures.ended_within(c, 5).values == {VALUE: 2 / 8}
    both = measures.ended_within(c, [5, 10]).values
    assert both == {"within_5": 2 / 8, "within_10": 4 / 8}
    assert measures.ended_within(ended_couples([-1, -1]), 10).values[VALUE] == 0.0


def test_ended_within_refuses_more_years_than_the_couples_ran():
    with pytest.raises(ValueError, match="260 weeks"):
        measures.ended_within(ended_couples([-1, 5], weeks=260), 6)


def test_yearly_hazard_is_the_share_of_couples_at_risk_that_end_each_year():
    c = ended_couples([10, 51, 52, 60, 200, -1, -1, -1, -1, -1])
    table = measures.yearly_hazard(c, 10)
    assert table["year"].tolist() == list(range(1, 11))
    assert table["at_risk"].tolist()[:5] == [10, 8, 6, 6, 5]
    assert table["ended"].tolist()[:5] == [2, 2, 0, 1, 0]
    assert table["hazard"].tolist()[:4] == pytest.approx([0.2, 0.25, 0.0, 1 / 6])
    assert table["ended"].sum() == 5 and (table["hazard"].iloc[4:] == 0).all()


def _with_endings(per_year: dict[int, int], n: int = 1000) -> Couples:
    step = np.full(n, -1)
    i = 0
    for year, count in per_year.items():
        step[i : i + count] = 52 * (year - 1) + 10
        i += count
    return ended_couples(step)


def test_hazard_shape_finds_the_peak_and_compares_the_first_and_late_years_with_it():
    c = _with_endings({1: 10, 3: 50, 9: 5})
    m = measures.hazard_shape(c, years=10, late=[8, 10])
    h3 = 50 / 990
    assert m.values["peak_year"] == 3
    assert m.values["first_to_peak"] == pytest.approx((10 / 1000) / h3)
    assert m.values["late_to_peak"] == pytest.approx((5 / 940) / 3 / h3)
    assert len(m.details["hazard"]) == 10


def test_hazard_shape_of_a_hazard_that_only_falls_fails_the_v3_shape():
    target = next(t for t in load_targets() if t.id == "V3")
    falling = measures.hazard_shape(_with_endings({1: 60, 2: 30, 3: 10}))
    assert falling.values["peak_year"] == 1
    assert not all(vrun.check(target, falling)[k].met for k in target.criteria)
    rising = measures.hazard_shape(_with_endings({1: 10, 2: 20, 4: 40, 9: 3}))
    assert all(c.met for c in vrun.check(target, rising).values())
    nothing = measures.hazard_shape(ended_couples([-1] * 20))
    assert all(math.isnan(x) for x in nothing.values.values())
    handful = _with_endings({1: 1, 4: 10, 9: 1})
    assert all(math.isnan(x) for x in measures.hazard_shape(handful).values.values())
    assert measures.hazard_shape(handful, min_ended=12).values["peak_year"] == 4


def test_kaplan_meier_survival_of_couples_without_censoring_before_the_end():
    c = ended_couples([10, 60, 61, 200, -1, -1, -1, -1, -1, -1])
    curve = kaplan_meier(c)
    assert survival_at(curve, 0.0) == 1.0
    assert survival_at(curve, 1.0) == pytest.approx(0.9)
    assert survival_at(curve, 5.0) == pytest.approx(0.6)
    assert survival_at(curve, 10.0) == pytest.approx(0.6)
    assert (curve["lower"] <= curve["survival"] + 1e-12).all()


# --- Interactions --------------------------------------------------------------------------


def test_positive_negative_ratio_of_stable_satisfied_and_ended_couples():
    c = ended_couples(
        [-1, -1, -1, 100, 200],
        positive_recent=np.array([5.0, 3.0, 9.0, 1.0, 2.0]),
        negative_recent=np.array([1.0, 1.0, 9.0, 2.0, 2.0]),
        satisfaction_a=np.array([0.8, 0.5, 0.9, 0.1, 0.2]),
        satisfaction_b=np.array([0.6, 0.7, 0.3, 0.2, 0.1]),
    )
    m = measures.positive_negative_ratio(c, satisfied=0.5)
    # couple 2 is together but partner b's satisfaction is 0.3: not in the satisfied group
    assert m.values["stable_satisfied"] == pytest.approx(4.0 / 1.0)
    assert m.values["ended"] == pytest.approx(1.5 / 2.0)
    assert m.details["couples_stable_satisfied"] == 2 and m.details["couples_ended"] == 2


def test_positive_negative_ratio_needs_the_interaction_metrics():
    with pytest.raises(MissingData, match="positive_recent"):
        measures.positive_negative_ratio(ended_couples([-1, 3]))


def test_ratio_by_group_is_the_ratio_of_the_group_means():
    c = ended_couples(
        [-1, -1, 5],
        positive_recent=np.array([2.0, 4.0, 1.0]),
        negative_recent=np.array([1.0, 1.0, 0.0]),
    )
    t = measures.ratio_by_group(c, np.array(["mutual", "mutual", "ended_healthy"]))
    assert t.set_index("group")["ratio"]["mutual"] == pytest.approx(3.0)
    assert math.isnan(t.set_index("group")["ratio"]["ended_healthy"])
    assert t["couples"].tolist() == [2, 1]


# --- Satisfaction over the years -----------------------------------------------------------


def _satisfaction_couples() -> Couples:
    # three couples over years 0..10; the third ends in year 3 (apart from year 3 on)
    years = np.arange(11)
    first = 0.9 - 0.1 * np.minimum(years, 4) - 0.01 * np.maximum(years - 4, 0)
    second = first - 0.1
    third = np.where(years < 3, 0.4, 0.05)
    together = np.stack([np.ones(11), np.ones(11), (years < 3).astype(float)], axis=1)
    series, steps = yearly(np.stack([first, second, third], axis=1), together)
    return Couples(
        {"ended": np.array([False, False, True]), "step_ended": np.array([-1, -1, 120])},
        series,
        steps,
    )


def test_satisfaction_by_year_counts_only_couples_still_together():
    t = _satisfaction_couples()
    table = measures.satisfaction_by_year(t).set_index("year")
    assert table.loc[0, "couples"] == 3 and table.loc[3, "couples"] == 2
    assert table.loc[0, "mean"] == pytest.approx((0.9 + 0.8 + 0.4) / 3)
    assert table.loc[4, "mean"] == pytest.approx((0.5 + 0.4) / 2)
    assert table.loc[4, "q25"] <= table.loc[4, "median"] <= table.loc[4, "q75"]


def test_satisfaction_decline_compares_the_early_fall_with_twice_the_late_one():
    m = measures.satisfaction_decline(_satisfaction_couples(), [0, 4], [4, 10], 2.0)
    early = (0.9 + 0.8 + 0.4) / 3 - 0.45
    assert m.values["decline_early"] == pytest.approx(early)
    assert m.details["decline_late"] == pytest.approx(0.06)
    assert m.values["margin"] == pytest.approx(early - 0.12)
    target = next(t for t in load_targets() if t.id == "V6")
    assert all(c.met for c in vrun.check(target, m).values())


def test_a_satisfaction_that_falls_steadily_fails_the_v6_shape():
    years = np.arange(11)
    series, steps = yearly((0.9 - 0.05 * years)[:, None] * np.ones((1, 4)))
    c = Couples({"ended": np.zeros(4, bool), "step_ended": -np.ones(4, int)}, series, steps)
    m = measures.satisfaction_decline(c)
    assert m.values["decline_early"] == pytest.approx(0.2)
    assert m.values["margin"] == pytest.approx(0.2 - 2 * 0.3)
    target = next(t for t in load_targets() if t.id == "V6")
    assert not vrun.check(target, m)["margin"].met


def test_lowest_fifth_ending_ratio_over_the_top_three_fifths():
    # ten couples together at year 1, satisfaction 0.1 .. 1.0; the two least satisfied end,
    # and one of the six most satisfied; couple 10 ended in year 1 and is left out
    sat = np.append(np.linspace(0.1, 1.0, 10), 0.0)
    together = np.ones((11, 11))
    together[1:, 10] = 0.0
    series, steps = yearly(np.tile(sat, (11, 1)), together)
    step = np.array([300, 400, -1, -1, -1, -1, 450, -1, -1, -1, 20])
    c = Couples({"ended": step >= 0, "step_ended": step}, series, steps)
    m = measures.lowest_fifth_ending_ratio(c, at_year=1, by_year=10, min_ended=3)
    assert m.details["couples"] == 10
    assert m.details["ended_share_lowest_fifth"] == 1.0
    assert m.details["ended_share_top_three_fifths"] == pytest.approx(1 / 6)
    assert m.values[VALUE] == pytest.approx(6.0)
    # a ratio of three endings is noise at the default least number of endings
    assert math.isnan(measures.lowest_fifth_ending_ratio(c).values[VALUE])


# --- The investment model ------------------------------------------------------------------


def test_investment_correlations_pool_both_partners_of_couples_together_at_year_1():
    rng = np.random.default_rng(3)
    n = 200
    commit = rng.uniform(0, 1, (2, n))
    investment = commit + rng.normal(0, 0.3, (2, n))
    together = np.ones((3, n))
    together[1:, 0] = 0.0  # couple 0 ended in year 1: its wild values are left out
    rows = {}
    for name, value in (
        ("commitment", commit),
        ("satisfaction", 0.5 * commit + 0.1),
        ("alternative_quality", 1.0 - commit),
        ("investment", investment),
    ):
        v = value.copy()
        v[:, 0] = [50.0, -50.0] if name == "investment" else v[:, 0]
        rows[f"{name}_a"] = np.tile(v[0], (3, 1))
        rows[f"{name}_b"] = np.tile(v[1], (3, 1))
    rows["together"] = together
    c = Couples(
        {"ended": np.zeros(n, bool), "step_ended": -np.ones(n, int)}, rows, np.arange(3) * 52
    )
    m = measures.investment_correlations(c, at_year=1)
    expected = np.corrcoef(commit[:, 1:].ravel(), investment[:, 1:].ravel())[0, 1]
    assert m.values["satisfaction"] == pytest.approx(1.0)
    assert m.values["alternatives"] == pytest.approx(-1.0)
    assert m.values["investments"] == pytest.approx(expected)
    assert m.details["partners"] == 2 * (n - 1)


def test_investment_correlations_need_the_investment_model_series():
    series, steps = yearly(np.full((3, 4), 0.5), commitment_a=np.ones((3, 4)))
    c = Couples({"ended": np.zeros(4, bool), "step_ended": -np.ones(4, int)}, series, steps)
    with pytest.raises(MissingData):
        measures.investment_correlations(c)


def test_commitment_predicts_ending_is_the_point_biserial_correlation():
    rng = np.random.default_rng(7)
    n = 300
    commitment = rng.uniform(0, 1, n)
    ended = rng.uniform(0, 1, n) > commitment  # the less committed end more often
    step = np.where(ended, 100, -1)
    series, steps = yearly(
        np.full((2, n), 0.5),
        commitment_a=np.tile(commitment, (2, 1)),
        commitment_b=np.tile(commitment, (2, 1)),
    )
    c = Couples({"ended": ended, "step_ended": step}, series, steps)
    m = measures.commitment_predicts_ending(c, at_year=1, by_year=5)
    assert m.values[VALUE] == pytest.approx(np.corrcoef(ended, commitment)[0, 1])
    assert m.values[VALUE] < -0.25
    none_ended = Couples(
        {"ended": np.zeros(n, bool), "step_ended": -np.ones(n, int)}, series, steps
    )
    assert math.isnan(measures.commitment_predicts_ending(none_ended).values[VALUE])


# --- The partner market, through a provider passed in ------------------------------------


class FakeMarket:
    """A stand-in for sim.market.assortment, with the values it was built with."""

    def __init__(self, attractiveness=0.39, kh=None):
        self.attractiveness = attractiveness
        self.kh = kh or {"attractiveness": 0.61, "matching": 0.83}
        self.calls = []

    def attractiveness_correlation(self, seed, quick):
        self.calls.append(("attractiveness", seed, quick))
        return self.attractiveness

    def kalick_hamilton_correlations(self, seed, quick):
        self.calls.append(("kh", seed, quick))
        return self.kh


class FakeMarketWithPairs(FakeMarket):
    """A stand-in that also gives the partners' attractiveness of its couples."""

    def attractiveness_pairs(self, seed, quick):
        rng = np.random.default_rng(seed)
        a = rng.uniform(0, 1, 400)
        return a, 0.5 * a + 0.5 * rng.uniform(0, 1, 400)


def test_market_targets_are_checked_through_the_provider_with_the_seed_and_quick():
    targets = {t.id: t for t in load_targets()}
    market = FakeMarket(0.2, {"attractiveness": 0.6, "matching": 0.9})
    settings = Settings(seed=9, quick=True)
    v10 = evaluate(targets["V10"], {}, settings, market)
    v11 = evaluate(targets["V11"], {}, settings, market)
    assert market.calls == [("attractiveness", 9, True), ("kh", 9, True)]
    assert v10.checks[VALUE].value == 0.2 and not v10.met
    assert v10.checks[VALUE].miss == pytest.approx(0.29 - 0.2)
    assert v11.checks["attractiveness"].met and not v11.checks["matching"].met
    assert v11.checks["matching"].miss == pytest.approx(0.9 - 0.87)


def test_market_targets_without_a_market_are_not_met_and_say_why():
    target = next(t for t in load_targets() if t.id == "V10")
    out = evaluate(target, {}, Settings(), None)
    assert not out.met and "sim.market.assortment" in out.error


# --- Criteria ------------------------------------------------------------------------------


def test_criteria_allow_a_tolerance_inclusive_and_exclusive_bounds():
    tol = Criterion(target=0.2, tolerance=0.05)
    assert tol.check(0.25) == (True, 0.0) and tol.check(0.15)[0]
    assert tol.check(0.3)[0] is False and tol.check(0.3)[1] == pytest.approx(0.05)
    assert tol.describe() == "0.2 ± 0.05"
    below = Criterion(below=1.0)
    assert below.check(0.999)[0] and not below.check(1.0)[0]
    assert below.describe() == "< 1"
    span = Criterion(low=2, high=6)
    assert span.check(2)[0] and span.check(6)[0] and span.check(7) == (False, 1.0)
    assert span.describe() == "2 to 6"
    ok, miss = Criterion(low=3).check(float("nan"))
    assert not ok and math.isnan(miss)


# --- The targets file ----------------------------------------------------------------------


def test_the_shipped_targets_file_holds_v1_to_v11_with_known_measures_and_full_citations():
    targets = load_targets(default_path())
    assert [t.id for t in targets] == [f"V{i}" for i in range(1, 12)]
    for t in targets:
        measure = MEASURES[t.measure]
        assert set(t.criteria) == set(measure.components(t.args))
        assert t.sources and all(
            s.year and s.title and (s.journal or s.publisher) for s in t.sources
        )
        assert t.short_cite and t.what
        if measure.data == "couples":
            assert t.population in ("newlyweds", "cohabiting")
    v4 = next(t for t in targets if t.id == "V4")
    assert v4.criteria["within_10"].describe() == "0.62 ± 0.07"


def test_the_targets_readme_documents_every_key_and_measure():
    text = (ROOT / "validation" / "README.md").read_text(encoding="utf-8")
    for key in (*TARGET_KEYS, *SOURCE_KEYS):
        assert f"`{key}`" in text or f"{key} = " in text, key
    for name, measure in MEASURES.items():
        assert f"`{name}`" in text, name
        for component in measure.components(measure.defaults()):
            assert component in text, (name, component)


def test_short_cites_come_from_the_authors():
    assert short_cite("Gottman, J. M.", 1994) == "Gottman 1994"
    assert short_cite("Le, B. and Agnew, C. R.", 2003) == "Le & Agnew 2003"
    assert (
        short_cite("Le, B., Dove, N. L., Agnew, C. R. and Mutso, A. A.", 2010) == "Le et al. 2010"
    )


GOOD = """
[[target]]
id = "mine"
what = "share ended within 3 years"
population = "newlyweds"
measure = "ended_within"
args = { years = 3 }
target = 0.1
tolerance = 0.5
[target.source]
authors = "Doe, J."
year = 2020
title = "A study"
journal = "A journal"
"""


def test_a_researcher_can_add_a_target_naming_a_measure_with_other_arguments(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(GOOD)
    (t,) = load_targets(path)
    assert t.args == {"years": 3} and t.criteria[VALUE].describe() == "0.1 ± 0.5"
    assert t.short_cite == "Doe 2020"


BAD = {
    "unknown key": (GOOD.replace('what = "', 'wat = "x"\nwhat = "'), "target[0].wat: unknown key"),
    "wrong type": (GOOD.replace("target = 0.1", "target = true"), "target[0].target: expected"),
    "unknown measure": (
        GOOD.replace('"ended_within"', '"ended_whenever"'),
        "target[0].measure: unknown measure 'ended_whenever'",
    ),
    "unknown argument": (GOOD.replace("years = 3", "yeers = 3"), "target[0].args.yeers"),
    "argument of the wrong type": (
        GOOD.replace("years = 3", 'years = "three"'),
        "target[0].args.years: expected a whole number",
    ),
    "unknown component": (
        GOOD.replace("tolerance = 0.5", "tolerance = { within_3 = 0.5 }"),
        "target[0].tolerance.within_3: not a component",
    ),
    "no criterion": (GOOD.replace("tolerance = 0.5", ""), "target[0].tolerance: missing"),
    "negative tolerance": (GOOD.replace("tolerance = 0.5", "tolerance = -1"), ">= 0"),
    "no source": (GOOD[: GOOD.index("[target.source]")], "target[0].source: missing"),
    "source without year": (GOOD.replace("year = 2020\n", ""), "target[0].source[0].year: missing"),
    "market population": (
        GOOD.replace('"ended_within"', '"market_attractiveness"').replace(
            "args = { years = 3 }", ""
        ),
        "target[0].population: the measure market_attractiveness runs the partner market",
    ),
    "twice the same id": (GOOD + GOOD, "target[1].id: 'mine' is given twice"),
    "malformed": (GOOD.replace("[target.source]", "[target.source"), "malformed TOML"),
    "no entries": ("", "target: expected one or more [[target]] entries"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_targets_file_is_one_line_naming_file_and_key_exit_2(case, tmp_path, capsys):
    text, expected = BAD[case]
    path = tmp_path / "bad.toml"
    path.write_text(text)
    out = tmp_path / "out"
    status = main(["validate", "--quick", "--targets", str(path), "--out", str(out)])
    err = capsys.readouterr().err.strip()
    assert status == 2
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "bad.toml" in err and expected in err
    assert not out.exists()


def test_a_missing_targets_file_and_a_bad_seed_are_one_line_errors(tmp_path, capsys):
    assert main(["validate", "--targets", str(tmp_path / "none.toml")]) == 2
    assert "no such targets file" in capsys.readouterr().err
    assert main(["validate", "--seed", "minus one"]) == 2
    err = capsys.readouterr().err
    assert "--seed" in err and len(err.strip().splitlines()) == 1


# --- Running, the table and the folder, with a stand-in population ------------------------


class DrawnPopulation:
    """A stand-in for sim.population: traits spread by each couple's key."""

    def __init__(self, name):
        self.name = name

    def draw(self, keys):
        u = (np.asarray(keys) % np.uint64(1000)).astype(float) / 1000.0
        return build_params(
            a={"dependency": 0.1 + 0.8 * u}, b={"dependency": 0.9 - 0.8 * u}, n=len(keys)
        )


def test_a_population_is_reproducible_from_the_seed_and_populations_draw_apart():
    one = simulate_population("newlyweds", 50, 4, 104, DrawnPopulation)
    again = simulate_population("newlyweds", 50, 4, 104, DrawnPopulation)
    other = simulate_population("cohabiting", 50, 4, 104, DrawnPopulation)
    for name in ("satisfaction_a", "intimacy", "step_ended"):
        np.testing.assert_array_equal(one.metrics[name], again.metrics[name])
    assert not np.array_equal(one.metrics["satisfaction_a"], other.metrics["satisfaction_a"])
    assert list(one.steps) == [0, 52, 104] and one.series["together"].shape == (3, 50)


def test_a_validation_writes_its_page_json_and_figures(tmp_path):
    targets = load_targets()
    v = run_validation(
        targets, Settings(seed=2, couples=300), DrawnPopulation, FakeMarketWithPairs()
    )
    assert set(v.couples) == {"newlyweds", "cohabiting"} and len(v.outcomes) == 11
    assert {o.target.id for o in v.outcomes if o.met} >= {"V10", "V11"}
    written = page.write_validation(v, tmp_path / "validation", "validation/targets.toml")
    html = written.page.read_text()
    for t in targets:
        assert f'id="{t.id}"' in html and t.sources[0].full().split(".")[0] in html
    for stem in (*FIGURES, "market"):
        assert (tmp_path / "validation" / "figures" / f"{stem}.png").stat().st_size > 1000
        assert (tmp_path / "validation" / "figures" / f"{stem}.svg").is_file()
        assert f'id="{stem}"' in html
    data = json.loads(written.data.read_text())
    assert data["settings"]["couples_per_population"] == 300 and data["settings"]["seed"] == 2
    assert data["all_met"] is False
    by_id = {t["id"]: t for t in data["targets"]}
    assert by_id["V10"]["values"]["value"]["model"] == 0.39 and by_id["V10"]["met"]
    assert by_id["V1"]["values"]["value"]["target"] == 0.2
    assert by_id["V1"]["sources"][0]["year"] == 2001
    assert len(data["figures"]["hazard"]["hazard"]) == 20
    # The Cox model of each population: a.dependency varies, b.dependency is 1 - it.
    cox = data["figures"]["cox"]
    assert cox["group"] == ["newlyweds", "cohabiting"] and set(cox["covariate"]) == {"a.dependency"}
    assert re.search(r"<th [^>]*>hazard ratio per sd</th>", html)
    assert re.search(r'<td class="[^"]*" >a.dependency</td>', html)
    assert "Left out as linear combinations of the others: b.dependency." in html
    assert len(data["figures"]["market"]["partner"]) == 400
    assert "No interactions figure: needs the metric" in html or "interactions" in data["figures"]
    assert not list((tmp_path / "validation").rglob(".tmp-*"))


def test_the_table_has_a_row_per_value_and_shortfalls_say_by_how_much():
    targets = [t for t in load_targets() if t.id in ("V4", "V10")]
    v = run_validation(targets, Settings(couples=100), DrawnPopulation, FakeMarket(0.2))
    text = report.table(v)
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["id", "what", "model"]
    assert [line.split()[0:2] for line in lines[1:]] == [
        ["V4", "within_5"],
        ["V4", "within_10"],
        ["V10", "partner"],
    ]
    assert "Bramlett & Mosher 2002" in lines[1] and "Feingold 1988" in lines[3]
    short = report.shortfalls(v)
    assert any(line.startswith("V10") and "0.09 below" in line for line in short)


def test_validate_exits_0_when_every_target_is_met_and_1_when_not(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(vrun, "default_loader", lambda: DrawnPopulation)
    monkeypatch.setattr(vrun, "default_market", lambda: FakeMarket())
    easy = tmp_path / "easy.toml"
    easy.write_text(GOOD.replace("tolerance = 0.5", "tolerance = 0.1"))
    assert main(["validate", "--quick", "--targets", str(easy), "--out", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    assert "1 of 1 targets met" in out and "mine" in out
    hard = tmp_path / "hard.toml"
    hard.write_text(GOOD.replace("target = 0.1", "target = 0.9").replace("0.5", "0.05"))
    assert main(["validate", "--quick", "--targets", str(hard), "--out", str(tmp_path / "b")]) == 1
    out = capsys.readouterr().out
    assert "0 of 1 targets met" in out and "not met: mine" in out and "below" in out
    data = json.loads((tmp_path / "b" / "validation.json").read_text())
    assert data["all_met"] is False
    value = data["targets"][0]["values"]["value"]
    assert value["model"] < 0.85 and value["miss"] == pytest.approx(0.85 - value["model"])


# --- The real thing ------------------------------------------------------------------------


@pytest.mark.slow
def test_validate_quick_writes_the_page_json_and_figures_and_prints_the_table(tmp_path, capsys):
    out = tmp_path / "tmp"
    status = main(["validate", "--quick", "--out", str(out)])
    printed = capsys.readouterr().out
    assert status in (0, 1)
    assert (out / "index.html").is_file() and (out / "validation.json").is_file()
    for stem in FIGURES:
        assert (out / "figures" / f"{stem}.png").is_file()
    data = json.loads((out / "validation.json").read_text())
    assert data["settings"]["quick"] is True and set(data["settings"]["populations"]) == {
        "newlyweds",
        "cohabiting",
    }
    assert (status == 0) == data["all_met"]
    for target in data["targets"]:
        assert target["id"] in printed
    assert "targets met" in printed


@pytest.mark.slow
@pytest.mark.validation_targets
def test_quick_validation_meets_every_target():
    v = run_validation(load_targets(), Settings(seed=1, quick=True))
    assert v.met, "targets not met in --quick:\n" + "\n".join(report.shortfalls(v))
