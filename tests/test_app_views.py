"""The teaching app's own page: play to the horizon, many couples as bands, two runs side
by side, charts on fixed axes, and no framework leftovers."""

from __future__ import annotations

import re
import threading

import ipyvuetify as v
import numpy as np
import pytest
import solara

from sim.model.outcomes import OUTCOME_CLASSES, PATTERN_RULES, Thresholds
from sim.teach import app, player, svg
from tests.test_app import _html_with, _walk


class ShortRun(app.CoupleRun):
    """A scenario run of a few weeks, so that play reaches the horizon quickly."""

    def __init__(self, settings: app.Settings, weeks: int) -> None:
        super().__init__(settings)
        for model in self.models:
            model.horizon = weeks


def test_play_stops_at_the_last_week_says_so_and_reset_starts_again():
    settings = app.scenario_settings("balanced_mutual", seed=3)
    run = solara.reactive(ShortRun(settings, 6))
    playing, frame, speed = solara.reactive(True), solara.reactive(0), solara.reactive(1000)
    player.play(run, playing, frame, speed, threading.Event())
    assert run.value.steps == 6 and frame.value == 6 and playing.value is False
    assert not run.value.running
    message = player.stop_message(run.value)
    assert "last week, week 6" in message and "Reset" in message

    box, rc = solara.render(
        player.Player(run, lambda: run.set(ShortRun(settings, 6)), frame, speed),
        handle_error=False,
    )
    try:
        assert "last week, week 6" in _html_with(box, "relsim-stopped")[0]
        assert rc.find(v.Btn, children=["Step"]).widget.disabled
        assert rc.find(v.Btn, children=["▶ Play"]).widget.disabled
        rc.find(v.Btn, children=["Reset"]).widget.click()
        assert run.value.steps == 0 and not _html_with(box, "relsim-stopped")
        assert "Week 0 of 6" in _html_with(box, "relsim-clock")[0]
        for _ in range(8):  # Step never goes past the horizon
            rc.find(v.Btn, children=["Step"]).widget.click()
        assert run.value.steps == 6 and len(run.value.histories[0].rows["intimacy"]) == 7
        assert _html_with(box, "relsim-stopped")
    finally:
        rc.close()


def test_the_week_is_told_in_weeks_and_years():
    assert player.week_label(0, 520) == "Week 0 of 520"
    assert player.week_label(52, 520) == "Week 52 of 520 (year 1, week 52)"
    assert player.week_label(60, 520) == "Week 60 of 520 (year 2, week 8)"


def test_many_couples_show_the_median_and_a_band_and_the_classes_as_they_form():
    run = app.CoupleRun(app.scenario_settings("demand_escalation", seed=5, couples=40))
    for _ in range(20):
        run.step()
    model, history = run.models[0], run.histories[0]
    rows = history.series("satisfaction")
    assert rows.shape == (21, 3, 2)
    np.testing.assert_allclose(
        rows[-1], np.percentile(model.state.satisfaction, (10, 50, 90), axis=1)
    )
    chart = app.series_chart(run, "satisfaction")
    assert chart.count('class="relsim-band"') == 2 and "median of 40 couples" in chart
    shares = np.asarray(history.shares)
    assert shares.shape == (21, len(OUTCOME_CLASSES)) and not shares[0].any()
    assert shares[-1].sum() == pytest.approx(1.0)
    expected = model.outcome_shares()
    assert shares[-1].tolist() == [expected[c] for c in OUTCOME_CLASSES]
    (area,) = app.shares_charts(run)
    assert "Outcome classes as they form" in area and 'class="relsim-layer"' in area
    single = app.CoupleRun(app.scenario_settings("demand_escalation", seed=5))
    single.step()
    assert 'class="relsim-band"' not in app.series_chart(single, "satisfaction")


