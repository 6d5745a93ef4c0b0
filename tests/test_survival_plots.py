"""The survival, hazard and cox plot kinds: drawn from runs whose ending weeks are known,
from a small sweep of endings (checked against a hand computation from its run table),
their one-line errors, and the Cox table on the results page."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.errors import InputError
from sim.experiment.runner import run_experiment
from sim.views import figures, plots

FIXTURES = Path(__file__).parent / "fixtures" / "experiments"


@pytest.fixture(scope="module")
def endings(tmp_path_factory) -> plots.Results:
    """Cohabiting couples under two levels of alternatives, 40 each, five years."""
    out = tmp_path_factory.mktemp("results") / "endings"
    run_experiment(FIXTURES / "endings.toml", executor="serial", out=out, quiet=True)
    return plots.Results(out)


def _hand_km(step_ended: np.ndarray, horizon: int) -> tuple[list[float], list[float]]:
    """Times (weeks) and survival by the product of (1 - d/n) over the ending weeks."""
    ended = step_ended >= 0
    weeks = np.where(ended, step_ended + 1, horizon)
    times, surv, s = [0.0], [1.0], 1.0
    for t in np.unique(weeks):
        n = int((weeks >= t).sum())
        d = int((ended & (weeks == t)).sum())
        s *= 1 - d / n
        times.append(float(t))
        surv.append(s)
    return times, surv


def _line(drawn: figures.Drawn, label: str):
    (line,) = [ln for ln in drawn.figure.axes[0].get_lines() if ln.get_label() == label]
    return line


def test_the_survival_figure_of_known_ending_weeks_is_the_hand_computed_curve():
    # Two groups run for 52 weeks; -1: still together at the horizon, censored there.
    step = {"x": [3, 3, 10, 20, 20, 20, 40, -1, -1, -1], "y": [0, 51, -1, -1]}
    runs = pd.DataFrame(
        [{"status": "ok", "g": g, "step_ended": s, "ended": s >= 0} for g in step for s in step[g]]
    )
    drawn = figures.survival(runs, 52, "g", 52)
    x = _line(drawn, "x")
    assert x.get_xdata() * 52 == pytest.approx([0, 4, 11, 21, 41, 52])
    s = [1, 0.8, 0.8 * 7 / 8, 0.8 * 7 / 8 * 4 / 7, 0.8 * 7 / 8 * 4 / 7 * 3 / 4]
    assert x.get_ydata() == pytest.approx([*s, s[-1]])
    y = _line(drawn, "y")
    assert y.get_xdata() * 52 == pytest.approx([0, 1, 52])
    assert y.get_ydata() == pytest.approx([1, 3 / 4, 3 / 4 * 2 / 3])
    assert "14 couples (4 to 10 a line), 9 ended within the 52 weeks run" in drawn.caption
    assert "the 5 still together at week 52 are right-censored there" in drawn.caption


def test_the_survival_plot_of_a_sweep_draws_each_levels_hand_computed_curve(endings):
    plot = plots.validate(endings.spec.plots[0], 0, endings)
    drawn = plots.draw(plot, endings)
    runs = endings.runs
    assert runs["ended"].any() and not runs["ended"].all()
    for level in (0.1, 0.7):
        part = runs[runs["env.alternatives"] == level]
        times, surv = _hand_km(part["step_ended"].to_numpy(), 260)
        line = _line(drawn, f"{level:g}")
        np.testing.assert_allclose(line.get_xdata() * 52, times)
        np.testing.assert_allclose(line.get_ydata(), surv)
    assert drawn.figure.axes[0].get_xlim() == (0, 5)


def test_the_hazard_plot_of_a_sweep_draws_the_hand_computed_life_table(endings):
    plot = plots.validate(endings.spec.plots[1], 1, endings)
    drawn = plots.draw(plot, endings)
    runs = endings.runs
    patches = drawn.figure.axes[0].patches
    assert [p.get_label() for p in patches] == ["0.1", "0.7"]
    for patch, level in zip(patches, (0.1, 0.7), strict=True):
        part = runs[runs["env.alternatives"] == level]
        ended = part["ended"].to_numpy()
        weeks = np.where(ended, part["step_ended"].to_numpy() + 1, 260)
        hand = []
        for year in range(1, 6):
            at_risk = (weeks > 52 * (year - 1)).sum()
            d = (ended & (weeks > 52 * (year - 1)) & (weeks <= 52 * year)).sum()
            hand.append(d / at_risk if at_risk else np.nan)
        values, edges, _ = patch.get_data()
        np.testing.assert_allclose(values, hand)
        np.testing.assert_allclose(edges, np.arange(6))
    assert "Hazard of ending in each year" in drawn.caption


def test_a_hazard_plot_of_less_than_a_year_has_one_interval_and_of_more_drops_the_rest():
    runs = pd.DataFrame({"status": "ok", "ended": [True, False], "step_ended": [5, -1]})
    short = figures.hazard(runs, 12, None, 52)
    (patch,) = short.figure.axes[0].patches
    assert patch.get_data()[0].tolist() == [0.5] and "each 12 weeks" in short.caption
    longer = figures.hazard(runs.assign(step_ended=[60, -1]), 130, None, 52)
    assert longer.figure.axes[0].patches[0].get_data()[0].tolist() == [0.0, 0.5]
    assert "The last 26 weeks, less than a year, are left out." in longer.caption


def test_the_cox_plot_models_every_parameter_that_varies_and_the_page_tables_it(endings):
    plot = plots.validate(endings.spec.plots[2], 2, endings)
    varying = [c for c in endings.parameters() if endings.runs[c].nunique() > 1]
    assert plot["covariates"] == endings.parameters() and "env.alternatives" in varying
    drawn = plots.draw(plot, endings)
    assert drawn.data["covariate"].tolist() == varying
    assert drawn.table is not None and len(drawn.table) == len(varying)
    ratio = drawn.data.set_index("covariate").loc["env.alternatives"]
    assert ratio["lower"] > 1  # attractive alternatives end couples sooner
    constant = len(endings.parameters()) - len(varying)
    assert f"Left out as constant over the couples: {constant} covariates." in drawn.caption
    # drawn by the sweep: figures.json carries the table, and the page shows it
    entry = plots.read_index(endings.root)[2]
    assert entry["table"]["columns"][:3] == [
        "covariate",
        "standard deviation",
        "hazard ratio per sd",
    ]
    assert [row[0] for row in entry["table"]["rows"]] == varying
    page = (endings.root / "index.html").read_text()
    assert re.search(r"<th [^>]*>hazard ratio per sd</th>", page)
    assert re.search(r"<td [^>]*>env.alternatives</td>", page)


def test_a_cox_plot_by_a_factor_fits_one_model_per_level(endings):
    plot = plots.validate({"kind": "cox", "by": "env.alternatives"}, 0, endings)
    drawn = plots.draw(plot, endings)
    assert list(dict.fromkeys(drawn.data["group"])) == ["0.1", "0.7"]
    assert "env.alternatives" not in set(drawn.data["covariate"])  # constant in each
    assert [ax.get_title().splitlines()[0] for ax in drawn.figure.axes] == [
        "alternatives = 0.1",
        "alternatives = 0.7",
    ]


@pytest.mark.parametrize(
    ("plot", "key"),
    [
        ({"kind": "survival", "by": "a.nope"}, "plots[0].by"),
        ({"kind": "hazard", "by": ["env.alternatives", "nope"]}, "plots[0].by"),
        ({"kind": "survival", "max_lines": 3}, "plots[0].max_lines"),
        ({"kind": "cox", "covariates": "happiness"}, "plots[0].covariates"),
        (
            {"kind": "cox", "covariates": ["a.dependency", "outcome"]},
            "plots[0].covariates: column 'outcome' holds no numbers",
        ),
        ({"kind": "cox", "covariates": []}, "plots[0].covariates"),
        ({"kind": "cox", "by": "nope"}, "plots[0].by"),
    ],
)
def test_a_bad_survival_plot_is_one_line_naming_the_field(endings, plot, key):
    with pytest.raises(InputError) as err:
        plots.draw_results(endings.root, [plot])
    assert key in str(err.value) and "\n" not in str(err.value)


def test_results_without_the_ending_metrics_refuse_survival_plots(tmp_path):
    text = (
        (FIXTURES / "tiny.toml").read_text().replace("[metrics]", '[metrics]\nfinal = ["intimacy"]')
    )
    spec = tmp_path / "no_endings.toml"
    spec.write_text(text)
    out = tmp_path / "no_endings"
    run_experiment(spec, executor="serial", out=out, quiet=True, report=False)
    for kind in ("survival", "hazard", "cox"):
        with pytest.raises(InputError) as err:
            plots.draw_results(out, [{"kind": kind}])
        message = str(err.value)
        assert "plots[0].kind" in message and "ended and step_ended" in message
    assert json.loads((out / "manifest.json").read_text())["spec"]
