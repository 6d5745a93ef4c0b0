"""Scenario discovery: EMA Workbench's PRIM on run tables, ``sim.discover`` and
``relsim discover``."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from markupsafe import escape

import sim
from sim.cli.main import main
from sim.experiment import discovery as sd
from sim.experiment import lock
from sim.experiment.runner import run_experiment
from sim.model.outcomes import OUTCOME_CLASSES
from sim.views import report, style

FIXTURES = Path(__file__).parent / "fixtures" / "experiments"
PNG_URI = '<img src="data:image/png;base64,'


def _factors(n: int, seed: int) -> pd.DataFrame:
    """Three factors sampled uniformly on [0, 1], as an LHS sweep's run table has them."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {name: rng.uniform(0, 1, n) for name in ("a.narcissism", "a.dependency", "b.dependency")}
    )


@pytest.mark.parametrize("threshold", [0.35, 0.6])
def test_prim_finds_the_threshold_of_the_one_factor_that_decides(threshold):
    x = _factors(500, seed=4)
    y = (x["a.narcissism"] > threshold).to_numpy()
    (box,) = sd.prim_boxes(x, y)
    assert box.restricted == ("a.narcissism",)
    (limit,) = box.limits.itertuples(index=False)
    assert limit.low == pytest.approx(threshold, abs=0.05)
    assert limit.high == limit.range_high == x["a.narcissism"].max()
    assert box.density >= sd.DENSITY and box.coverage > 0.9
    assert limit.qp_low < 1e-6 and np.isnan(limit.qp_high)  # only the lower limit is peeled


def test_box_statistics_are_those_of_the_runs_inside_its_limits():
    x = _factors(400, seed=9)
    noise = np.random.default_rng(1).normal(0, 0.08, len(x))
    intimacy = pd.Series(1.0 - x["b.dependency"] + noise)
    y = sd.Target("intimacy", below=0.3).hits(intimacy)
    boxes = sd.prim_boxes(x, y, boxes=2)
    first = boxes[0]
    assert "b.dependency" in first.restricted
    limit = first.limits.set_index("factor").loc["b.dependency"]
    assert limit.low > 0.55 and limit.high == limit.range_high
    inside = first.contains(x)
    assert first.n == inside.sum() and first.k == y[inside].sum()
    assert first.coverage == pytest.approx(y[inside].sum() / y.sum())
    assert first.density == pytest.approx(y[inside].mean())
    assert first.mass == pytest.approx(inside.mean())
    # A second box is sought among the runs the first leaves out.
    if len(boxes) > 1:
        second = boxes[1]
        outside = ~inside
        assert second.number == 2 and second.n == (second.contains(x) & outside).sum()


def test_a_categorical_factor_keeps_the_levels_of_interest():
    rng = np.random.default_rng(3)
    x = _factors(600, seed=3).assign(**{sd.SCENARIO_FACTOR: rng.choice(["p", "q", "r"], 600)})
    y = ((x["a.dependency"] > 0.5) & (x[sd.SCENARIO_FACTOR] == "q")).to_numpy()
    (box,) = sd.prim_boxes(x, y)
    limits = box.limits.set_index("factor")
    assert limits.loc[sd.SCENARIO_FACTOR, "values"] == "q"
    assert limits.loc["a.dependency", "low"] == pytest.approx(0.5, abs=0.06)
    assert box.contains(x).sum() == box.n


def test_choose_takes_the_most_covering_box_dense_enough_else_the_densest():
    t = pd.DataFrame(
        {
            "coverage": [1.0, 0.95, 0.9, 0.7, 0.5],
            "density": [0.2, 0.5, 0.81, 0.9, 0.95],
            "res_dim": [0, 1, 1, 2, 2],
        }
    )
    assert sd.choose(t, 0.8) == 2
    assert sd.choose(t, 0.9) == 3
    assert sd.choose(t, 0.99) == 4  # none reaches it: the densest
    assert sd.choose(t, 0.1) == 0  # the whole space is dense enough


def test_targets_say_what_they_select():
    values = pd.Series([0.1, 0.25, 0.5, np.nan, 0.9])
    assert sd.Target("intimacy", below=0.3).hits(values).tolist() == [1, 1, 0, 0, 0]
    assert sd.Target("intimacy", above=0.3).hits(values).tolist() == [0, 0, 1, 0, 1]
    band = sd.Target("intimacy", above=0.2, below=0.6)
    assert band.hits(values).tolist() == [0, 1, 1, 0, 0]
    assert band.describe() == "0.2 < intimacy < 0.6"
    assert band.slug == "intimacy_above_0.2_below_0.6"
    cls = sd.Target("outcome", value="coercive")
    assert cls.hits(pd.Series(["mutual", "coercive"])).tolist() == [False, True]
    assert (cls.describe(), cls.slug) == ("outcome = coercive", "coercive")
    shown = sd.Target("pattern", value="coercive")
    assert (shown.describe(), shown.slug) == ("pattern = coercive", "pattern_coercive")
    for bad in (
        {"column": "intimacy"},
        {"column": "outcome", "value": "coercive", "above": 0.1},
        {"column": "intimacy", "above": 0.6, "below": 0.2},
        {"column": "intimacy", "below": float("nan")},
    ):
        with pytest.raises(ValueError):
            sd.Target(**bad)


@pytest.fixture(scope="module")
def swept(tmp_path_factory) -> Path:
    """The discovery fixture: an LHS over a's narcissism and dependency and b's dependency."""
    out = tmp_path_factory.mktemp("results") / "discovery"
    run_experiment(
        FIXTURES / "discovery.toml", executor="serial", out=out, quiet=True, report=False
    )
    return out


