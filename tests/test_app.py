"""The teaching app: its page renders and steps headless, and ``relsim app`` binds safely."""

from __future__ import annotations

import socket

import ipyvuetify as v
import ipywidgets as widgets
import numpy as np
import pytest
import solara

from sim.cli import cmd_app
from sim.cli.main import main
from sim.errors import InputError
from sim.model import parameters as reg
from sim.model.state import N_EVENTS, Event
from sim.scenario import load_scenario, read_scenario, scenario_text
from sim.teach import app, keep


def _walk(widget):
    """Every widget under ``widget``, including the items of solara's grid layout."""
    seen, todo = [], [widget]
    while todo:
        w = todo.pop()
        if not isinstance(w, widgets.Widget) or any(w is s for s in seen):
            continue
        seen.append(w)
        for attr in ("children", "items"):
            value = getattr(w, attr, None)
            if isinstance(value, (list, tuple)):
                todo.extend(value)
    return seen


def _html_with(box, css_class):
    """Inner HTML of the solara.HTML widgets that carry ``css_class``."""
    out = []
    for w in _walk(box):
        attributes = getattr(w, "attributes", None) or {}
        if css_class in attributes.get("class", ""):
            out.append(w.unsafe_innerHTML)
    return out


@pytest.fixture
def page():
    box, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    yield box, rc
    rc.close()


def test_page_renders_steps_and_tells_the_week(page):
    box, rc = page
    step = rc.find(v.Btn, children=["Step"])
    step.assert_single()
    assert "Week 0" in _html_with(box, "relsim-week")[0]
    assert "Outcome so far: none yet" in _html_with(box, "relsim-outcome")[0]
    for _ in range(3):
        step.widget.click()
    week = _html_with(box, "relsim-week")[0]
    assert "Week 3:" in week
    outcome = _html_with(box, "relsim-outcome")[0]
    assert "Outcome so far:" in outcome and "none yet" not in outcome
    charts = _html_with(box, "relsim-chart-box")
    assert len(charts) >= 6  # the couple and five series, drawn by the browser
    assert not [w for w in _walk(box) if isinstance(w, widgets.Image)]
    assert "Week 3 of 520 (year 1, week 3)" in _html_with(box, "relsim-clock")[0]
    # Reset rebuilds the model of the current settings (Mesa passes its own scenario).
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert "Week 0" in _html_with(box, "relsim-week")[0]


def test_picking_a_scenario_loads_its_traits_and_notes(page):
    box, rc = page
    name = "coercive_helper"
    sc = load_scenario(name)
    select = rc.find(v.Select, label="Scenario")
    select.assert_single()
    assert set(select.widget.items) >= {name, "balanced_mutual"}
    select.widget.v_model = name
    notes = _html_with(box, "relsim-notes")[0]
    assert sc.title in notes and "What to notice" in notes and "Things to try" in notes
    labels = [w.label for w in rc.find(v.Slider).widgets]
    for trait, value in sc.b.items():
        assert f"{trait.replace('_', ' ')} {value:g}" in labels
    # Every trait of both partners and every environment parameter has a slider.
    for param in reg.TRAITS:
        shown = [lb for lb in labels if lb.startswith(param.name.replace("_", " ") + " ")]
        assert len(shown) == 2, param.name
    for param in reg.ENVIRONMENT:
        assert any(lb.startswith(param.name.replace("_", " ") + " ") for lb in labels)
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert "Week 1:" in _html_with(box, "relsim-week")[0]


def test_settings_build_the_model_of_the_scenario_and_many_couples_show_shares():
    settings = app.scenario_settings("demand_escalation", seed=5, couples=40)
    sc = load_scenario("demand_escalation")
    assert settings.a == {**reg.trait_defaults(), **sc.a}
    model = settings.model()
    assert model.n_couples == 40 and model.seed == 5
    for _ in range(30):
        model.step()
    assert sum(model.outcome_shares().values()) == pytest.approx(1.0)
    frame = model.datacollector.get_model_vars_dataframe()
    assert {"resentment_a", "goodwill_b", "capability_a"} <= set(frame) and len(frame) == 31
    changed = settings.with_value("b", "narcissism", 0.9)
    assert changed.b["narcissism"] == 0.9 and changed.version == settings.version + 1
    assert changed.model().params.traits["narcissism"][1, 0] == 0.9


