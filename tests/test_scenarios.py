"""Scenario files and their loader: every file valid, every key documented, strict checks."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.errors import InputError
from sim.inputs import MAX_FILE_BYTES
from sim.model import parameters as reg
from sim.model.outcomes import OUTCOME_CLASSES
from sim.scenario import (
    ARTICLES,
    ENDING_CLASSES,
    EXPECTED_KEYS,
    NOTES_KEYS,
    OUTCOME_KEYS,
    PRIMARY_MAX_SHARE,
    PRIMARY_MIN_SHARE,
    TOP_KEYS,
    Scenario,
    list_scenarios,
    load_scenario,
    model_from_scenario,
    parse_scenario,
    read_scenario,
    scenario_dir,
    scenario_text,
)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "scenarios"
README = ROOT / "scenarios" / "README.md"

REQUIRED_SCENARIOS = (
    "balanced_mutual",
    "personal_development",
    "coercive_helper",
    "irrelationship_pair",
    "demand_escalation",
    "conditional_love",
    "independent_growth",
    "growing_apart_panic",
    "rigid_convictions",
    "parentified_giver",
    "hyper_self_sufficient",
    "intensity_attraction",
    "resistant_partner_willing",
    "resistant_partner_unwilling",
    "therapeutic_contrast",
    "unspoken_expectations",
)


def test_scenario_dir_is_the_repository_folder():
    assert scenario_dir().resolve() == (ROOT / "scenarios").resolve()


def test_every_required_scenario_exists():
    assert set(REQUIRED_SCENARIOS) <= set(list_scenarios())
    assert sim.list_scenarios() == list_scenarios()


@pytest.mark.parametrize("name", list_scenarios())
def test_every_scenario_loads_and_validates(name):
    sc = sim.load_scenario(name)
    assert isinstance(sc, Scenario)
    assert sc.name == name
    assert sc.title and "\n" not in sc.title
    assert len(sc.description.split()) >= 25
    assert sc.articles and set(sc.articles) <= set(ARTICLES)
    for part, names in ((sc.a, reg.TRAIT_NAMES), (sc.b, reg.TRAIT_NAMES), (sc.env, reg.ENV_NAMES)):
        assert set(part) <= set(names)
        for key, value in part.items():
            assert reg.REGISTRY[key].low <= value <= reg.REGISTRY[key].high
    # A scenario makes its pattern with traits: at least one partner is not all defaults.
    assert sc.a or sc.b
    assert sc.expected and all(e.outcome in OUTCOME_CLASSES for e in sc.expected)
    assert all(0.0 <= e.min_share <= 1.0 for e in sc.expected)
    if sc.two_way is None:
        assert sc.primary.min_share >= PRIMARY_MIN_SHARE
    else:
        assert len(sc.expected) >= 2
    assert sc.primary.min_share <= PRIMARY_MAX_SHARE
    assert len(sc.notice) >= 2 and len(sc.things_to_try) >= 2
    # Every "try" note names a parameter to move, in the a./b./both./env. form.
    qualified = set(reg.qualified_names())
    for note in sc.things_to_try:
        named = set(re.findall(r"\b(?:a|b|both|env)\.[a-z_]+", note))
        both = {f"both.{t}" for t in reg.TRAIT_NAMES if f"both {t}" in note}
        assert named | both, f"{name}: try note names no parameter: {note!r}"
        assert named <= qualified, f"{name}: unknown parameter in {note!r}"


@pytest.mark.parametrize("name", list_scenarios())
def test_scenario_builds_engine_parameters(name):
    sc = load_scenario(name)
    params = sc.build_params(3)
    assert params.n == 3
    for row, part in ((0, sc.a), (1, sc.b)):
        for t in reg.TRAIT_NAMES:
            want = part.get(t, reg.REGISTRY[t].default)
            assert np.all(params.traits[t][row] == want)
    for e in reg.ENV_NAMES:
        assert np.all(params.env[e] == sc.env.get(e, reg.REGISTRY[e].default))


def test_scenario_builds_a_mesa_model():
    sc = load_scenario(FIXTURES / "tiny.toml")
    model = sc.model(n_couples=4, steps=5, rng=3)
    assert isinstance(model, sim.RelationshipModel)
    assert model.n_couples == 4
    assert model.partners[0][0].traits["dependency"] == 0.5
    assert model.partners[1][0].traits["dependency"] == reg.REGISTRY["dependency"].default
    while model.running:
        model.step()
    assert model.steps == 5
    other = model_from_scenario(str(FIXTURES / "tiny.toml"), n_couples=4, steps=5, rng=3)
    while other.running:
        other.step()
    np.testing.assert_array_equal(model.state.intimacy, other.state.intimacy)


def test_fixture_scenario_fields():
    sc = load_scenario(FIXTURES / "tiny.toml")
    assert sc.name == "tiny"
    assert dict(sc.a) == {"dependency": 0.5}
    assert dict(sc.b) == {}
    assert dict(sc.env) == {"patience": 20.0}
    assert [(e.outcome, e.min_share) for e in sc.expected] == [("mutual", 0.4), ("eroded", 0.0)]
    assert sc.two_way == "Either stays close or wears down."
    assert sc.notice == ("Intimacy.",) and sc.things_to_try == ("Raise a.dependency.",)
    with pytest.raises(TypeError):
        sc.a["dependency"] = 0.9  # the partner tables are read-only


def test_environment_variable_points_to_another_folder(monkeypatch):
    monkeypatch.setenv("RELSIM_SCENARIOS", str(FIXTURES))
    assert scenario_dir() == FIXTURES
    assert list_scenarios() == ["tiny"]
    assert load_scenario("tiny").path == FIXTURES / "tiny.toml"


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(InputError, match="unknown scenario; expected a path") as err:
        load_scenario("no_such_scenario")
    assert err.value.source == "no_such_scenario"
    assert "balanced_mutual" in err.value.message


def test_misspelt_name_gets_a_suggestion():
    with pytest.raises(InputError, match=r"unknown scenario \(did you mean coercive_helper\?\)"):
        load_scenario("coercive_helpr")


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such scenario file"):
        load_scenario(tmp_path / "absent.toml")


BROKEN = {
    "unknown_key.toml": ("colour", "unknown key; expected one of title"),
    "misspelt_trait.toml": ("a.dependncy", "unknown trait (did you mean dependency?)"),
    "wrong_type.toml": ("a.dependency", "expected a number in [0, 1], got str 'high'"),
    "out_of_range.toml": ("b.narcissism", "expected a number in [0, 1], got 1.5"),
    "bad_toml.toml": ("", "malformed TOML: Expected ']'"),
    "missing_partner.toml": ("b", "missing; expected traits of partner b"),
    "unknown_class.toml": ("expected.outcomes[0].class", "unknown outcome class 'happy'"),
    "bad_share.toml": ("expected.outcomes[0].min_share", "expected a number in [0, 1], got 1.5"),
    "env_not_integer.toml": ("env.patience", "expected an integer in [1, 520], got 2.5"),
}
"""Each broken fixture: the key the error must name and the start of what it must say."""


def test_every_broken_fixture_is_listed():
    assert sorted(p.name for p in (FIXTURES / "broken").glob("*.toml")) == sorted(BROKEN)


@pytest.mark.parametrize("fixture", sorted(BROKEN))
def test_broken_fixture_raises_one_input_error(fixture):
    key, message = BROKEN[fixture]
    with pytest.raises(InputError) as err:
        load_scenario(FIXTURES / "broken" / fixture)
    assert err.value.source.endswith(fixture)
    assert err.value.key == key
    assert err.value.message.startswith(message)
    assert "\n" not in str(err.value)


def _valid() -> dict:
    return {
        "title": "t",
        "description": "d",
        "articles": ["When Love Fails"],
        "a": {},
        "b": {},
        "expected": {"outcomes": [{"class": "mutual", "min_share": 0.6}]},
        "notes": {"notice": ["n"], "try": ["t"]},
    }


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        (lambda d: d.pop("notes"), "notes", "missing"),
        (lambda d: d["notes"].pop("try"), "notes.try", "missing"),
        (lambda d: d["notes"].update(extra=["x"]), "notes.extra", "unknown key"),
        (lambda d: d.update(articles=["Some Other Article"]), "articles[0]", "unknown article"),
        (lambda d: d.update(articles=[]), "articles", "expected a non-empty array"),
        (lambda d: d.update(title="two\nlines"), "title", "expected one line"),
        (lambda d: d.update(a=[0.5]), "a", "expected a table"),
        (lambda d: d.update(env={"problem_rat": 0.5}), "env.problem_rat", "unknown environment"),
        (lambda d: d["b"].update(growth=True), "b.growth", "expected a number"),
        (lambda d: d["b"].update(growth=float("nan")), "b.growth", "expected a number"),
        (
            lambda d: d["expected"]["outcomes"][0].update(min_share=0.3),
            "expected.outcomes[0].min_share",
            "expected at least 0.5 for the primary class",
        ),
        (
            lambda d: d["expected"]["outcomes"][0].update(min_share=0.97),
            "expected.outcomes[0].min_share",
            "expected at most 0.95 for the primary class",
        ),
        (
            lambda d: d["expected"].update(two_way="either way"),
            "expected.outcomes",
            "a two-way pattern needs at least two",
        ),
        (
            lambda d: d["expected"]["outcomes"].append({"class": "mutual", "min_share": 0.1}),
            "expected.outcomes[1].class",
            "outcome class 'mutual' listed twice",
        ),
        (
            lambda d: d["expected"]["outcomes"][0].pop("min_share"),
            "expected.outcomes[0].min_share",
            "missing",
        ),
        (
            lambda d: d["expected"]["outcomes"][0].update(share=0.5),
            "expected.outcomes[0].share",
            "unknown key",
        ),
        (lambda d: d["expected"].update(outcomes=[]), "expected.outcomes", "expected a non-empty"),
        (
            lambda d: d["expected"]["outcomes"][0].update(min_share="most"),
            "expected.outcomes[0].min_share",
            "expected a number in [0, 1], got string",
        ),
    ],
)
def test_parse_rejects_bad_contents(change, key, message):
    data = _valid()
    change(data)
    with pytest.raises(InputError) as err:
        parse_scenario(data, name="x", path=Path("x.toml"))
    assert err.value.key == key
    assert message in err.value.message


def test_valid_contents_parse():
    sc = parse_scenario(_valid(), name="x", path=Path("x.toml"))
    assert sc.primary.outcome == "mutual" and sc.two_way is None and dict(sc.env) == {}
    assert sc.pattern_class == "mutual"


def test_the_pattern_class_is_the_first_expected_class_that_is_not_an_ending():
    data = _valid()
    data["expected"]["outcomes"] = [
        {"class": "ended_destructive", "min_share": 0.6},
        {"class": "ended_healthy", "min_share": 0.1},
        {"class": "coercive", "min_share": 0.0},
        {"class": "eroded", "min_share": 0.0},
    ]
    assert parse_scenario(data, name="x", path=Path("x.toml")).pattern_class == "coercive"
    data["expected"]["outcomes"] = data["expected"]["outcomes"][:2]
    assert parse_scenario(data, name="x", path=Path("x.toml")).pattern_class is None
    assert set(ENDING_CLASSES) < set(OUTCOME_CLASSES)


def test_every_accepted_key_is_documented():
    text = README.read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z0-9_.\[\]]+)`", text))
    keys = set(TOP_KEYS)
    keys |= {f"expected.{k}" for k in EXPECTED_KEYS}
    keys |= {f"expected.outcomes[].{k}" for k in OUTCOME_KEYS}
    keys |= {f"notes.{k}" for k in NOTES_KEYS}
    keys |= set(reg.TRAIT_NAMES) | set(reg.ENV_NAMES)
    keys |= set(OUTCOME_CLASSES)
    assert sorted(keys - documented) == []


def test_documented_defaults_match_the_registry():
    text = README.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([a-z0-9_]+)` \| ([0-9.]+) \|", text, flags=re.MULTILINE))
    assert set(rows) == set(reg.REGISTRY)
    for name, default in rows.items():
        assert float(default) == pytest.approx(reg.REGISTRY[name].default), name


def test_no_code_refers_to_a_scenario_by_name():
    names = list_scenarios()
    assert names
    offenders = []
    for path in sorted((ROOT / "sim").rglob("*")):
        if not path.is_file() or path.suffix not in (".py", ".toml", ".md", ".txt", ".json"):
            continue
        text = path.read_text(encoding="utf-8")
        for name in names:
            if re.search(rf"\b{re.escape(name)}\b", text):
                offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []


def test_experiment_runner_reads_scenarios_as_base_configurations():
    from sim.model.batch import RelationshipBatch

    name = list_scenarios()[0]
    sc = load_scenario(name)
    base = RelationshipBatch().base(name)
    for key, value in sc.a.items():
        assert base[f"a.{key}"] == value
    untouched = [t for t in reg.TRAIT_NAMES if t not in sc.b]
    for t in untouched:
        assert base[f"b.{t}"] == reg.REGISTRY[t].default


def test_readme_catalogue_lists_every_scenario_with_its_expected_classes():
    text = README.read_text(encoding="utf-8")
    catalogue = text[text.index("## The scenarios") : text.index("## The format")]
    found = re.findall(r"^\| `([a-z_]+)` \|.+\| ([a-z_()]+) \| ([a-z_ ]+) \|$", catalogue, re.M)
    rows = {name: (shown, expected) for name, shown, expected in found}
    assert sorted(rows) == list_scenarios()
    for name, (shown, expected) in rows.items():
        sc = load_scenario(name)
        classes = [e.outcome for e in sc.expected[: 2 if sc.two_way else 1]]
        assert expected.strip() == " or ".join(classes), name
        assert shown == (sc.pattern_class or "(none)"), name


_values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.booleans(),
    st.text(max_size=5),
    st.lists(st.floats(0, 1), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
_keys = st.one_of(st.sampled_from(reg.TRAIT_NAMES + reg.ENV_NAMES), st.text(max_size=12))


@settings(max_examples=300, deadline=None)
@given(
    a=st.dictionaries(_keys, _values, max_size=4),
    env=st.dictionaries(_keys, _values, max_size=3),
    share=_values,
    cls=st.one_of(st.sampled_from(OUTCOME_CLASSES), st.text(max_size=8)),
)
def test_any_contents_give_a_scenario_or_one_input_error(a, env, share, cls):
    data = _valid()
    data.update(a=a, env=env)
    data["expected"]["outcomes"][0].update({"class": cls, "min_share": share})
    try:
        sc = parse_scenario(data, name="x", path=Path("x.toml"))
    except InputError as err:
        assert err.source == "x.toml" and "\n" not in str(err)
        return
    for name, value in {**sc.a, **sc.env}.items():
        p = reg.REGISTRY[name]
        assert p.low <= value <= p.high
    assert (
        0.5 <= sc.primary.min_share <= PRIMARY_MAX_SHARE and sc.primary.outcome in OUTCOME_CLASSES
    )


COMMAND = re.compile(r"`(relsim [^`]+)`")
"""A command written in a teaching note, between backquotes."""


def _try_commands(sc: Scenario) -> list[tuple[str, list[str]]]:
    """Every (note, commands) of a scenario's "Things to try"."""
    return [(note, COMMAND.findall(note)) for note in sc.things_to_try]


