"""The teaching app's population view: it renders headless and steps, its survival share
is the share of couples still together, its couples are the population's draw by the
run keys of ``relsim run --population``, and its figures read the couples' state."""

from __future__ import annotations

import re

import ipyvuetify as v
import ipywidgets as widgets
import numpy as np
import pytest
import solara

from sim.cli import cmd_app
from sim.cli.main import main
from sim.experiment.runner import load_results
from sim.model import parameters as reg
from sim.model.engine import build_params, simulate
from sim.model.mesa_model import RelationshipModel
from sim.model.outcomes import OUTCOME_CLASSES
from sim.population import list_populations, load_population
from sim.teach import app, population_view, svg
from sim.validation.couples import Couples
from sim.validation.measures import positive_negative_ratio
from sim.views.scenario_run import replicate_keys
from tests.test_app import _html_with, _walk


def _page(settings: population_view.PopulationSettings):
    reactive = solara.reactive(settings)
    run = solara.reactive(settings.model())
    box, rc = solara.render(
        solara.AppLayout(children=[app.PopulationView(reactive, run, solara.reactive(10))]),
        handle_error=False,
    )
    return box, rc, reactive, run


@pytest.fixture
def population_page():
    box, rc, settings, keeper = _page(population_view.PopulationSettings("newlyweds", 200, 3))
    yield box, rc, settings, keeper
    rc.close()


def _week(box) -> str:
    return _html_with(box, "relsim-population-week")[0]


def _charts(box) -> list[str]:
    return _html_with(box, "relsim-chart-box")


def _line_values(chart: str) -> np.ndarray:
    """The values of a line chart's one line, read back from its SVG path (to the
    resolution of its coordinates)."""
    (d,) = re.findall(r'<path class="relsim-line" d="([^"]+)"', chart)
    ys = np.array([float(y) for y in re.findall(r"[ML][-\d.]+,([-\d.]+)", d)])
    bottom, top = svg.HEIGHT - svg.BOTTOM, svg.TOP + 8
    return (bottom - ys) / (bottom - top)


LINE_RESOLUTION = 0.06 / (svg.HEIGHT - svg.BOTTOM - svg.TOP - 8)
"""How far a value read back from a line's coordinates (written to 0.1) may be off."""


def _bars(chart: str) -> dict[tuple[str, str], float]:
    """Each bar of a bar chart's SVG: (row, part) to its share."""
    found = re.findall(
        r'<rect class="relsim-bar"[^>]* data-value="([^"]+)"><title>([^,<]+), ([^:<]+):', chart
    )
    return {(row, part): float(value) for value, row, part in found}


def _assert_params_equal(params, expected) -> None:
    for name in reg.TRAIT_NAMES:
        np.testing.assert_array_equal(params.traits[name], expected.traits[name], err_msg=name)
    for name in reg.ENV_NAMES:
        np.testing.assert_array_equal(params.env[name], expected.env[name], err_msg=name)


def _run(model: RelationshipModel, weeks: int) -> RelationshipModel:
    for _ in range(weeks):
        model.step()
    return model


def test_the_population_view_renders_and_steps(population_page):
    box, rc, settings, keeper = population_page
    model = keeper.value
    assert _week(box).endswith(
        "Week 0: 200 couples drawn from newlyweds, all together. Press Step or ▶ Play to start.</p>"
    )
    notes = _html_with(box, "relsim-population-notes")[0]
    pop = load_population("newlyweds")
    assert pop.title in notes and "How to read it" in notes and "Bramlett" in notes
    assert "relsim run --population newlyweds --couples 200 --steps 520 --seed 3" in notes
    traits = _html_with(box, "relsim-population-traits")[0]
    assert "env.barriers" in traits and "beta(mean 0.3, sd 0.15)" in traits
    before = _charts(box)
    assert len(before) == 5  # survival, satisfaction, interactions, outcomes, patterns
    assert not [w for w in _walk(box) if isinstance(w, widgets.Image)]  # drawn by the browser
    step = rc.find(v.Btn, children=["Step"])
    step.assert_single()
    for _ in range(3):
        step.widget.click()
    assert keeper.value is model and model.steps == 3
    week = _week(box)
    together = int(model.state.active.sum())
    assert "Week 3 (year 1, week 3):" in week
    assert f"{together} of 200 couples still together" in week
    satisfaction = model.state.satisfaction[:, model.state.active].mean()
    assert f"Mean satisfaction of the couples together: {satisfaction:.2f}." in week
    after = _charts(box)
    assert sum(a != b for a, b in zip(after, before, strict=True)) >= 3
    # Reset rebuilds the same couples at week 0; the weeks played left their draw as it was.
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert "Week 0: 200 couples" in _week(box)
    _assert_params_equal(settings.value.params, pop.draw(replicate_keys(3, 200)))


