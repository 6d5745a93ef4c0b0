"""The teaching app's partner-market view: it renders headless, steps, and draws the
population with one curve per couple and one dot per person."""

from __future__ import annotations

import re

import ipyvuetify as v
import ipywidgets as widgets
import numpy as np
import pytest
import solara

from sim.market import parameters as mreg
from sim.model import parameters as reg
from sim.teach import app, market_view
from tests.test_app import _html_with, _walk


@pytest.fixture
def market_page():
    settings = solara.reactive(market_view.MarketSettings(size=60, seed=3))
    model = solara.reactive(settings.value.model())  # the market the view runs
    arrange = solara.reactive("capability")
    speed = solara.reactive(10)
    box, rc = solara.render(
        solara.AppLayout(children=[app.MarketView(settings, model, arrange, speed)]),
        handle_error=False,
    )
    yield box, rc, settings, model, arrange
    rc.close()


def _week(box) -> str:
    return _html_with(box, "relsim-market-week")[0]


def test_the_market_view_renders_and_steps(market_page):
    box, rc, settings, model, _ = market_page
    assert "Week 0: 60 people" in _week(box)
    step = rc.find(v.Btn, children=["Step"])
    step.assert_single()
    for _ in range(3):
        step.widget.click()
    assert model.value.steps == 3 and model.value.market.week == 3
    words = _week(box)
    assert "Week 3:" in words
    partnered = int(np.sum(model.value.market.status == 1))
    assert f"Now {partnered} of 60 people are in a couple" in words
    frame = model.value.datacollector.get_model_vars_dataframe()
    assert len(frame) == 4 and frame["partnered_share"].iloc[-1] > 0
    assert "What to notice" in _html_with(box, "relsim-market-notes")[0]
    before = _charts(box)
    assert len(before) >= 7  # the picture, three series, endings, ages, repeats
    assert not [w for w in _walk(box) if isinstance(w, widgets.Image)]  # drawn in the browser
    step.widget.click()
    after = _charts(box)
    assert sum(a != b for a, b in zip(after, before, strict=True)) >= 4


def _charts(box) -> list[str]:
    return [h for h in _html_with(box, "relsim-chart-box")]


def test_the_picture_has_a_curve_per_couple_and_a_dot_per_person():
    model = market_view.MarketSettings(size=80, seed=2).model()
    for _ in range(30):
        model.step()
    m = model.market
    picture = market_view.population_svg(model, "dependency")
    couples = int(m.occupied.sum())
    assert picture.count('class="relsim-couple-curve"') == couples > 0
    assert picture.count('class="relsim-person"') == m.n
    groups = re.findall(r'<g class="relsim-people relsim-(\w+)">(.*?)</g>', picture)
    dots = {name: re.findall(r'cx="([-\d.]+)" cy="([-\d.]+)"', body) for name, body in groups}
    assert len(dots["partnered"]) == 2 * couples
    # Partners sit on the ring at the ends of their curve; people outside a couple beyond it.
    centre = np.array([200.0, 245.0])
    for name, points in dots.items():
        if not points:
            continue
        radius = np.hypot(*(np.asarray(points, dtype=float) - centre).T) / market_view.MARKET_UNIT
        expected = 1.0 if name == "partnered" else market_view.OUTER_RADIUS
        assert np.allclose(radius, expected, atol=0.01), name
    assert f"Week 30: {couples} couples among 80 people" in picture


def test_people_keep_their_place_week_to_week():
    model = market_view.MarketSettings(size=50, seed=4).model()
    before = market_view.person_angles(model.market.initial_traits["capability"])
    for _ in range(60):
        model.step()
    after = market_view.person_angles(model.market.initial_traits["capability"])
    assert np.array_equal(before, after)
    order = np.argsort(-before)  # clockwise from the top
    assert np.all(np.diff(model.market.initial_traits["capability"][order]) >= 0)


def test_every_exposed_market_parameter_has_a_control_that_rebuilds_the_market(market_page):
    box, rc, settings, model, _ = market_page
    labels = [w.label for w in rc.find(v.Slider).widgets]
    assert "people 60" in labels
    for param in mreg.MARKET:
        if param.name != "size":
            name = param.name.replace("_", " ")
            assert any(lb.startswith(name + " ") for lb in labels), param.name
    for param in reg.TRAITS:
        assert any(lb.startswith(f"mean {param.name.replace('_', ' ')} ") for lb in labels)
    for param in reg.ENVIRONMENT:
        assert any(lb.startswith(param.name.replace("_", " ") + " ") for lb in labels)
    rc.find(v.Slider, label="chemistry weight 0.5").widget.v_model = 0.9
    assert settings.value.market["chemistry_weight"] == 0.9
    assert settings.value.model().market.chemistry_weight == 0.9
    rc.find(v.Slider, label="mean dependency 0.3").widget.v_model = 0.45
    assert settings.value.population["dependency"] == 0.45 and settings.value.version == 2


def test_the_page_switches_to_the_market_and_back_keeping_each_view():
    box, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    try:
        switch = rc.find(v.BtnToggle)
        switch.assert_single()
        rc.find(v.Btn, children=["Step"]).widget.click()
        switch.widget.v_model = app.VIEWS.index("partner market")
        assert not _html_with(box, "relsim-week")
        assert "Week 0:" in _week(box)
        assert [w.children[0] for w in rc.find(v.CardTitle).widgets][0] == "Market"
        for _ in range(2):
            rc.find(v.Btn, children=["Step"]).widget.click()
        assert "Week 2:" in _week(box)
        switch.widget.v_model = app.VIEWS.index("one scenario")
        assert "Week 1:" in _html_with(box, "relsim-week")[0]
        switch.widget.v_model = app.VIEWS.index("partner market")
        assert "Week 2:" in _week(box)
    finally:
        rc.close()


def test_the_week_in_words_tells_couples_formed_and_ended():
    model = market_view.MarketSettings(size=200, seed=1).model()
    told_formed = told_ended = False
    for _ in range(120):
        model.step()
        rel = model.market.relationships
        week = model.market.week - 1
        lines = market_view.market_week_in_words(model)
        formed = int(np.sum(rel["start"] == week))
        ended = np.flatnonzero(rel["end"] == week)
        if formed:
            told_formed = True
            assert lines[1].startswith(f"{formed} new couple")
        for serial in ended[: market_view.MAX_ENDINGS_TOLD]:
            told_ended = True
            weeks = int(rel["weeks"][serial])
            assert any(f"parted after {weeks} weeks" in line for line in lines)
        if not formed and not len(ended):
            assert lines[1] == "No couple formed or parted."
    assert told_formed and told_ended
    counts = market_view.ending_counts(model)
    assert sum(c["healthy"] + c["destructive"] for c in counts.values()) == int(
        np.sum(model.market.relationships["end"] >= 0)
    )