@pytest.mark.parametrize("name", list_scenarios())
def test_every_thing_to_try_is_a_command_that_parses_and_validates(name):
    """Each "try" note gives the command that makes it, and the command sets the parameter
    the note names to the value the note names, changing it from the scenario's."""
    import shlex

    from sim.cli.main import build_parser
    from sim.model.batch import RELATIONSHIP
    from sim.scenario import parse_overrides

    sc = load_scenario(name)
    parser = build_parser()
    base = RELATIONSHIP.base(name)
    for note, commands in _try_commands(sc):
        assert commands, f"{name}: try note gives no command: {note!r}"
        named = set(re.findall(r"\b(?:a|b|both|env)\.[a-z_]+", COMMAND.sub("", note)))
        named |= {f"both.{t}" for t in reg.TRAIT_NAMES if f"both {t}" in note}
        numbers = {float(x) for x in re.findall(r"\d+\.\d+|\d+", COMMAND.sub("", note))}
        for text in commands:
            argv = shlex.split(text)
            args = parser.parse_args(argv[1:])
            assert args.command in ("run", "story", "app"), text
            assert load_scenario(args.scenario).path == sc.path, text
            overrides = parse_overrides(args.overrides)
            assert overrides, f"{name}: {text!r} sets nothing"
            changed = sc.with_overrides(overrides)
            changed.build_params(2)  # the engine takes the values
            for key, value in overrides:
                assert key in named, f"{name}: {text!r} sets {key}, which the note does not name"
                assert value in numbers, f"{name}: {text!r}: the note names no value {value:g}"
                columns = RELATIONSHIP.columns(key)
                assert any(base[c] != value for c in columns), f"{name}: {key} is already {value}"