def test_the_picture_draws_one_arrow_per_interaction_and_a_line_per_conflict():
    ev = np.zeros((N_EVENTS, 2), dtype=bool)
    ev[Event.HELP_FREE, 1] = ev[Event.DEMAND, 0] = ev[Event.FIX, 1] = True
    ev[Event.CONFLICT, 0] = True
    ev[Event.CRITICISM, 0] = True  # a second event of the conflict group: one line
    drawn = app.week_interactions(ev)
    assert [(group.name, p) for group, _, p in drawn] == [
        ("help", 1),
        ("demand", 0),
        ("pushed help", 1),
        ("conflict", 0),
    ]
    assert len({colour for _, colour, _ in drawn}) == 4
    model = app.scenario_settings("coercive_helper", seed=2).model()
    for _ in range(12):
        model.step()
    picture = app.couple_svg(model)
    expected = app.week_interactions(model.state.events[:, :, 0])
    arrows = picture.count('class="relsim-arrow"')
    assert arrows == sum(group.shape == "arrow" for group, _, _ in expected)
    lines = picture.count('class="relsim-conflict"')
    assert lines == sum(group.shape == "line" for group, _, _ in expected)
    assert f"<title>week {model.steps}</title>" in picture


def test_the_app_listens_on_loopback_whatever_the_environment_says(monkeypatch):
    monkeypatch.setenv("HOST", "0.0.0.0")
    monkeypatch.setenv("SOLARA_HOST", "0.0.0.0")
    binding = cmd_app.decide_binding(None)
    assert binding.host == "127.0.0.1" and not binding.public and binding.warning is None
    command = cmd_app.solara_command(binding, 8123)
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert command[command.index("--port") + 1] == "8123"
    env = cmd_app.child_environment("balanced_mutual")
    assert "HOST" not in env and "SOLARA_HOST" not in env
    assert env[app.SCENARIO_ENV] == "balanced_mutual"
    for host in ("localhost", "127.0.0.2", "::1"):
        assert not cmd_app.decide_binding(host).public


def test_a_public_address_needs_host_and_gets_a_warning():
    binding = cmd_app.decide_binding("0.0.0.0")
    assert binding.public and binding.host == "0.0.0.0" and "anyone" in binding.warning
    assert binding.url(8000) == "http://127.0.0.1:8000/"
    assert cmd_app.decide_binding("192.168.1.20").public
    with pytest.raises(InputError, match="expected an IP address"):
        cmd_app.decide_binding("my-laptop.example")


def test_explicit_public_host_warns_then_starts_the_server_there(monkeypatch, capsys):
    """The whole path for --host 0.0.0.0, with the server and the port check faked so
    that nothing binds a public address."""
    started = []

    class FakeServer:
        def __init__(self, command, env):
            started.append(command)

        def poll(self):
            return 1  # exits at once: nothing listens

    monkeypatch.setattr(cmd_app.subprocess, "Popen", FakeServer)
    monkeypatch.setattr(cmd_app, "check_port_free", lambda host, port: None)
    assert main(["app", "--host", "0.0.0.0", "--port", "8124"]) == 1
    err = capsys.readouterr().err
    assert "warning: listening on 0.0.0.0" in err and "did not start" in err
    assert started[0][started[0].index("--host") + 1] == "0.0.0.0"


