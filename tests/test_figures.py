"""Figures from small real sweeps, checked for content: lines, bars, cells, labels, pixels."""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
from matplotlib.container import BarContainer

from sim.cli.main import main
from sim.errors import InputError
from sim.experiment.analysis import point_means, results_spec
from sim.experiment.designs import factor_matrix, problem
from sim.experiment.runner import run_experiment
from sim.model import parameters as reg
from sim.model.declarations import GROUPS, Event
from sim.model.engine import replay
from sim.views import figures, plots, style

FIXTURES = Path(__file__).parent / "fixtures" / "experiments"


def _sweep(factory: pytest.TempPathFactory, name: str) -> Path:
    out = factory.mktemp("results") / name
    run_experiment(FIXTURES / f"{name}.toml", executor="serial", out=out, quiet=True)
    return out


@pytest.fixture(scope="module")
def grid(tmp_path_factory) -> plots.Results:
    """The figures fixture: 2 x 3 grid, 4 replicates, 60 weeks (24 runs)."""
    return plots.Results(_sweep(tmp_path_factory, "figures"))


@pytest.fixture(scope="module")
def sobol_results(tmp_path_factory) -> Path:
    return _sweep(tmp_path_factory, "sobol_small")


@pytest.fixture(scope="module")
def morris_results(tmp_path_factory) -> Path:
    return _sweep(tmp_path_factory, "morris_small")


def _not_blank(drawn: figures.Drawn) -> None:
    """The PNG decodes and its pixels vary (something was drawn on the white)."""
    buf = io.BytesIO()
    drawn.figure.savefig(buf, format="png")
    buf.seek(0)
    pixels = mpimg.imread(buf, format="png")
    assert pixels.ndim == 3 and pixels.shape[0] > 100 and pixels.shape[1] > 100
    assert pixels[..., :3].var() > 1e-3
    assert drawn.caption and drawn.caption.endswith(".")


def replay_run(res: plots.Results, run: int):
    """Replay one run of the results from its row (traits, environment, key)."""
    row = res.store.run_row(run)
    side = {s: {t: float(row[f"{s}.{t}"]) for t in reg.TRAIT_NAMES} for s in "ab"}
    env = {e: row[f"env.{e}"] for e in reg.ENV_NAMES}
    env = {k: (int(v) if reg.REGISTRY[k].integer else float(v)) for k, v in env.items()}
    return replay(side["a"], side["b"], env, int(row["key"]), res.spec.steps)


def _spec_plot(res: plots.Results, kind: str, **match) -> dict:
    for i, p in enumerate(res.spec.plots):
        if p["kind"] == kind and all(p.get(k) == v for k, v in match.items()):
            return plots.validate(p, i, res)
    raise AssertionError(f"no {kind} plot in the fixture")


def test_timeseries_one_line_and_band_per_level(grid):
    drawn = plots.draw(_spec_plot(grid, "timeseries"), grid)
    axes = [ax for ax in drawn.figure.axes if ax.get_visible()]
    assert len(axes) == 2
    for ax, name in zip(axes, ["intimacy", "resentment_a"], strict=True):
        assert len(ax.get_lines()) == 2  # a.dependency 0.1 and 0.9
        assert len(ax.collections) == 2  # one 5-95 % band a line
        assert ax.get_xlabel() == "week"
        assert ax.get_ylabel() == style.label(name) and "(" in ax.get_ylabel()
    assert [t.get_text() for t in drawn.figure.legends[0].get_texts()] == ["0.1", "0.9"]
    # The drawn medians are the medians of the series.
    ts = grid.series.merge(grid.runs[["run", "a.dependency"]], on="run")
    last = ts[(ts["step"] == 60) & (ts["a.dependency"] == 0.9)]["intimacy"].median()
    data = drawn.data
    row = data[(data.series == "intimacy") & (data.group == "0.9") & (data.step == 60)]
    assert row["median"].item() == pytest.approx(last)
    assert (data["q05"] <= data["median"]).all() and (data["median"] <= data["q95"]).all()
    _not_blank(drawn)


def test_phase_portrait_median_trajectory_per_level(grid):
    drawn = plots.draw(_spec_plot(grid, "phase"), grid)
    (ax,) = drawn.figure.axes
    medians = [line for line in ax.get_lines() if line.get_gid() == "median"]
    assert len(medians) == 3  # three problem rates
    assert ax.get_xlabel() == "A's satisfaction (0-1)"
    assert ax.get_ylabel() == "B's satisfaction (0-1)"
    assert len(drawn.data) == 3 * len(grid.series["step"].unique())
    _not_blank(drawn)