def test_side_by_side_runs_the_same_seed_with_one_trait_changed():
    base = app.scenario_settings("coercive_helper", seed=7)
    settings = base.changed(compare=app.COMPARE_TRAIT, compare_key="b.narcissism")
    settings = settings.changed(compare_value=0.2)
    run = app.CoupleRun(settings)
    left, right = run.models
    assert left.seed == right.seed == 7
    assert right.params.traits["narcissism"][1, 0] == 0.2
    assert left.params.traits["narcissism"][1, 0] == base.b["narcissism"] != 0.2
    for _ in range(30):
        run.step()
    assert left.steps == right.steps == 30
    chart = app.series_chart(run, "resentment")
    assert chart.count('stroke-dasharray="6,4"') >= 2  # the right run dashed, legend too
    assert "A, left" in chart and "B, right" in chart
    other = app.CoupleRun(
        base.changed(compare=app.COMPARE_SCENARIO, compare_scenario="balanced_mutual")
    )
    assert [s.scenario for s in other.settings] == ["coercive_helper", "balanced_mutual"]
    assert other.models[1].seed == 7


def test_the_page_shows_two_couples_side_by_side():
    box, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    try:
        rc.find(v.Select, label="Compare with").widget.v_model = app.COMPARE_TRAIT
        rc.find(v.Btn, children=["Step"]).widget.click()
        pictures = _html_with(box, "relsim-picture")
        assert len(pictures) == 2
        titles = {re.search(r"<title>(.*?)</title>", p).group(1) for p in pictures}
        assert titles == {"left: week 1", "right: week 1"}
        assert len(_html_with(box, "relsim-week")) == 2
    finally:
        rc.close()


def _path_ys(chart: str) -> np.ndarray:
    (d,) = re.findall(r'class="relsim-line" d="([^"]+)"', chart)
    return np.array([float(p.split(",")[1]) for p in re.findall(r"[ML]([-\d.]+,[-\d.]+)", d)])


def test_charts_keep_the_range_of_their_quantity_and_the_whole_run_in_weeks():
    low = svg.line_chart("Resentment", [svg.Series("A", [0.05] * 10, "#000")], 520)
    high = svg.line_chart("Resentment", [svg.Series("A", [0.95] * 10, "#000")], 520)
    bottom, top = svg.HEIGHT - svg.BOTTOM, svg.TOP + 8
    # A small value sits near the bottom of the axis, not across the whole plot.
    assert np.allclose(_path_ys(low), bottom - 0.05 * (bottom - top))
    assert np.allclose(_path_ys(high), bottom - 0.95 * (bottom - top))
    assert "<title>Resentment</title>" in low and "years (52 weeks each)" in low
    ticks, label = svg.week_ticks(520)
    assert ticks == list(range(0, 521, 52)) and label.startswith("years")
    assert svg.week_ticks(52) == ([0, 13, 26, 39, 52], "weeks")


def test_the_page_has_no_framework_leftovers():
    box, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    try:
        texts = []
        for w in _walk(box):
            for attr in ("label", "children", "v_model", "unsafe_innerHTML"):
                value = getattr(w, attr, None)
                texts += [value] if isinstance(value, str) else []
                if isinstance(value, (list, tuple)):
                    texts += [x for x in value if isinstance(x, str)]
        shown = " ".join(texts)
        for leftover in ("Page 0", "Model Parameters", "Information", "Use Threads", "Time 0"):
            assert leftover not in shown
        assert "Render Interval" not in shown and "Play Interval" not in shown
        speed = rc.find(v.Select, label="Speed").widget
        assert speed.v_model == "10 weeks a second"
        assert [int(x.split()[0]) for x in speed.items] == list(player.SPEEDS)
    finally:
        rc.close()


def test_the_classifier_shows_enough_digits_for_its_comparison_to_read_true():
    th = Thresholds()
    checks = [c for _, alts in PATTERN_RULES for alt in alts for c in alt]
    check = next(c for c in checks if c.op == ">=")
    limit = getattr(th, check.threshold)
    for value in (limit - 0.0004, limit - 1e-7, limit + 0.003, limit):
        m = _metrics_for(check, value)
        text = check.describe(m, th)
        shown, op, bound = re.search(r"([-\d.]+) (>=|<) ([-\d.]+) \(", text).groups()
        assert (float(shown) >= float(bound)) == (op == ">="), text
        assert (op == ">=") == bool(check.holds(m, th)), text


def _metrics_for(check, value: float) -> dict:
    """Metrics under which ``check``'s metric is ``value`` (every metric set to it)."""
    from sim.model.outcomes import final_metrics
    from sim.model.state import initial_state

    names = final_metrics(initial_state(app.scenario_settings(None).model().params)).keys()
    m = {name: np.float64(value) for name in names}
    assert float(check.metric(m)) == pytest.approx(value)
    return m