def test_the_words_tell_the_couples_still_together_and_those_that_parted():
    box, rc, settings, keeper = _page(population_view.PopulationSettings("uniform", 100, 2))
    try:
        model = keeper.value
        _run(model, 150)  # as the play loop steps it; the next Step draws the page
        rc.find(v.Btn, children=["Step"]).widget.click()
        together = int(model.state.active.sum())
        assert model.steps == 151 and together < 100  # couples have parted
        week = _week(box)
        assert "Week 151 (year 3, week 47):" in week
        share = 100 * together / 100
        assert f"{together} of 100 couples still together ({share:.1f} %)." in week
        healthy, destructive = population_view.ended_this_week(model)
        now = (~model.state.active) & (model.state.step_ended == 150)
        assert healthy + destructive == int(now.sum())
        if healthy + destructive:
            assert f"{healthy + destructive} parted this week: {healthy} healthily" in week
        else:
            assert "No couple parted this week." in week
    finally:
        rc.close()


def test_the_survival_share_is_the_share_of_couples_still_together():
    model = population_view.PopulationSettings("uniform", 150, 5).model()
    together = [model.state.active.mean()]
    for _ in range(200):
        model.step()
        together.append(model.state.active.mean())
        weeks, share = population_view.survival_curve(model)
        assert share[-1] == model.state.active.mean()
    np.testing.assert_array_equal(weeks, np.arange(201))
    np.testing.assert_array_equal(share, together)  # the curve is the record of every week
    assert share[-1] < 0.9 and np.all(np.diff(share) <= 0)
    frame = model.datacollector.get_model_vars_dataframe()
    np.testing.assert_allclose(share, 1.0 - frame["ended_share"].to_numpy())
    chart = population_view.survival_svg(model, "uniform")
    np.testing.assert_allclose(_line_values(chart), share, atol=LINE_RESOLUTION)
    assert f"<title>Still together at week 200: {100 * share[-1]:.1f} %</title>" in chart


def test_the_couples_are_the_populations_draw_by_their_keys():
    settings = population_view.PopulationSettings("cohabiting", 300, 11)
    model = settings.model()
    keys = replicate_keys(11, 300)
    np.testing.assert_array_equal(model.keys, keys)
    pop = load_population("cohabiting")
    _assert_params_equal(model.params, pop.draw(keys))
    drawn = pop.columns(keys)
    np.testing.assert_array_equal(model.params.traits["dependency"][0], drawn["a.dependency"])
    np.testing.assert_array_equal(model.params.traits["openness"][1], drawn["b.openness"])
    np.testing.assert_array_equal(model.params.env["barriers"], drawn["env.barriers"])
    # Couples differ as the population's do: one trait takes 300 different values.
    assert len(np.unique(model.params.traits["dependency"][0])) == 300