def test_outcome_shares_stacked_bars(grid):
    drawn = plots.draw(_spec_plot(grid, "outcomes"), grid)
    ax = drawn.figure.axes[0]
    classes = grid.runs["outcome"].nunique()
    assert len(ax.containers) == classes
    assert all(len(c.patches) == 3 for c in ax.containers)
    tops = np.sum([[p.get_height() for p in c.patches] for c in ax.containers], axis=0)
    np.testing.assert_allclose(tops, 1.0)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.2", "0.5", "0.8"]
    assert ax.get_ylabel() == "share of runs (0-1)"
    _not_blank(drawn)


def test_regime_map_dominant_class_with_shares(grid):
    drawn = plots.draw(_spec_plot(grid, "regime", metric=None), grid)
    ax = drawn.figure.axes[0]
    (image,) = ax.get_images()
    assert image.get_array().shape == (3, 2)  # problem rate x dependency
    cells = [t for t in ax.texts if t.get_gid() == "cell"]
    assert len(cells) == 6 and all(t.get_text().endswith("%") for t in cells)
    assert (drawn.data["runs"] == 4).all()
    assert "dependency" in ax.get_xlabel() and "problem rate" in ax.get_ylabel()
    _not_blank(drawn)


def test_regime_map_of_a_metric(grid):
    drawn = plots.draw(_spec_plot(grid, "regime", metric="intimacy"), grid)
    ax = drawn.figure.axes[0]
    grid_values = ax.get_images()[0].get_array()
    ok = grid.runs
    cell = ok[(ok["a.dependency"] == 0.9) & (ok["env.problem_rate"] == 0.8)]["intimacy"].mean()
    assert grid_values[2, 1] == pytest.approx(cell)
    assert len([t for t in ax.texts if t.get_gid() == "cell"]) == 6
    _not_blank(drawn)


