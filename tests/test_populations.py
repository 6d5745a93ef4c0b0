"""Populations: the shipped files, the draws, strict loading, specs and the command line."""

from __future__ import annotations

import functools
import hashlib
import json
import re
import shutil
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.cli.main import main
from sim.errors import InputError
from sim.experiment.runner import load_results, run_experiment
from sim.experiment.seeding import run_keys
from sim.experiment.spec import parse_spec
from sim.hashing import mix64
from sim.model import parameters as reg
from sim.model.randomness import couple_keys
from sim.population import (
    DEFAULT,
    KINDS,
    TOP_KEYS,
    Beta,
    Fixed,
    Uniform,
    list_populations,
    load_population,
    parse_population,
    population_dir,
    uniforms,
)
from sim.views.scenario_run import replicate_keys

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "populations"
TINY = FIXTURES / "tiny.toml"
BROKEN = sorted((FIXTURES / "broken").glob("*.toml"))
README = ROOT / "populations" / "README.md"
SHIPPED = ("cohabiting", "newlyweds", "uniform")
N = 20_000

quick_run = functools.partial(run_experiment, executor="serial", quiet=True, report=False)


def spec_of(population: str | Path, **changes) -> dict:
    """A small grid over newlyweds-like couples: alternatives set by the design."""
    data = {
        "name": "drawn",
        "description": "Couples drawn from a population, alternatives set by the design.",
        "population": str(population),
        "steps": 20,
        "replicates": 3,
        "seed": 4,
        "design": {"kind": "grid", "factors": {"env.alternatives": [0.2, 0.7]}},
        "metrics": {"series": ["intimacy"], "record_every": 5},
    }
    data.update(changes)
    return data


# --- the shipped files ---------------------------------------------------------------


def test_the_shipped_populations_are_listed_and_load():
    assert population_dir().resolve() == (ROOT / "populations").resolve()
    assert list_populations() == list(SHIPPED)
    for name in SHIPPED:
        pop = load_population(name)
        assert pop.name == name and "\n" not in pop.title
        assert pop.sources and all(len(s) > 20 for s in pop.sources)
        assert set(pop.traits) == set(reg.TRAIT_NAMES)
        assert set(pop.env) == set(reg.ENV_NAMES)


def test_newlyweds_and_cohabiting_spread_every_trait_around_its_default():
    for name, barriers in (("newlyweds", 0.6), ("cohabiting", 0.3)):
        pop = load_population(name)
        for trait in reg.TRAITS:
            assert pop.traits[trait.name] == Beta(trait.default, 0.15)
        assert pop.env["barriers"] == Fixed(barriers)
        others = [e for e in reg.ENVIRONMENT if e.name != "barriers"]
        assert all(pop.env[e.name] == Fixed(e.default) for e in others)


def test_uniform_spreads_every_trait_over_its_range_in_the_default_environment():
    pop = load_population("uniform")
    assert all(pop.traits[t.name] == Uniform(t.low, t.high) for t in reg.TRAITS)
    assert all(pop.env[e.name] == Fixed(e.default) for e in reg.ENVIRONMENT)


# --- the draws ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*SHIPPED, "tiny"])
def test_drawn_means_and_sds_match_the_file(name):
    pop = load_population(TINY if name == "tiny" else name)
    cols = pop.columns(couple_keys(2024, N))
    for column, dist in pop.distributions().items():
        x = cols[column]
        param = reg.REGISTRY[column.partition(".")[2]]
        assert ((param.low <= x) & (x <= param.high)).all(), column
        # four standard errors of the mean and of the sd of N draws
        assert abs(x.mean() - dist.mean) < 4 * dist.std / np.sqrt(N) + 1e-12, column
        assert abs(x.std() - dist.std) < 4 * dist.std / np.sqrt(2 * N) + 1e-12, column