def test_the_couples_are_those_of_relsim_run_with_the_same_seed(tmp_path, capsys):
    argv = ["run", "--population", "uniform", "--couples", "12", "--steps", "160"]
    assert main([*argv, "--seed", "4", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    runs = load_results(tmp_path / "uniform").sort_values("replicate")
    model = _run(population_view.PopulationSettings("uniform", 12, 4).model(), 160)
    np.testing.assert_array_equal(runs["key"].to_numpy(np.uint64), model.keys)
    for who, row in zip(reg.PARTNERS, (0, 1), strict=True):
        for trait in reg.TRAIT_NAMES:
            got = model.params.traits[trait][row]
            np.testing.assert_array_equal(runs[f"{who}.{trait}"].to_numpy(), got)
    m = model.metrics()
    assert runs["ended"].any()  # the run compares endings too
    for name in ("weeks", "ended", "step_ended", "satisfaction_a", "positive_recent"):
        np.testing.assert_array_equal(runs[name].to_numpy(), m[name], err_msg=name)
    assert list(runs["outcome"]) == list(m["outcome"])
    assert list(runs["pattern"]) == list(m["pattern"])


def test_changing_the_population_or_the_seed_rebuilds_the_couples(population_page):
    box, rc, settings, keeper = population_page
    first = keeper.value
    rc.find(v.Btn, children=["Step"]).widget.click()
    select = rc.find(v.Select, label="Population")
    select.assert_single()
    assert set(select.widget.items) == set(list_populations())
    select.widget.v_model = "cohabiting"
    assert settings.value.population == "cohabiting" and settings.value.version == 1
    model = keeper.value
    assert model is not first and model.steps == 0
    assert "drawn from cohabiting" in _week(box)
    _assert_params_equal(model.params, load_population("cohabiting").draw(replicate_keys(3, 200)))
    assert "Cohabiting" in _html_with(box, "relsim-population-notes")[0]

    seed = rc.find(v.TextField, label="Seed")
    seed.widget.v_model = "7"
    seed.widget.fire_event("keyup.enter", None)
    assert settings.value.seed == 7 and settings.value.version == 2
    reseeded = keeper.value
    assert reseeded is not model
    np.testing.assert_array_equal(reseeded.keys, replicate_keys(7, 200))
    dependency = reseeded.params.traits["dependency"]
    assert not np.array_equal(dependency, model.params.traits["dependency"])
    assert "--seed 7" in _html_with(box, "relsim-population-notes")[0]

    rc.find(v.Slider, label="couples 200").widget.v_model = 400
    assert keeper.value.n_couples == 400 and settings.value.version == 3
    np.testing.assert_array_equal(keeper.value.keys[:200], reseeded.keys)
    assert "Week 0: 400 couples" in _week(box)


def test_the_published_shares_still_together_are_the_populations_targets():
    newlyweds, problem = population_view.published_together("newlyweds")
    assert problem is None
    assert [(p.label, p.x) for p in newlyweds] == [("V1", 5.0), ("V2", 10.0)]
    assert newlyweds[0].value == pytest.approx(0.80) and newlyweds[0].low == pytest.approx(0.75)
    assert newlyweds[1].value == pytest.approx(0.67) and newlyweds[1].high == pytest.approx(0.73)
    cohabiting, _ = population_view.published_together("cohabiting")
    assert [(p.label, p.value) for p in cohabiting] == [
        ("V4 (5 y)", pytest.approx(0.51)),
        ("V4 (10 y)", pytest.approx(0.38)),
    ]
    assert population_view.published_together("uniform") == ([], None)
    model = population_view.PopulationSettings("newlyweds", 100, 1).model()
    chart = population_view.survival_svg(model, "newlyweds")
    marks = re.findall(
        r'<g class="relsim-mark" data-value="([^"]+)" data-week="([^"]+)"><title>([^:]+):', chart
    )
    assert [(label, float(week)) for _, week, label in marks] == [("V1", 260.0), ("V2", 520.0)]
    assert [float(value) for value, _, _ in marks] == [p.value for p in newlyweds]
    # The ten-year mark is inside the plotting area.
    (x,) = re.findall(
        r'<g class="relsim-mark"[^>]*><title>V2: [^<]*</title><line x1="([\d.]+)"', chart
    )
    assert float(x) <= svg.WIDTH - svg.RIGHT


def test_targets_for_another_population_are_read_from_the_targets_file(tmp_path, monkeypatch):
    from sim.validation.targets import default_path

    text = default_path().read_text()
    mine = tmp_path / "targets.toml"
    mine.write_text(text.replace('population = "cohabiting"', 'population = "uniform"', 1))
    monkeypatch.setenv("RELSIM_TARGETS", str(mine))
    labels = [p.label for p in population_view.published_together("uniform")[0]]
    assert labels == ["V4 (5 y)", "V4 (10 y)"]
    # A broken targets file leaves the marks out and says so; the view still draws.
    mine.write_text("[[target]]\nid = 3\n")
    points, problem = population_view.published_together("newlyweds")
    assert points == [] and "targets.toml" in problem
    model = population_view.PopulationSettings("newlyweds", 100, 1).model()
    chart = population_view.survival_svg(model, "newlyweds")
    assert ">targets not read</text>" in chart and 'class="relsim-mark"' not in chart


def test_the_shares_are_the_outcome_and_pattern_of_every_couple():
    model = _run(population_view.PopulationSettings("uniform", 200, 8).model(), 90)
    m = model.metrics()
    ended = m["ended"].astype(bool)
    assert ended.any() and not ended.all()
    left, right = (_bars(chart) for chart in population_view.shares_svgs(model))
    outcomes = {c: float(np.mean(m["outcome"] == c)) for c in OUTCOME_CLASSES}
    assert left == {(c, "couples"): pytest.approx(x) for c, x in outcomes.items() if x > 0}
    patterns = {name for name, _ in right}
    assert patterns and not any(p.startswith("ended") for p in patterns)
    for name in population_view.PATTERNS:
        mine = m["pattern"] == name
        for part, share in (
            ("still together", np.mean(mine & ~ended)),
            ("ended", np.mean(mine & ended)),
        ):
            assert right.get((name, part), 0.0) == pytest.approx(share), (name, part)
    # Couples that ended keep the pattern they had, and they had different ones.
    assert len(set(m["pattern"][ended])) >= 2


def test_the_interaction_ratios_are_v5s_measure_of_the_couples():
    model = _run(population_view.PopulationSettings("newlyweds", 400, 2).model(), 300)
    s = model.state
    ratios = population_view.interaction_ratios(model)
    assert ratios["together"].couples == int(s.active.sum())
    assert ratios["ended"].couples == int((~s.active).sum()) > 0
    together = s.active
    expected = s.positive_recent[together].mean() / s.negative_recent[together].mean()
    assert ratios["together"].ratio == pytest.approx(expected)
    v5 = positive_negative_ratio(Couples(model.metrics(), weeks=model.steps), satisfied=0.5)
    assert ratios["satisfied"].ratio == pytest.approx(v5.values["stable_satisfied"])
    assert ratios["ended"].ratio == pytest.approx(v5.values["ended"])
    assert ratios["satisfied"].couples == v5.details["couples_stable_satisfied"]
    chart = population_view.interactions_svg(model, "newlyweds")
    heights = [
        float(x) for x in re.findall(r'class="relsim-column"[^>]* data-value="([^"]+)"', chart)
    ]
    assert heights == pytest.approx([ratios[g].ratio for g in ("together", "satisfied", "ended")])
    assert ">V5: 5</text>" in chart and ">V5: 0.8</text>" in chart
    marks = [
        float(x) for x in re.findall(r'<line class="relsim-mark"[^>]* data-value="([^"]+)"', chart)
    ]
    assert marks == [5.0, 0.8]
    # No interaction yet at week 0: no column, and the figure says so.
    fresh = population_view.PopulationSettings("newlyweds", 100, 2).model()
    chart = population_view.interactions_svg(fresh, "newlyweds")
    assert 'class="relsim-column"' not in chart
    assert ">no interactions yet</text>" in chart
    assert ">no couples</text>" in chart  # none has ended


def test_satisfaction_is_that_of_the_couples_still_together():
    model = _run(population_view.PopulationSettings("uniform", 150, 3).model(), 200)
    s = model.state
    assert 0 < s.active.sum() < 150
    frame = model.datacollector.get_model_vars_dataframe()
    last = frame["satisfaction_together"].iloc[-1]
    assert last == pytest.approx(s.satisfaction[:, s.active].mean())
    assert last != pytest.approx(s.satisfaction.mean())  # the ended ones are left out
    chart = population_view.satisfaction_svg(model)
    want = frame["satisfaction_together"].to_numpy()
    np.testing.assert_allclose(_line_values(chart), want, atol=LINE_RESOLUTION)


def test_the_page_switches_between_all_three_views_keeping_each():
    box, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    try:
        switch = rc.find(v.BtnToggle)
        rc.find(v.Btn, children=["Step"]).widget.click()
        for view, card in (("population", "Population"), ("partner market", "Market")):
            switch.widget.v_model = app.VIEWS.index(view)
            assert [w.children[0] for w in rc.find(v.CardTitle).widgets][0] == card
        switch.widget.v_model = app.VIEWS.index("population")
        assert "Week 0: 500 couples drawn from newlyweds" in _week(box)
        for _ in range(2):
            rc.find(v.Btn, children=["Step"]).widget.click()
        assert "Week 2 (year 1, week 2):" in _week(box)
        switch.widget.v_model = app.VIEWS.index("one scenario")
        assert not _html_with(box, "relsim-population-week")
        assert "Week 1:" in _html_with(box, "relsim-week")[0]
        switch.widget.v_model = app.VIEWS.index("population")
        assert "Week 2 (year 1, week 2):" in _week(box)
    finally:
        rc.close()


def test_the_app_opens_on_the_population_relsim_app_names(tmp_path, monkeypatch):
    source = load_population("cohabiting")
    path = tmp_path / "our_couples.toml"
    path.write_text(source.path.read_text().replace(source.title, "Our own couples"))
    monkeypatch.setenv(population_view.POPULATION_ENV, str(path))
    box, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    try:
        assert "drawn from our_couples" in _week(box)
        assert "Our own couples" in _html_with(box, "relsim-population-notes")[0]
        select = rc.find(v.Select, label="Population")
        assert str(path) in select.widget.items and select.widget.v_model == str(path)
    finally:
        rc.close()
    monkeypatch.delenv(population_view.POPULATION_ENV)
    named = cmd_app.child_environment(None, "newlyweds")
    assert named[population_view.POPULATION_ENV] == "newlyweds"
    assert population_view.POPULATION_ENV not in cmd_app.child_environment(None)


# --- the model the view runs takes ready-made couples ------------------------------------


def test_the_model_of_ready_made_params_and_keys_steps_as_a_batch_of_them():
    keys = replicate_keys(9, 20)
    params = load_population("newlyweds").draw(keys)
    model = _run(RelationshipModel(params=params, keys=keys, rng=9), 80)
    assert model.n_couples == 20 and model.params is params
    batch = simulate(params, keys, 80)
    np.testing.assert_array_equal(model.state.satisfaction, batch.state.satisfaction)
    np.testing.assert_array_equal(model.state.active, batch.state.active)
    # The keyword interface of before is unchanged: one couple by default.
    assert RelationshipModel(rng=1).n_couples == 1
    plain = _run(RelationshipModel(n_couples=3, rng=2), 10)
    again = _run(RelationshipModel(params=build_params({}, {}, {}, 3), rng=2), 10)
    np.testing.assert_array_equal(plain.state.intimacy, again.state.intimacy)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"a": {"dependency": 0.5}}, "params: holds every parameter"),
        ({"both_growth": 0.5}, "params: holds every parameter"),
        ({"n_couples": 4}, "n_couples: expected the 5 couples of params, got 4"),
        ({"keys": np.arange(5)}, "keys: expected 5 uint64 keys"),
        ({"keys": replicate_keys(1, 4)}, "keys: expected 5 uint64 keys"),
    ],
)
def test_ready_made_params_refuse_what_contradicts_them(kwargs, message):
    params = load_population("uniform").draw(replicate_keys(1, 5))
    with pytest.raises(reg.ParameterError, match=message):
        RelationshipModel(params=params, **kwargs)