def test_event_strip_replays_the_sweeps_run(grid):
    drawn = plots.draw(_spec_plot(grid, "events"), grid)
    intimacy_ax, *panels = [ax for ax in drawn.figure.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == [g.name for g in GROUPS]
    assert all(len(ax.get_lines()) == 2 for ax in panels)  # partner A and partner B
    assert len(drawn.data) == 60
    # each panel's line of A is the share of the last weeks in which A did it
    request_a = panels[0].get_lines()[0].get_ydata()
    window = drawn.data["request a"].astype(float).rolling(figures.WINDOW, min_periods=1)
    np.testing.assert_allclose(request_a, window.mean().to_numpy())
    # a row is marked in exactly the weeks one of its group's events happened
    replayed = replay_run(grid, 5)
    demands = replayed.events[:, Event.DEMAND, 0]
    assert (drawn.data["demand a"].to_numpy() == demands).all()
    # The replay is the run itself: its last intimacy is the run's final intimacy.
    final = intimacy_ax.get_lines()[0].get_ydata()[-1]
    assert final == pytest.approx(grid.store.run_row(5)["intimacy"])
    assert drawn.data.to_numpy().any()
    _not_blank(drawn)


def _salib_sobol(path: Path, metric: str):
    from SALib.analyze import sobol

    spec = results_spec(path)
    _, x = factor_matrix(spec.design)
    y = point_means(pd.read_parquet(path / "runs.parquet"), metric, len(x))
    return sobol.analyze(
        problem(spec.design), y, calc_second_order=False, num_resamples=100, seed=spec.design.seed
    )


def test_sobol_figure_matches_salib(sobol_results):
    res = plots.Results(sobol_results)
    drawn = plots.draw(_spec_plot(res, "sensitivity"), res)
    axes = drawn.figure.axes
    assert len(axes) == 2
    for ax, metric in zip(axes, ["intimacy", "resentment_b"], strict=True):
        expected = _salib_sobol(sobol_results, metric)
        s1_bars, st_bars = [c for c in ax.containers if isinstance(c, BarContainer)]
        drawn_s1 = [p.get_width() for p in s1_bars.patches]
        drawn_st = [p.get_width() for p in st_bars.patches]
        np.testing.assert_allclose(drawn_s1, expected["S1"])
        np.testing.assert_allclose(drawn_st, expected["ST"])
        table = drawn.data[drawn.data.metric == metric]
        np.testing.assert_allclose(table["S1_conf"], expected["S1_conf"])
        shared = axes[0].get_yticklabels()  # one y axis for every panel, labelled on the left
        assert [t.get_text() for t in shared] == ["A's dependency", "B's narcissism"]
        assert "Sobol index" in ax.get_xlabel()
    _not_blank(drawn)


def test_morris_figure_one_point_per_factor(morris_results):
    res = plots.Results(morris_results)
    drawn = plots.draw(_spec_plot(res, "sensitivity"), res)
    (ax,) = drawn.figure.axes
    x, y = ax.get_lines()[0].get_data()
    assert len(x) == 3
    np.testing.assert_allclose(x, drawn.data["mu_star"])
    np.testing.assert_allclose(y, drawn.data["sigma"])
    assert ax.get_xlabel().startswith("mu*") and ax.get_ylabel().startswith("sigma")
    assert [t.get_text() for t in ax.texts] == [style.short(f) for f in drawn.data["factor"]]
    assert drawn.caption.startswith(f"Morris screening of final {style.short('intimacy')}:")
    assert "Look to the right for the factors that matter most" in drawn.caption
    _not_blank(drawn)


def test_draw_results_writes_png_svg_and_index(grid):
    saved = plots.draw_results(grid.root)
    assert len(saved) == len(grid.spec.plots)
    for s in saved:
        assert s.png.stat().st_size > 1000 and s.svg.read_text().lstrip().startswith("<?xml")
    assert [d["stem"] for d in plots.read_index(grid.root)] == [s.stem for s in saved]


@pytest.mark.parametrize(
    ("plot", "key"),
    [
        ({"kind": "timeseries", "series": ["intimacy", "nonsense"]}, "plots[0].series"),
        ({"kind": "regime", "x": "a.dependency", "y": "a.nope"}, "plots[0].y"),
        ({"kind": "regime", "x": "a.dependency", "y": "env.problem_rate", "metric": "x"}, "metric"),
        ({"kind": "regime", "x": "a.dependency", "y": "env.problem_rate", "facet": "no"}, "facet"),
        ({"kind": "outcomes", "by": "b.nothing"}, "plots[0].by"),
        ({"kind": "sensitivity"}, "plots[0].kind"),
        ({"kind": "pie"}, "plots[0].kind"),
        ({"kind": "phase", "x": "intimacy"}, "plots[0].y"),
        ({"kind": "outcomes", "colour": "red"}, "plots[0].colour"),
        ({"kind": "events", "run": 999}, "plots[0].run"),
        ({"kind": "events", "where": {"a.dependency": 0.5}}, "plots[0].where"),
        ({"kind": "events", "where": {"a.nope": 0.5}}, "plots[0].where.a.nope"),
    ],
)
def test_bad_plot_is_an_input_error(grid, plot, key):
    with pytest.raises(InputError) as err:
        plots.draw_results(grid.root, [plot])
    assert key in str(err.value) and "\n" not in str(err.value)


def test_unknown_metric_in_spec_one_line_exit_2(tmp_path, capsys):
    text = (FIXTURES / "figures.toml").read_text()
    text += '\n[[plots]]\nkind = "regime"\nx = "a.dependency"\ny = "env.problem_rate"\n'
    text += 'metric = "happiness"\n'
    spec = tmp_path / "bad_plot.toml"
    spec.write_text(text)
    out = tmp_path / "results" / "bad_plot"
    code = main(["sweep", str(spec), "--executor", "serial", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and "plots[6].metric" in err and "happiness" in err
    assert not out.exists()  # the plots are checked before any run starts
    assert main(["plot", str(out)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_event_strip_of_the_run_a_where_table_picks(grid):
    where = {"a.dependency": 0.9, "env.problem_rate": 0.8}
    plot = plots.validate({"kind": "events", "where": where}, 0, grid)
    row = grid.runs.set_index("run").loc[plot["run"]]
    assert row["a.dependency"] == 0.9 and row["env.problem_rate"] == 0.8
    drawn = plots.draw(plot, grid)
    assert f"run {plot['run']}" in drawn.caption


def test_couple_mean_of_paired_series(grid):
    assert "satisfaction" in grid.series_names and "resentment" not in grid.series_names
    plot = plots.validate({"kind": "phase", "x": "satisfaction", "y": "intimacy"}, 0, grid)
    drawn = plots.draw(plot, grid)
    ts = grid.series
    np.testing.assert_allclose(
        ts["satisfaction"], (ts["satisfaction_a"] + ts["satisfaction_b"]) / 2
    )
    assert drawn.figure.axes[0].get_xlabel() == "satisfaction, mean of A and B (0-1)"


def test_results_read_only_the_run_columns_their_plots_use(grid):
    res = plots.Results(grid.root)
    first = set(res.runs.columns)
    assert {"run", "status", "outcome", "a.dependency", "env.problem_rate"} <= first
    assert "intimacy" not in first and "b.narcissism" not in first
    plots.plan(res)  # the regime map of intimacy asks for its metric
    assert set(res.runs.columns) == first | {"intimacy"}
    # the event strip replays its run from that run's row, read alone
    assert plots.events(res, 5).figure.axes


def test_captions_say_a_count_once_when_every_bar_holds_as_many():
    assert figures.count_range(pd.Series([600, 600, 600])) == "600"
    assert figures.count_range(pd.Series([580, 1200])) == "580 to 1,200"
    runs = pd.DataFrame(
        {"status": "ok", "outcome": ["mutual", "eroded"] * 50, "x": np.tile([0.1, 0.9], 50)}
    )
    assert "(50 runs a bar)" in figures.outcome_shares(runs, "x").caption


def test_binned_levels_start_at_the_smallest_value_not_below_it():
    frame = pd.DataFrame({"x": np.linspace(0.0, 1.0, 41)})
    labels = figures._levels(frame, "x")
    assert labels.iloc[0] == "0.00 to 0.25" and not labels.str.startswith("-").any()


RAW = ("a.dependency", "env.problem_rate", "resentment_a", "satisfaction_a", "satisfaction_b")
"""The fixture's factor and series names, as a figure should never show them."""


def test_every_figure_of_the_grid_says_its_names_in_words(grid):
    for i, plot in enumerate(grid.spec.plots):
        drawn = plots.draw(plots.validate(plot, i, grid), grid)
        title = plots._title(plots.validate(plot, i, grid))
        texts = [drawn.caption, title] + [
            t for a in figures.axes_info(drawn.figure) for t in a.values()
        ]
        assert not [t for t in texts for raw in RAW if raw in t], plot


def _regime_runs() -> pd.DataFrame:
    """Two scenarios over a 2 x 2 grid, two runs a cell; intimacy known per cell."""
    rows = []
    for sc, shift in (("alpha", 0.0), ("beta", 0.5)):
        for x in (0.1, 0.9):
            for y in (0.2, 0.8):
                for k in range(2):
                    rows.append(
                        {
                            "status": "ok",
                            "scenario": sc,
                            "a.dependency": x,
                            "env.problem_rate": y,
                            "outcome": "mutual" if x < 0.5 else "coercive",
                            "intimacy": shift + x * y + 0.1 * k,
                        }
                    )
    return pd.DataFrame(rows)


def test_a_regime_map_faceted_by_scenario_has_a_map_each_on_one_colour_scale():
    runs = _regime_runs()
    drawn = figures.regime(runs, "a.dependency", "env.problem_rate", "intimacy", "scenario")
    maps = [ax for ax in drawn.figure.axes if ax.get_images() and not hasattr(ax, "_colorbar")]
    assert [ax.get_title() for ax in maps] == ["alpha", "beta"]
    for ax, shift in zip(maps, (0.0, 0.5), strict=True):
        (image,) = ax.get_images()
        assert image.get_clim() == pytest.approx((0.02 + 0.05, 0.5 + 0.72 + 0.05))
        # row: problem rate 0.8, column: dependency 0.1; the mean of its two runs
        assert image.get_array()[1, 0] == pytest.approx(shift + 0.08 + 0.05)
    assert "one map per level of scenario on shared axes" in drawn.caption
    assert drawn.figure.get_supxlabel() == style.label("a.dependency")
    assert set(drawn.data["facet"]) == {"alpha", "beta"} and (drawn.data["runs"] == 2).all()


def test_a_hazard_plot_faceted_has_the_life_table_of_each_panel():
    # Panel p: x ends in year 1 (1 of 2), y never; panel q: x ends in year 2 (1 of 2).
    runs = pd.DataFrame(
        {
            "status": "ok",
            "f": ["p", "p", "p", "q", "q", "q"],
            "g": ["x", "x", "y", "x", "x", "y"],
            "step_ended": [10, -1, -1, 60, -1, -1],
        }
    ).assign(ended=lambda t: t["step_ended"] >= 0)
    drawn = figures.hazard(runs, 104, "g", 52, facet="f")
    p, q = drawn.figure.axes
    assert [p.get_title(), q.get_title()] == ["f p", "f q"]
    hazards = {
        (ax.get_title(), patch.get_label()): patch.get_data()[0].tolist()
        for ax in (p, q)
        for patch in ax.patches
    }
    assert hazards == {
        ("f p", "x"): [0.5, 0.0],
        ("f p", "y"): [0.0, 0.0],
        ("f q", "x"): [0.0, 0.5],
        ("f q", "y"): [0.0, 0.0],
    }
    assert set(drawn.data["panel"]) == {"p", "q"}
    assert "one panel per f on shared axes" in drawn.caption


def test_groups_of_two_factors_are_labelled_by_both_levels():
    frame = pd.DataFrame(
        {"a.dependency": [0.1, 0.5, 0.1, np.nan], "scenario": ["x", "y", "y", "x"]}
    )
    labels = figures._levels(frame, ["a.dependency", "scenario"])
    assert labels.tolist() == ["0.1, x", "0.5, y", "0.1, y", "nan, x"]
    assert figures._levels(frame, "scenario").tolist() == ["x", "y", "y", "x"]