@pytest.mark.parametrize(
    "argv, where",
    [
        (["app", "--port", "0"], "--port"),
        (["app", "--port", "70000"], "--port"),
        (["app", "--port", "eighty"], "--port"),
        (["app", "--host", "somewhere.example"], "--host"),
        (["app", "--scenario", "no_such_scenario"], "unknown scenario"),
        (["app", "--population", "no_such_population"], "unknown population"),
        (["app", "--population", "missing/file.toml"], "missing/file.toml"),
    ],
)
def test_bad_app_input_gives_one_line_and_status_2(argv, where, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and where in err


def test_a_port_in_use_is_refused(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["app", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"127.0.0.1:{port}" in err and len(err.strip().splitlines()) == 1


def test_this_week_in_words_is_the_story_of_the_same_couple():
    from sim.teach.story import tell, week_lines

    model = app.scenario_settings("coercive_helper", seed=2).model()
    story = tell(model.params, model.keys, 20)
    told = {w.week: w.lines for w in story.weeks}
    changed = 0
    for week in range(1, 21):
        model.step()
        words = app.week_in_words(model)
        events = week_lines(model.state.events[:, :, 0])
        if week in told:
            assert words[0] == f"Week {week}:"
            assert words[1 : 1 + len(events)] == events == list(told[week][: len(events)])
        else:
            assert "quiet week" in words[0]
        changed += any(w.startswith("(") and ("rose" in w or "fell" in w) for w in words)
    assert changed > 0  # what changed is told too


def test_the_app_opens_with_the_scenario_relsim_app_names(tmp_path, monkeypatch):
    source = load_scenario("irrelationship_pair")
    path = tmp_path / "own_pair.toml"
    path.write_text(source.path.read_text().replace(source.title, "Our own pair"))
    monkeypatch.setenv(app.SCENARIO_ENV, str(path))
    box, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    try:
        assert "Our own pair" in _html_with(box, "relsim-notes")[0]
        labels = [w.label for w in rc.find(v.Slider).widgets]
        assert f"intimacy fear {source.a['intimacy_fear']:g}" in labels
    finally:
        rc.close()


def test_the_couple_selector_picks_the_couple_the_picture_and_words_follow():
    from html import escape

    settings = solara.reactive(app.scenario_settings("coercive_helper", seed=2, couples=4))
    run = solara.reactive(app.CoupleRun(settings.value))
    followed = solara.reactive(1)
    box, rc = solara.render(
        solara.AppLayout(children=[app.ScenarioView(settings, run, followed, solara.reactive(10))]),
        handle_error=False,
    )
    model = solara.reactive(run.value.models[0])  # the model the view runs
    try:
        for _ in range(2):
            rc.find(v.Btn, children=["Step"]).widget.click()
        first, third = app.week_in_words(model.value, 0), app.week_in_words(model.value, 2)
        assert first != third  # the two couples had different weeks
        week = _html_with(box, "relsim-week")[0]
        assert "(couple 1)" in week and all(escape(line) in week for line in first)
        selector = rc.find(v.Slider, label="Follow couple 1")
        selector.assert_single()
        assert selector.widget.max == 4
        selector.widget.v_model = 3
        assert followed.value == 3
        week = _html_with(box, "relsim-week")[0]
        assert "(couple 3)" in week and all(escape(line) in week for line in third)
        assert rc.find(v.Slider, label="Follow couple 3").widgets
    finally:
        rc.close()
    assert "<title>couple 3 of 4, week 2</title>" in app.couple_svg(model.value, 2)
    assert app.followed_couple(model.value, 9) == 3  # capped at the last couple


def test_one_couple_has_no_selector(page):
    box, rc = page
    assert not [w for w in rc.find(v.Slider).widgets if w.label.startswith("Follow couple")]


def test_reset_after_a_change_rebuilds_the_model_of_the_new_settings(page):
    box, rc = page
    rc.find(v.Slider, label="Couples 1").widget.v_model = 5
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert "(couple 1)" in _html_with(box, "relsim-week")[0]
    rc.find(v.Btn, children=["Reset"]).widget.click()
    week = _html_with(box, "relsim-week")[0]
    assert "Week 0" in week and "(couple 1)" in week  # still five couples, not one
    assert rc.find(v.Slider, label="Couples 5").widgets  # the slider shows its number


def test_relsim_app_set_opens_the_scenario_with_the_values_set(monkeypatch):
    env = cmd_app.child_environment("coercive_helper", None, "b.narcissism=0.4 both.growth=0.3")
    assert env[app.OVERRIDES_ENV] == "b.narcissism=0.4 both.growth=0.3"
    assert app.OVERRIDES_ENV not in cmd_app.child_environment("coercive_helper")
    monkeypatch.setenv(app.SCENARIO_ENV, "coercive_helper")
    monkeypatch.setenv(app.OVERRIDES_ENV, env[app.OVERRIDES_ENV])
    assert app.initial_overrides() == (("b.narcissism", 0.4), ("both.growth", 0.3))
    box, rc = solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
    try:
        labels = [w.label for w in rc.find(v.Slider).widgets]
        source = load_scenario("coercive_helper")
        assert "narcissism 0.4" in labels and f"narcissism {source.b['narcissism']:g}" not in labels
        assert labels.count("growth 0.3") == 2
    finally:
        rc.close()


def test_bad_app_set_gives_one_line_and_status_2_before_serving(capsys, monkeypatch):
    monkeypatch.setattr(cmd_app.subprocess, "Popen", None)  # never reached
    assert main(["app", "--scenario", "coercive_helper", "--set", "b.narcissism=2"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--set: b.narcissism: expected a number in [0, 1]" in err


def test_the_saved_file_holds_the_settings_and_no_expectations_and_runs_the_same_couple():
    settings = app.scenario_settings("coercive_helper", seed=4)
    settings = settings.with_value("b", "narcissism", 0.4).with_value("env", "patience", 30)
    source = settings.source
    values = (settings.a, settings.b, settings.env)
    changes = keep.changed_values(source, *values)
    assert changes == (("b.narcissism", 0.4), ("env.patience", 30.0))
    name = keep.derived_name(source, changes)
    assert name == "coercive_helper_b_narcissism_0_4_env_patience_30"
    text = scenario_text(keep.saved_scenario(source, *values, name))
    assert "[expected]" not in text and "patience = 30\n" in text
    saved = read_scenario(text.encode(), f"{name}.toml")
    assert saved.name == name and saved.expected == () and saved.articles == source.articles
    assert "b.narcissism=0.4" in saved.title and "no expected outcome classes" in saved.description
    again = app.settings_of(saved, seed=4)
    assert (again.a, again.b, again.env) == values
    left, right = settings.model(), again.model()
    for _ in range(60):
        left.step()
        right.step()
    for var in ("satisfaction", "resentment", "intimacy", "capability", "events"):
        np.testing.assert_array_equal(getattr(left.state, var), getattr(right.state, var))
    # Every "try" note's command parses, and puts back the file's value.
    put_back = [n for n in saved.things_to_try if "--set" in n][0]
    assert "--set b.narcissism=0.4" not in put_back and "--set b.narcissism=0.9" in put_back


def test_derived_and_typed_file_names():
    source = load_scenario("balanced_mutual")
    assert keep.derived_name(source, ()) == "balanced_mutual_copy"
    many = tuple((f"a.{t}", 0.35) for t in reg.MAIN_TRAITS)
    assert keep.derived_name(source, many) == "balanced_mutual_4_changes"
    assert keep.checked_name(" our_pair.toml ") == "our_pair"
    for bad in ("Our pair", "1pair", "pair-2", "x" * 101):
        with pytest.raises(InputError, match="expected lower case letters") as err:
            keep.checked_name(bad)
        assert err.value.source == keep.NAME_FIELD and "\n" not in str(err.value)


def test_the_save_button_follows_the_settings_and_a_bad_name_says_why(page):
    box, rc = page
    assert rc.find(v.Btn, children=["Save balanced_mutual_copy.toml"]).widgets
    assert load_scenario("balanced_mutual").b.get("narcissism") != 0.55
    slider = [w for w in rc.find(v.Slider).widgets if w.label.startswith("narcissism ")][1]
    slider.v_model = 0.55
    expected = "balanced_mutual_b_narcissism_0_55"
    assert rc.find(v.Btn, children=[f"Save {expected}.toml"]).widgets
    field = rc.find(v.TextField, label=f"{keep.NAME_FIELD} (empty: {expected})")
    field.assert_single()
    field.widget.v_model = "Our Pair"
    assert "expected lower case letters" in _html_with(box, "relsim-name-error")[0]
    assert not rc.find(v.Btn, children=[f"Save {expected}.toml"]).widgets
    field.widget.v_model = "our_pair"
    assert rc.find(v.Btn, children=["Save our_pair.toml"]).widgets
    assert not _html_with(box, "relsim-name-error")


def test_a_loaded_scenario_without_expectations_says_so_in_its_notes():
    settings = app.scenario_settings("coercive_helper")
    saved = keep.saved_scenario(settings.source, settings.a, settings.b, settings.env, "x")
    notes = app.scenario_notes_html(saved)
    assert app.NO_EXPECTATIONS in notes and "Saved from the app" in notes
    assert app.NO_EXPECTATIONS not in app.scenario_notes_html(settings.source)