def test_discover_on_a_sweep_prints_the_box_and_writes_its_page(swept, capsys):
    runs = sim.load_results(swept)
    threshold = float(runs["intimacy"].median())
    argv = ["discover", str(swept), "--outcome", "intimacy", "--below", f"{threshold:.4f}"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    found = sim.discover(swept, "intimacy", below=float(f"{threshold:.4f}"), write=False)
    assert found.page is None
    (box,) = found.boxes
    # What is printed is what was found, and its statistics are those of the runs.
    hits = int((runs["intimacy"] < float(f"{threshold:.4f}")).sum())
    assert f"{hits} of {len(runs)} runs have intimacy < {float(f'{threshold:.4f}'):g}" in out
    assert f"coverage {box.coverage:.2f}, density {box.density:.2f}" in out
    inside = box.contains(found.x)
    assert box.k == found.y[inside].sum() and box.n == inside.sum()
    for factor in box.restricted:
        assert re.search(rf"^  {re.escape(factor)} +\S+ to \S+", out, re.M)
    page = swept / f"discovery_intimacy_below_{float(f'{threshold:.4f}'):g}.html"
    assert out.strip().splitlines()[-1] == f"page: {page}"
    text = page.read_text()
    assert text.count(PNG_URI) >= 2 and "peeling trajectory" in text
    assert "<script" not in text and not re.search(r"""(src|href)=["']https?:""", text)
    for factor in box.restricted:  # each limit names its factor, and in words
        words = re.escape(str(escape(style.label(factor))))
        cells = rf'<td class="[^"]*" >{re.escape(factor)}</td>\s*<td class="[^"]*" >{words}</td>'
        assert re.search(cells, text)
    left = [p for p in swept.iterdir() if p.name.startswith(".") and p.name != lock.LOCK]
    assert not left  # written atomically


def test_discover_coercive_finds_the_narcissistic_helper(swept, capsys):
    """Coercion needs a self-focused helper (M8): the box bounds a's narcissism below."""
    found = sim.discover(swept, "coercive")
    box = found.boxes[0]
    limits = box.limits.set_index("factor")
    assert "a.narcissism" in limits.index
    assert limits.loc["a.narcissism", "low"] > limits.loc["a.narcissism", "range_low"] + 0.2
    assert box.density > found.hits / found.runs
    assert found.page == swept / "discovery_coercive.html" and found.page.is_file()
    # The experiment's page links every discovery page of its folder.
    assert 'href="discovery_coercive.html"' in report.write_page(swept).read_text()


def test_explicit_factors_and_step_are_honoured(swept):
    found = sim.discover(swept, "coercive", factors=["b.dependency"], box=0, write=False)
    (box,) = found.boxes
    assert found.factors == ("b.dependency",) and list(found.x.columns) == ["b.dependency"]
    assert box.chosen == 0 and box.restricted == () and box.coverage == 1.0


def test_pattern_takes_the_class_with_the_ending_set_aside(swept, tmp_path, capsys):
    runs = sim.load_results(swept)
    found = sim.discover(swept, "coercive", pattern=True)
    assert found.target.column == "pattern"
    assert found.hits == (runs["pattern"] == "coercive").sum()
    assert found.page == swept / "discovery_pattern_coercive.html" and found.page.is_file()
    # Runs that show a pattern but all end otherwise: the error says to try --pattern.
    copy = tmp_path / "ended"
    shutil.copytree(swept, copy)
    ended = runs.assign(outcome=runs["outcome"].replace("coercive", "ended_destructive"))
    ended.to_parquet(copy / "runs.parquet", index=False)
    assert main(["discover", str(copy), "--outcome", "coercive"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "show it as their pattern" in err and "--pattern" in err
    assert main(["discover", str(copy), "--outcome", "coercive", "--pattern"]) == 0


def _absent_class(swept: Path) -> str:
    present = set(sim.load_results(swept)["outcome"])
    return next(c for c in OUTCOME_CLASSES if c not in present)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--outcome", "coercivee"], "not an outcome class"),
        (["--outcome", "intimacy"], "is a metric: give a threshold"),
        (["--outcome", "coercive", "--below", "0.3"], "is an outcome class"),
        (["--outcome", "no_such_metric", "--above", "0.3"], "not a metric of runs.parquet"),
        (["--outcome", "intimacy", "--above", "0.6", "--below", "0.2"], "must be less than"),
        (["--outcome", "intimacy", "--below", "low"], "--below: expected a number"),
        (["--outcome", "intimacy", "--below", "-5"], "no finished run has intimacy < -5"),
        (["--outcome", "intimacy", "--above", "-5"], "every finished run has intimacy > -5"),
        (["--outcome", "coercive", "--density", "1.5"], "expected a share in (0, 1]"),
        (["--outcome", "coercive", "--boxes", "0"], "--boxes: expected a whole number"),
        (["--outcome", "coercive", "--box", "9999"], "the peeling trajectory has steps"),
        (["--outcome", "coercive", "--factors", "a.nope"], "not a factor column"),
        (["--outcome", "coercive", "--factors", "pattern"], "is not a number"),
        (["--outcome", "ABSENT"], "no finished run has outcome = ABSENT"),
        (["--outcome", "intimacy", "--below", "0.3", "--pattern"], "goes with a class"),
    ],
)
def test_bad_discover_arguments_are_one_line_and_status_2(swept, args, expected, capsys):
    absent = _absent_class(swept)
    args = [a.replace("ABSENT", absent) for a in args]
    expected = expected.replace("ABSENT", absent)
    assert main(["discover", str(swept), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("relsim: error: ") and err.count("\n") == 1, err
    assert expected in err


def test_discover_needs_a_results_folder(tmp_path, capsys):
    assert main(["discover", str(tmp_path), "--outcome", "coercive"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no runs.parquet here" in err
