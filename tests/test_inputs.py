"""The input layer (sim/inputs.py) and the bounds on work: rules the fuzz suite relies on."""

from __future__ import annotations

import shutil
import tracemalloc
from pathlib import Path

import pandas as pd
import pytest

from sim import inputs
from sim.cli.main import main
from sim.errors import InputError
from sim.experiment import runner
from sim.experiment.spec import parse_spec

FIXTURES = Path(__file__).parent / "fixtures"
TINY = FIXTURES / "experiments" / "tiny.toml"


def _spec(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "spec.toml"
    path.write_text('name = "big"\ndescription = "d"\n' + body, encoding="utf-8")
    return path


def test_check_tree_names_the_key_of_a_value_no_float_holds():
    with pytest.raises(InputError) as err:
        inputs.check_tree({"a": {"b": [1, 2, 10**30]}}, "f.toml")
    assert err.value.key == "a.b[2]" and "64-bit" in err.value.message
    with pytest.raises(InputError, match="finite"):
        inputs.check_tree({"x": float("inf")}, "f.toml")
    inputs.check_tree({"x": [2**63 - 1, -(2**63 - 1), 1.5, True, "text"]}, "f.toml")


def test_check_tree_bounds_depth_without_recursing():
    deep: object = 1
    for _ in range(50_000):  # far deeper than Python's recursion limit
        deep = [deep]
    with pytest.raises(InputError, match="nested too deeply"):
        inputs.check_tree({"a": deep}, "f.toml")
    shallow: object = 1
    for _ in range(inputs.MAX_DEPTH - 1):
        shallow = [shallow]
    inputs.check_tree(shallow, "f.toml")


@pytest.mark.parametrize(
    "name", ["a\nb", "a\x00b", "a/b", "..", ".hidden", "", " a", "é" * 51, "a\u202eb"]
)
def test_safe_name_refuses_what_cannot_be_one_folder(name):
    with pytest.raises(InputError):
        inputs.safe_name(name, "spec.toml")


def test_safe_name_keeps_names_up_to_the_limit():
    assert inputs.safe_name("a" * inputs.MAX_NAME_BYTES, "s") == "a" * inputs.MAX_NAME_BYTES
    assert inputs.safe_name("my experiment 2", "s") == "my experiment 2"


def test_read_text_refuses_what_is_not_a_regular_utf8_file(tmp_path):
    big = tmp_path / "big.toml"
    with open(big, "wb") as f:
        f.truncate(inputs.MAX_FILE_BYTES + 1)
    for path in (big, tmp_path, Path("/dev/zero")):
        with pytest.raises(InputError):
            inputs.read_text(path, "spec")
    latin = tmp_path / "latin.toml"
    latin.write_bytes("x = 'caf\xe9'".encode("latin-1"))
    with pytest.raises(InputError, match="UTF-8"):
        inputs.read_text(latin, "spec")
    good = tmp_path / "good.toml"
    good.write_text("x = 'café'", encoding="utf-8")
    assert inputs.read_text(good, "spec")[0] == "x = 'café'"


def test_check_work_says_what_it_would_take_and_how_to_allow_it(monkeypatch):
    limit = inputs.COUPLE_WEEKS
    args = ("--couples", "", 3_000, limit, "couple-weeks")
    monkeypatch.setenv(limit.variable, "1000")
    with pytest.raises(InputError) as err:
        inputs.check_work(*args, memory=2**30, fewer="use fewer couples")
    text = str(err.value)
    assert "3,000 couple-weeks" in text and "1.0 GB" in text and "limit of 1,000" in text
    assert text.endswith(f"use fewer couples, or use --force, or set {limit.variable}=3000")
    inputs.check_work(*args, force=True)
    monkeypatch.setenv(limit.variable, "3_000")
    inputs.check_work(*args)
    monkeypatch.delenv(limit.variable)
    inputs.check_work(*args)
    with pytest.raises(InputError, match="raise max_runs to 3000 or use --force"):
        inputs.check_work("spec.toml", "max_runs", 3_000, inputs.RUNS, "runs", top=2_000)


@pytest.mark.parametrize("value", ["0", "-5", "many", "1e9", "9" * 30])
def test_a_limit_raised_to_nonsense_is_refused_naming_its_variable(monkeypatch, value):
    monkeypatch.setenv(inputs.STEPS.variable, value)
    with pytest.raises(InputError) as err:
        inputs.STEPS.value()
    assert err.value.source == "RELSIM_MAX_STEPS" and "whole number" in err.value.message


def test_every_limit_is_documented_in_the_readme_from_its_one_source():
    from sim.model import docs

    readme = Path(__file__).parents[1] / "README.md"
    found = docs.blocks(readme.read_text(encoding="utf-8"), docs.README_TABLES)
    assert found.get("limits-table") == "\n" + inputs.limits_table() + "\n", (
        "the table of limits in README.md is out of date; run "
        "python -m sim.model.docs --write README.md"
    )
    work = [limit for limit in inputs.LIMITS if not limit.hard]
    assert {inputs.STEPS, inputs.COUPLES, inputs.COUPLE_WEEKS, inputs.RUN_STEPS} <= set(work)
    assert all(limit.variable or limit.raise_key for limit in work)
    variables = [limit.variable for limit in work if limit.variable]
    assert len(set(variables)) == len(variables)


SC = str(FIXTURES / "scenarios" / "tiny.toml")
WORK = {
    "run-couples": (inputs.COUPLES, 2, ("run", SC, "--couples", "3", "--steps", "4")),
    "run-couple-weeks": (inputs.COUPLE_WEEKS, 11, ("run", SC, "--couples", "3", "--steps", "4")),
    "run-steps": (inputs.STEPS, 3, ("run", SC, "--couples", "3", "--steps", "4")),
    "story-steps": (inputs.STEPS, 5, ("story", SC, "--steps", "6")),
    "sweep-steps": (inputs.STEPS, 39, ("sweep", str(TINY), "--quiet", "--no-report")),
    "sweep-run-steps": (inputs.RUN_STEPS, 100, ("sweep", str(TINY), "--quiet", "--no-report")),
    "market-weeks": (inputs.STEPS, 4, ("market", "run", "--size", "20", "--weeks", "5")),
    "market-person-weeks": (
        inputs.PERSON_WEEKS,
        99,
        ("market", "run", "--size", "20", "--weeks", "5"),
    ),
    "kalick-hamilton": (inputs.KH_PEOPLE, 19, ("market", "kalick-hamilton", "--people", "20")),
}


def _out(argv: tuple[str, ...], tmp: Path) -> list[str]:
    """``argv`` writing into ``tmp/out`` where the command writes at all."""
    if argv[0] in ("run", "sweep") or argv[:2] == ("market", "run"):
        return [*argv, "--out", str(tmp / "out")]
    return list(argv)


@pytest.mark.parametrize("case", sorted(WORK))
def test_work_past_a_limit_is_refused_and_allowed_by_force_or_a_raised_limit(
    case, tmp_path, monkeypatch, capsys
):
    limit, low, argv = WORK[case]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(limit.variable, str(low))
    argv = _out(argv, tmp_path)
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"limit of {low:,}" in err
    assert "--force" in err and f"{limit.variable}=" in err
    assert list(tmp_path.iterdir()) == []
    assert main([*argv, "--force"]) == 0
    monkeypatch.setenv(limit.variable, err.rsplit("=", 1)[1].strip())
    assert main(argv) == 0
    assert capsys.readouterr().err == ""


def test_a_spec_past_the_weeks_limit_is_listed_by_the_dry_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(inputs.STEPS.variable, "39")
    assert main(["sweep", str(TINY), "--dry-run", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "refused    steps: 40 steps a run exceed the limit of 39" in out


@pytest.mark.parametrize("steps", range(1, 40))
def test_n_records_counts_the_recorded_weeks(steps):
    for every in range(1, 9):
        weeks = list(range(0, steps + 1, every))
        weeks += [] if weeks[-1] == steps else [steps]
        assert runner.n_records(steps, every) == len(weeks)


def test_a_grid_past_max_runs_is_refused_before_its_values_are_made(tmp_path):
    body = 'steps = 5\n[design]\nkind = "grid"\n[design.factors]\n'
    body += '"a.dependency" = { low = 0.1, high = 0.9, num = 1000000000 }\n'
    tracemalloc.start()
    try:
        status = main(["sweep", str(_spec(tmp_path, body)), "--dry-run"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert status == 2 and peak < 50 * 2**20


def test_dry_run_of_a_huge_design_builds_no_plan(tmp_path, capsys):
    body = "steps = 50000\nmax_runs = 1000000000000\n"
    body += '[design]\nkind = "lhs"\nsamples = 100000000000\n'
    body += '[design.factors]\n"a.dependency" = [0.1, 0.9]\n'
    tracemalloc.start()
    try:
        status = main(["sweep", str(_spec(tmp_path, body)), "--dry-run", "--workers", "1"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    out = capsys.readouterr().out
    assert status == 0 and peak < 200 * 2**20
    assert "100,000,000,000" in out and "refused    steps" in out and "run-steps" in out
    assert not (tmp_path / "results").exists()


def test_the_limits_of_a_sweep_are_refused_before_anything_is_written(tmp_path):
    spec = parse_spec(
        {
            "name": "s",
            "description": "d",
            "steps": 50_000,
            "replicates": 100_000,
            "max_runs": 10**9,
            "design": {"kind": "grid", "factors": {"a.dependency": [0.1, 0.2, 0.3]}},
            "metrics": {"series": ["intimacy"], "record_every": 1},
        }
    )
    keys = [err.key for err in runner.refusals(spec)]
    assert keys == ["steps", "metrics.record_every"] and runner.refusals(spec, force=True) == []
    with pytest.raises(InputError, match="run-steps"):
        runner.sweep(spec, "serial", tmp_path / "out", quiet=True)
    assert not (tmp_path / "out").exists()


def test_a_folder_left_running_with_no_runs_does_not_block_a_corrected_spec(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text(
        '{"name": "x", "identity_hash": "other", "status": "running", "sessions": []}'
    )
    summary = runner.sweep(TINY, "serial", out, quiet=True, report=False)
    assert summary.rows == summary.planned and summary.failed == 0


def test_force_repairs_corrupt_results(tmp_path, capsys):
    out = tmp_path / "out"
    args = ["sweep", str(TINY), "--executor", "serial", "--quiet", "--no-report", "--out", str(out)]
    assert main(args) == 0
    good = (out / "runs.parquet").read_bytes()
    (out / "runs.parquet").write_bytes(good[: len(good) // 3])
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "runs.parquet" in err and "--force" in err and err.count("\n") == 1
    assert main([*args, "--force"]) == 0
    assert len(runner.load_results(out)) == runner.plan(runner.load_spec(TINY)).n_runs


@pytest.mark.parametrize("damaged", ["runs.parquet", "manifest.json", "chunks/consolidated.json"])
def test_run_reports_corrupt_results_and_force_starts_over(damaged, tmp_path, capsys):
    args = ["run", SC, "--couples", "3", "--steps", "4", "--out", str(tmp_path)]
    assert main(args) == 0
    folder = tmp_path / "tiny"
    good = runner.load_results(folder)
    (folder / damaged).write_bytes(b"garbage")
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and damaged in err and "with --force to start over" in err
    assert (folder / damaged).read_bytes() == b"garbage"
    assert main([*args, "--force"]) == 0
    pd.testing.assert_frame_equal(runner.load_results(folder), good)


def test_a_bad_plot_is_reported_before_the_sweep_runs(tmp_path, capsys):
    spec = tmp_path / "spec.toml"
    shutil.copy(TINY, spec)
    with open(spec, "a", encoding="utf-8") as f:
        f.write('\n[[plots]]\nkind = "bars"\nmetrics = ["no_such_metric"]\n')
    status = main(["sweep", str(spec), "--executor", "serial", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert status == 2 and "plots[0].metrics" in err and "no_such_metric" in err
    assert not (tmp_path / "out").exists()
