"""Market sweeps: specs name their model, bad values are one line, results do not
depend on the executor or the chunking, and the results page draws the market's plots."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import sim
from sim.cli.main import main
from sim.errors import InputError
from sim.experiment.runner import load_timeseries
from sim.experiment.spec import load_spec, parse_spec
from sim.views.report import report

TINY = """
name = "tiny_market"
model = "market"
description = "Does the chemistry weight change who pairs with whom?"
steps = 60
replicates = 2
seed = 3

[design]
kind = "grid"

[design.factors]
"market.chemistry_weight" = [0.2, 0.8]
"market.size" = 80
"pop.dependency" = 0.45

[metrics]
series = ["partnered_share", "couple_satisfaction"]
record_every = 10

[[plots]]
kind = "timeseries"
series = ["partnered_share"]

[[plots]]
kind = "profile"
metrics = ["satisfaction_chemistry", "satisfaction_compatibility"]

[[plots]]
kind = "bars"
metrics = ["repeat_rate_unresolved", "repeat_rate_resolved"]

[[plots]]
kind = "outcomes"
"""


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny_market.toml"
    path.write_text(TINY, encoding="utf-8")
    return path


def test_a_spec_names_its_model_and_is_validated_for_it(tiny):
    spec = load_spec(tiny)
    assert spec.model == "market"
    assert [f.name for f in spec.design.factors][0] == "market.chemistry_weight"
    plain = parse_spec(
        {
            "name": "p",
            "description": "q",
            "design": {"kind": "grid", "factors": {"a.dependency": [0.1]}},
        }
    )
    assert plain.model == "relationship"


def test_the_market_sweep_is_the_same_with_any_executor_and_chunking(tiny, tmp_path):
    serial = sim.run_experiment(
        tiny, executor="serial", chunk_size=1, out=tmp_path / "serial", quiet=True
    )
    process = sim.run_experiment(
        tiny, executor="process", workers=2, chunk_size=3, out=tmp_path / "process", quiet=True
    )
    assert len(serial) == 4 and (serial["status"] == "ok").all()
    pd.testing.assert_frame_equal(serial, process)
    pd.testing.assert_frame_equal(
        load_timeseries(tmp_path / "serial"), load_timeseries(tmp_path / "process")
    )
    # replicates differ, and the sweep's values are the market's own
    assert serial["key"].nunique() == 4
    assert serial["market.size"].eq(80).all()
    assert serial.loc[serial["market.chemistry_weight"] == 0.8, "chemistry_matched_share"].min() > (
        serial.loc[serial["market.chemistry_weight"] == 0.2, "chemistry_matched_share"].max()
    )
    manifest = json.loads((tmp_path / "serial" / "manifest.json").read_text())
    assert manifest["model"] == "market"
    page = report(tmp_path / "serial")
    html = page.read_text(encoding="utf-8")
    assert "by relationship age" in html and "repeat_rate_unresolved" in html
    figures = json.loads((tmp_path / "serial" / "figures" / "figures.json").read_text())
    assert [f["stem"].split("-")[1] for f in figures] == [
        "timeseries",
        "profile",
        "bars",
        "outcomes",
    ]


BROKEN = """
{top}
description = "q"
steps = 10

[design]
kind = "grid"

[design.factors]
{factors}

[metrics]
{metrics}
"""

GOOD = {
    "top": 'model = "market"',
    "factors": '"market.chemistry_weight" = [0.2, 0.8]',
    "metrics": 'series = ["partnered_share"]\nrecord_every = 5',
}


@pytest.mark.parametrize(
    ("part", "line", "key", "expected"),
    [
        ("top", 'model = "markets"', "model", "unknown model 'markets'"),
        ("top", "model = 3", "model", "unknown model 3"),
        ("top", 'model = "market"\nscenario = "balanced_mutual"', "scenario", "no scenarios"),
        ("factors", '"market.chemistry_weight" = [1.5]', "market.chemistry_weight", "[0, 1]"),
        ("factors", '"market.foo" = [1]', "market.foo", "unknown market parameter"),
        ("factors", '"a.dependency" = [0.5]', "a.dependency", "unknown market parameter"),
        ("factors", '"market.size" = 1', "market.size", "[2, 1e+06]"),
        ("factors", '"market.meetings" = 2.5', "market.meetings", "an integer"),
        ("metrics", 'series = ["intimacy"]\nrecord_every = 5', "metrics.series", "'intimacy'"),
        ("metrics", 'final = ["intimacy"]', "metrics.final", "unknown metric 'intimacy'"),
    ],
)
def test_broken_market_specs_are_one_line_and_exit_2(tmp_path, capsys, part, line, key, expected):
    path = tmp_path / "broken.toml"
    path.write_text(BROKEN.format(**{**GOOD, part: line}), encoding="utf-8")
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert str(path) in err[0] and key in err[0] and expected in err[0]


def test_the_good_base_of_the_broken_specs_is_valid(tmp_path):
    path = tmp_path / "good.toml"
    path.write_text(BROKEN.format(**GOOD), encoding="utf-8")
    assert load_spec(path).model == "market"


def test_a_relationship_spec_cannot_sweep_market_parameters(tmp_path):
    path = tmp_path / "x.toml"
    path.write_text(
        'description = "q"\n[design]\nkind = "grid"\n[design.factors]\n"market.size" = [10]\n'
    )
    with pytest.raises(InputError, match="market.size"):
        load_spec(path)


def test_a_spec_read_for_another_model_is_refused():
    from sim.experiment.models import get_model

    with pytest.raises(InputError, match="names model 'market'"):
        parse_spec(
            {
                "name": "m",
                "description": "q",
                "model": "market",
                "design": {"kind": "grid", "factors": {"market.size": [10]}},
            },
            model=get_model("relationship"),
        )


def test_events_plot_is_refused_for_market_results(tiny, tmp_path):
    from sim.views.plots import draw_results

    sim.run_experiment(tiny, executor="serial", out=tmp_path / "r", quiet=True)
    with pytest.raises(InputError, match="replays one couple"):
        draw_results(tmp_path / "r", [{"kind": "events"}])
    with pytest.raises(InputError, match="no metric happiness_age"):
        draw_results(tmp_path / "r", [{"kind": "profile", "metrics": "happiness"}])