def test_a_thing_to_try_runs_as_written_and_its_page_names_its_values(tmp_path, capsys):
    """The first command of the first "try" note of two scenarios, run briefly."""
    import shlex

    from sim.cli.main import main
    from sim.scenario import overrides_text, parse_overrides

    for name in list_scenarios()[:2]:
        text = _try_commands(load_scenario(name))[0][1][0]
        argv = shlex.split(text)[1:]
        assert main([*argv, "--couples", "4", "--steps", "8", "--out", str(tmp_path)]) == 0
        out = capsys.readouterr().out
        overrides = parse_overrides(["=".join(x) for x in _pairs(argv)])
        assert f"with {overrides_text(overrides)} set over" in out
        (folder,) = tmp_path.glob(f"{name}+*")
        page = (folder / "index.html").read_text()
        assert all(f"{k}={v:g}" in page for k, v in overrides) and "not checked" in page


def _pairs(argv: list[str]) -> list[tuple[str, str]]:
    """The KEY, VALUE of every ``--set KEY=VALUE`` of a command line."""
    return [tuple(argv[i + 1].split("=", 1)) for i, x in enumerate(argv) if x == "--set"]


def test_a_users_own_scenarios_folder_is_searched_before_the_shipped_one(tmp_path, monkeypatch):
    from sim.experiment.runner import sweep
    from sim.scenario import list_scenarios, load_scenario, scenario_path

    shipped = scenario_path("balanced_mutual").resolve()
    own = tmp_path / "scenarios"
    own.mkdir()
    text = shipped.read_text(encoding="utf-8")
    (own / "balanced_mutual.toml").write_text(text.replace("Balanced", "My balanced", 1))
    (own / "my_own.toml").write_text(text)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RELSIM_SCENARIOS", raising=False)
    assert scenario_path("balanced_mutual").resolve() == (own / "balanced_mutual.toml").resolve()
    assert load_scenario("balanced_mutual").title.startswith("My balanced")
    names = list_scenarios()
    assert "my_own" in names and "coercive_helper" in names  # the shipped ones still found
    assert names.count("balanced_mutual") == 1
    spec = tmp_path / "s.toml"
    spec.write_text(
        'name = "s"\ndescription = "d"\nsteps = 4\nreplicates = 2\n'
        'scenarios = ["balanced_mutual", "coercive_helper"]\n[design]\nkind = "scenarios"\n'
    )
    sweep(spec, "serial", tmp_path / "out", quiet=True, report=False)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    files = manifest["scenario_files"]
    assert files["balanced_mutual"] == str((own / "balanced_mutual.toml").resolve())
    assert files["coercive_helper"].endswith("scenarios/coercive_helper.toml")
    assert str(tmp_path) not in files["coercive_helper"]


