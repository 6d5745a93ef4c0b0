"""The summary a page opens with and ``relsim sweep`` prints: effects of the factors with
their intervals, and outcome classes by level."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.cli.main import main
from sim.experiment import effects
from sim.views import plots
from sim.views.summary import study_summary

FIXTURES = Path(__file__).parent / "fixtures" / "experiments"


def test_an_effect_is_the_difference_of_means_with_a_normal_interval():
    rng = np.random.default_rng(4)
    x = np.repeat([0.0, 0.5, 1.0], 400)
    y = 2.0 * x + rng.normal(0, 1, len(x))
    runs = pd.DataFrame({"f": x, "m": y, "flat": rng.normal(0, 1, len(x))})
    table = effects.factor_effects(runs, ["f"], ["m", "flat"]).set_index("metric")
    lo, hi = y[x == 0], y[x == 1]
    assert table.loc["m", "difference"] == pytest.approx(hi.mean() - lo.mean())
    se = np.sqrt(lo.var(ddof=1) / 400 + hi.var(ddof=1) / 400)
    assert table.loc["m", "ci_high"] - table.loc["m", "difference"] == pytest.approx(
        1.96 * se, 1e-3
    )
    assert table.loc["m", "ci_low"] < 2.0 < table.loc["m", "ci_high"]
    assert table.loc["flat", "ci_low"] < 0 < table.loc["flat", "ci_high"]
    assert (table["low"] == "0").all() and (table["high"] == "1").all()


def test_a_sampled_factor_compares_its_lowest_and_highest_quarter():
    x = np.linspace(0, 1, 100)
    runs = pd.DataFrame({"f": x, "m": x})
    (row,) = effects.factor_effects(runs, ["f"], ["m"]).itertuples()
    assert row.runs_low == row.runs_high == 25
    assert row.mean_high - row.mean_low == pytest.approx(0.75, abs=0.02)


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    out = tmp_path_factory.mktemp("summary") / "figures"
    status = main(["sweep", str(FIXTURES / "figures.toml"), "--out", str(out), "--quiet"])
    assert status == 0
    return out


def test_the_summary_gives_each_factor_and_the_classes_by_level(swept):
    res = plots.Results(swept)
    s = study_summary(res)
    ok = res.runs[res.runs["status"] == "ok"]
    assert s.runs == len(ok) and s.question == res.spec.description
    assert set(s.effects["factor"]) <= set(res.factors) and len(s.effects)
    row = s.effects.iloc[0]
    column = ok[row["factor"]]
    levels = sorted(column.unique())
    lo = ok.loc[column == levels[0], row["metric"]].mean()
    hi = ok.loc[column == levels[-1], row["metric"]].mean()
    assert row["difference"] == pytest.approx(hi - lo)
    for factor, table in s.outcomes.items():
        shares = table.drop(columns="runs")
        np.testing.assert_allclose(shares.sum(axis=1), 1.0)
        assert table["runs"].sum() == len(ok), factor


def test_sweep_prints_the_summary_and_the_page_opens_with_it(swept, capsys):
    status = main(["sweep", str(FIXTURES / "figures.toml"), "--out", str(swept)])
    assert status == 0
    out = capsys.readouterr().out
    text = study_summary(plots.Results(swept)).text()
    assert text in out and out.index("question:") < out.index("results page:")
    page = (swept / "index.html").read_text()
    assert page.index('class="question"') < page.index('id="summary"') < page.index("<h2>Design")
    for sentence in study_summary(plots.Results(swept)).sentences[:3]:
        assert sentence.replace("'", "&#39;") in page


def test_level_codes_give_each_run_its_level_once_a_level():
    values = pd.Series([0.3, 0.1, np.nan, 0.3, 0.25])
    codes, order = effects.level_codes(values)
    assert order == ["0.1", "0.25", "0.3"]
    assert codes.tolist()[:2] == ["0.3", "0.1"] and pd.isna(codes[2])
    assert codes.tolist()[3:] == ["0.3", "0.25"]
    assert list(codes.cat.categories) == order  # a code a run, the text once a level
    text, text_order = effects.level_codes(pd.Series(["b", "a", "b"]))
    assert text_order == ["a", "b"] and text.tolist() == ["b", "a", "b"]