def test_draws_of_a_couple_depend_only_on_its_key():
    pop = load_population(TINY)
    keys = couple_keys(7, 40)
    whole = pop.draw(keys)
    part = pop.draw(keys[5:9])
    for name in reg.TRAIT_NAMES:
        np.testing.assert_array_equal(part.traits[name], whole.traits[name][:, 5:9])
    for name in reg.ENV_NAMES:
        np.testing.assert_array_equal(part.env[name], whole.env[name][5:9])
    reversed_ = pop.columns(keys[::-1])
    assert all(np.array_equal(v[::-1], pop.columns(keys)[k]) for k, v in reversed_.items())


def test_partners_and_traits_are_drawn_independently():
    cols = load_population("newlyweds").columns(couple_keys(3, N))
    drawn = [c for c in cols if not c.startswith("env.")]
    matrix = np.corrcoef(np.stack([cols[c] for c in drawn]))
    off = matrix[~np.eye(len(drawn), dtype=bool)]
    assert np.abs(off).max() < 0.04  # independent draws: |r| about 1/sqrt(N) = 0.007
    assert not np.array_equal(cols["a.dependency"], cols["b.dependency"])


def test_a_draw_is_the_inverse_cdf_at_the_uniform_the_odd_gives():
    from scipy.stats import beta

    keys = couple_keys(5, 50)
    digest = hashlib.sha256(b"b.dependency").digest()[:8]
    stream = np.uint64(int.from_bytes(digest, "little"))
    z = mix64(mix64(keys ^ np.uint64(0x6A09E667F3BCC909)) ^ stream)
    u = ((z >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53
    np.testing.assert_array_equal(uniforms(keys, "b.dependency"), u)
    dist = load_population(TINY).traits["dependency"]
    np.testing.assert_array_equal(
        load_population(TINY).columns(keys)["b.dependency"], beta.ppf(u, *dist.shape)
    )
    assert "0x6A09E667F3BCC909" in (ROOT / "docs" / "ODD.md").read_text()


def test_draw_gives_the_engines_parameters():
    pop = load_population(TINY)
    params = pop.draw(couple_keys(1, 10))
    params.check_complete()
    assert params.n == 10 and params.traits["dependency"].shape == (2, 10)
    np.testing.assert_array_equal(params.traits["growth"], 0.5)
    np.testing.assert_array_equal(params.env["patience"], 30.0)
    assert ((0.1 <= params.env["alternatives"]) & (params.env["alternatives"] <= 0.5)).all()


def test_content_hash_follows_the_draws_not_the_words(tmp_path):
    pop = load_population(TINY)
    text = TINY.read_text()
    reworded = tmp_path / "reworded.toml"
    reworded.write_text(text.replace("a population for the tests", "other words"))
    assert load_population(reworded).content_hash() == pop.content_hash()
    wider = tmp_path / "wider.toml"
    wider.write_text(text.replace("sd = 0.18", "sd = 0.2"))
    assert load_population(wider).content_hash() != pop.content_hash()


# --- strict loading ----------------------------------------------------------------------

CASES = {
    "broken_toml": ("", "malformed TOML"),
    "drawn_patience": ("env.patience.kind", "patience takes whole numbers only"),
    "low_above_high": ("env.barriers", "expected low <= high"),
    "mean_outside": ("traits.dependency.mean", "strictly inside (0, 1), got 1.2"),
    "missing_sources": ("sources", "missing"),
    "sd_too_wide": ("traits.default.sd", "for narcissism: expected a beta sd below"),
    "uniform_outside": ("traits.capability", "expected low and high in [0, 1]"),
    "unknown_env": ("env.alternativs", "did you mean alternatives?"),
    "unknown_key": ("traits.dependency.shape", "unknown key; expected one of kind, mean, sd"),
    "unknown_kind": ("traits.default.kind", "unknown distribution kind 'normal'"),
    "unknown_top_key": ("spread", "unknown key"),
    "unknown_trait": ("traits.dependncy", "unknown trait (did you mean dependency?)"),
    "wrong_type": ("traits.dependency.sd", "expected a number, got string 'wide'"),
}


def test_every_broken_fixture_has_its_case():
    assert sorted(CASES) == [p.stem for p in BROKEN]


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_population_names_the_file_the_key_and_what_was_expected(path):
    key, message = CASES[path.stem]
    with pytest.raises(InputError) as err:
        load_population(path)
    assert err.value.key == key
    assert message in err.value.message
    assert err.value.source.endswith(path.name)
    assert "\n" not in str(err.value)


def _valid() -> dict:
    return tomllib.loads(TINY.read_text())


@pytest.mark.parametrize(
    ("change", "key", "message"),
    [
        (lambda d: d["traits"].update(growth=True), "traits.growth", "expected a number or"),
        (lambda d: d["traits"].update(growth=[0.5]), "traits.growth", "got array"),
        (lambda d: d["traits"].update(growth={"value": 0.5}), "traits.growth.kind", "missing"),
        (lambda d: d["traits"].update(growth={"kind": "fixed"}), "traits.growth.value", "missing"),
        (lambda d: d["traits"].update(growth=1.5), "traits.growth", "in [0, 1], got 1.5"),
        (
            lambda d: d["traits"].update(dependency={"kind": "beta", "mean": 0.3}),
            "traits.dependency.sd",
            "missing",
        ),
        (
            lambda d: d["traits"].update(dependency={"kind": "beta", "mean": 0.0, "sd": 0.1}),
            "traits.dependency.mean",
            "strictly inside (0, 1)",
        ),
        (
            lambda d: d["traits"].update(dependency={"kind": "beta", "sd": 0.0}),
            "traits.dependency.sd",
            "expected a beta sd > 0",
        ),
        (
            lambda d: d["env"].update(trial_rate={"kind": "beta", "mean": 0.7, "sd": 0.1}),
            "env.trial_rate.mean",
            "expected a mean in [0, 0.5], the range of trial_rate",
        ),
        (
            lambda d: d["env"].update(trial_rate={"kind": "uniform"}),
            "env.trial_rate",
            None,
        ),
        (lambda d: d["env"].update(patience=26.5), "env.patience", "an integer in [1, 520]"),
        (lambda d: d.update(traits=0.3), "traits", "expected a table"),
        (lambda d: d.update(title="two\nlines"), "title", "one line"),
        (lambda d: d.update(sources=[]), "sources", "non-empty array"),
        (lambda d: d.pop("traits"), "traits", "missing"),
    ],
)
def test_each_fault_is_one_error(change, key, message):
    data = _valid()
    change(data)
    if message is None:  # valid: a uniform over the parameter's own range
        pop = parse_population(data, name="x", path=Path("x.toml"))
        assert pop.env["trial_rate"] == Uniform(0.0, 0.5)
        return
    with pytest.raises(InputError) as err:
        parse_population(data, name="x", path=Path("x.toml"))
    assert err.value.key == key
    assert message in err.value.message


def test_unknown_names_and_missing_paths(tmp_path):
    with pytest.raises(InputError, match="unknown population.*newlyweds"):
        load_population("newlywed")
    with pytest.raises(InputError, match="no such population file"):
        load_population(tmp_path / "gone.toml")


def test_another_folder_by_environment_variable(tmp_path, monkeypatch):
    shutil.copy(TINY, tmp_path / "tiny.toml")
    monkeypatch.setenv("RELSIM_POPULATIONS", str(tmp_path))
    assert population_dir() == tmp_path
    assert list_populations() == ["tiny"]
    assert load_population("tiny").title.startswith("Tiny")


# --- experiment specs --------------------------------------------------------------------


def test_a_spec_names_a_population_or_scenarios_not_both():
    with pytest.raises(InputError, match="either population or scenario, not both"):
        parse_spec(spec_of("newlyweds", scenario="balanced_mutual"))
    with pytest.raises(InputError, match="the market model draws no populations"):
        parse_spec({**spec_of("newlyweds"), "model": "market"})
    with pytest.raises(InputError) as err:
        parse_spec(spec_of(FIXTURES / "broken" / "unknown_kind.toml"), source="s.toml")
    assert err.value.source == "s.toml" and err.value.key == "population"
    assert "traits.default.kind: unknown distribution kind" in err.value.message
    spec = parse_spec(spec_of("newlyweds"))
    assert spec.population == "newlyweds" and spec.scenarios == ("default",)


def test_a_spec_without_population_keeps_its_identity():
    spec = parse_spec(spec_of("newlyweds"))
    assert spec.identity()["population"] == "newlyweds"
    data = spec_of("newlyweds")
    data.pop("population")
    assert "population" not in parse_spec(data).identity()


def test_each_run_is_drawn_by_its_key_and_the_design_sets_its_columns(tmp_path):
    runs = quick_run(parse_spec(spec_of(TINY)), out=tmp_path / "r", chunk_size=2)
    assert len(runs) == 6 and (runs["status"] == "ok").all()
    assert (runs["scenario"] == str(TINY)).all()
    keys = run_keys(4, runs["point"].to_numpy(), runs["replicate"].to_numpy())
    np.testing.assert_array_equal(runs["key"].to_numpy().astype(np.uint64), keys)
    drawn = load_population(TINY).columns(keys)
    for column, values in drawn.items():
        if column != "env.alternatives":
            np.testing.assert_array_equal(runs[column].to_numpy(), values, err_msg=column)
    assert list(runs["env.alternatives"]) == [0.2] * 3 + [0.7] * 3
    assert runs["a.dependency"].nunique() == 6  # every run draws its own couple
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["design"]["population"] == str(TINY)


def test_population_results_do_not_depend_on_chunking(tmp_path):
    spec = parse_spec(spec_of("newlyweds"))
    ref = quick_run(spec, out=tmp_path / "one", chunk_size=1)
    for size in (4, 1000):
        runs = quick_run(spec, out=tmp_path / str(size), chunk_size=size)
        pd.testing.assert_frame_equal(runs, ref, check_exact=True)
        assert (tmp_path / str(size) / "runs.parquet").read_bytes() == (
            tmp_path / "one" / "runs.parquet"
        ).read_bytes()


def test_an_edited_population_refuses_to_mix_with_old_results(tmp_path):
    path = tmp_path / "mine.toml"
    shutil.copy(TINY, path)
    out = tmp_path / "r"
    quick_run(parse_spec(spec_of(path, replicates=1)), out=out)
    path.write_text(TINY.read_text().replace("for the tests", "for the tests, reworded"))
    more = quick_run(parse_spec(spec_of(path, replicates=2)), out=out)  # words only: resumes
    assert len(more) == 4
    path.write_text(TINY.read_text().replace("sd = 0.18", "sd = 0.2"))
    with pytest.raises(InputError, match="different spec"):
        quick_run(parse_spec(spec_of(path, replicates=2)), out=out)
    redrawn = quick_run(parse_spec(spec_of(path, replicates=2)), out=out, force=True)
    assert not np.array_equal(redrawn["a.dependency"], more["a.dependency"])


def test_added_replicates_keep_the_finished_draws(tmp_path):
    out = tmp_path / "r"
    first = quick_run(parse_spec(spec_of("cohabiting", replicates=2)), out=out)
    more = quick_run(parse_spec(spec_of("cohabiting", replicates=4)), out=out)
    kept = more[more["replicate"] < 2].drop(columns="run").reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, first.drop(columns="run"), check_exact=True)


# --- the command line --------------------------------------------------------------------


def test_populations_lists_every_population_with_its_title(capsys):
    assert main(["populations"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(SHIPPED)
    assert all(line.endswith(load_population(line.split()[0]).title) for line in lines)


def test_populations_shows_one_population(capsys):
    assert main(["populations", "newlyweds"]) == 0
    out = capsys.readouterr().out
    assert "beta(mean 0.3, sd 0.15)" in out and "Bramlett" in out
    assert re.search(r"env\.barriers\s+0\.6\s", out)


def test_run_population_writes_a_study_of_drawn_couples(tmp_path, capsys):
    argv = ["run", "--population", "newlyweds", "--couples", "12", "--steps", "60"]
    assert main([*argv, "--seed", "3", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("newlyweds: Newlyweds")
    assert "ended within" in out and "1 year" in out and "2 years" not in out
    folder = tmp_path / "newlyweds"
    runs = load_results(folder)
    assert len(runs) == 12 and (runs["scenario"] == "newlyweds").all()
    drawn = load_population("newlyweds").columns(replicate_keys(3, 12))
    for column in ("a.dependency", "b.openness", "env.barriers"):
        np.testing.assert_array_equal(runs[column].to_numpy(), drawn[column])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["spec"].startswith("# relsim run --population newlyweds --couples 12")
    page = (folder / "index.html").read_text()
    assert "<h2>Population</h2>" in page and "Bramlett" in page
    index = (tmp_path / "index.html").read_text()
    assert "Population runs" in index and "newlyweds/index.html" in index
    # a rerun resumes: nothing is run again
    assert main([*argv, "--seed", "3", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    pd.testing.assert_frame_equal(load_results(folder), runs, check_exact=True)


def test_run_takes_a_scenario_or_a_population_not_both(tmp_path, capsys):
    both = ["run", "balanced_mutual", "--population", "newlyweds", "--out", str(tmp_path)]
    for argv in (both, ["run", "--out", str(tmp_path)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("relsim: error: ")
    assert not any(tmp_path.iterdir())


def test_run_refuses_a_folder_of_other_results(tmp_path, capsys):
    argv = ["--couples", "2", "--steps", "2", "--out", str(tmp_path)]
    assert main(["run", "balanced_mutual", *argv]) == 0
    (tmp_path / "balanced_mutual").rename(tmp_path / "newlyweds")
    capsys.readouterr()
    assert main(["run", "--population", "newlyweds", *argv]) == 2
    assert "holds an experiment's results" in capsys.readouterr().err


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_population_in_run_is_one_line_and_status_2(path, tmp_path, capsys):
    argv = ["run", "--population", str(path), "--couples", "2", "--steps", "2"]
    assert main([*argv, "--out", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("relsim: error: ") and path.name in lines[0]
    assert CASES[path.stem][1] in lines[0]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("path", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_population_in_a_spec_is_one_line_and_status_2(path, tmp_path, capsys):
    spec = tmp_path / "drawn.toml"
    spec.write_text(
        f'name = "drawn"\ndescription = "A broken population."\n'
        f"population = {json.dumps(str(path))}\nsteps = 2\n"
        '[design]\nkind = "grid"\n[design.factors]\n"env.alternatives" = [0.2]\n'
    )
    assert main(["sweep", str(spec), "--quiet", "--out", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert captured.out == "" and len(lines) == 1
    assert lines[0].startswith(f"relsim: error: {spec}: population: ")
    assert path.name in lines[0] and CASES[path.stem][1] in lines[0]
    assert not (tmp_path / "out").exists()


def test_missing_population_is_one_line_and_status_2(tmp_path, capsys):
    gone = tmp_path / "gone.toml"
    assert main(["run", "--population", str(gone), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err == f"relsim: error: {gone}: no such population file\n"
    assert not (tmp_path / "out").exists()


# --- the documentation -------------------------------------------------------------------


def test_every_key_and_kind_is_documented():
    text = README.read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_.]+)`", text))
    keys = set(TOP_KEYS) | set(KINDS) | {DEFAULT, "kind", *SHIPPED}
    for cls in KINDS.values():
        keys |= set(cls.keys)
    assert sorted(keys - documented) == []
    assert "RELSIM_POPULATIONS" in text


def test_the_package_exports_the_loader():
    assert sim.load_population("uniform") == load_population("uniform")
    assert sim.list_populations() == list_populations()