def without_expected(tmp_path: Path) -> Path:
    """The tiny fixture with its ``[expected]`` table left out, as ``plain.toml``."""
    text = (FIXTURES / "tiny.toml").read_text(encoding="utf-8")
    head, _, rest = text.partition("[expected]")
    path = tmp_path / "plain.toml"
    path.write_text(head + rest[rest.index("[notes]") :], encoding="utf-8")
    return path


def test_a_scenario_without_expected_loads_and_expects_nothing(tmp_path):
    sc = load_scenario(without_expected(tmp_path))
    assert sc.name == "plain" and dict(sc.a) == {"dependency": 0.5}
    assert sc.expected == () and sc.primary is None and sc.two_way is None
    assert sc.pattern_class is None and not sc.expectations_apply
    assert load_scenario(FIXTURES / "tiny.toml").expectations_apply
    assert (
        not load_scenario(FIXTURES / "tiny.toml")
        .with_overrides([("a.growth", 0.1)])
        .expectations_apply
    )
    data = _valid()
    del data["expected"]
    assert parse_scenario(data, name="x", path=Path("x.toml")).expected == ()


def test_scenario_text_reads_back_as_the_same_scenario(tmp_path):
    for name in list_scenarios():
        sc = load_scenario(name)
        assert parse_scenario(tomllib.loads(scenario_text(sc)), name=name, path=sc.path) == sc
    plain = load_scenario(without_expected(tmp_path))
    text = scenario_text(plain)
    assert "[expected]" not in text and "[env]\npatience = 20\n" in text
    again = tmp_path / "again" / "plain.toml"
    again.parent.mkdir()
    again.write_text(text, encoding="utf-8")
    assert replace(load_scenario(again), path=plain.path) == plain


def test_an_uploaded_file_is_checked_as_one_on_disk():
    for fixture, (key, message) in BROKEN.items():
        path = FIXTURES / "broken" / fixture
        with pytest.raises(InputError) as err:
            read_scenario(path.read_bytes(), fixture)
        assert (err.value.source, err.value.key) == (fixture, key)
        assert err.value.message.startswith(message) and "\n" not in str(err.value)
    good = read_scenario((FIXTURES / "tiny.toml").read_bytes(), "tiny.toml")
    assert replace(good, path=FIXTURES / "tiny.toml") == load_scenario(FIXTURES / "tiny.toml")


@pytest.mark.parametrize(
    ("data", "file_name", "message"),
    [
        (b"title = 1", "notes.txt", "expected a scenario file, NAME.toml"),
        (b"title = 1", "My Scenario (1).toml", "a scenario's file name must be lower case"),
        (b"\xff\xfe", "x.toml", "not UTF-8 text"),
        (b"a\0b", "x.toml", "a binary file"),
        (b"x" * (MAX_FILE_BYTES + 1), "x.toml", "larger than a scenario file may be"),
        (b"title = [", "x.toml", "malformed TOML"),
        (b'title = "t"', "x.toml", "missing; expected"),
    ],
)
def test_a_bad_upload_gives_one_input_error_naming_the_file(data, file_name, message):
    with pytest.raises(InputError) as err:
        read_scenario(data, "/some/folder/" + file_name)
    assert err.value.source == file_name and message in err.value.message
    assert "\n" not in str(err.value)
