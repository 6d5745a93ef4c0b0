"""The golden master: hashes of the final state of a fixed set of couples after ten years.

The couples are every scenario's traits (20 replicates each) and 200 points drawn
uniformly over the registry's ranges, one couple each. Their parameters are stored in
``tests/golden/master.json`` beside the hashes, so the master does not move when a
scenario file is edited; it moves only when the rules, the declarations or the engine
change what a couple lives through. A change that is meant to change results records a
new master on purpose::

    .venv/bin/python tests/golden_master.py --record

and says so in its commit, with the model version raised.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

MASTER = Path(__file__).with_name("golden") / "master.json"
STEPS = 520
SEED = 20261201
REPLICATES = 20
RANDOM_POINTS = 200


def _draw_points() -> dict[str, dict[str, list[float]]]:
    """Parameters of every couple of the master, by group (scenario name or ``random``)."""
    from sim.model import parameters as reg
    from sim.scenario import list_scenarios, load_scenario

    groups: dict[str, dict[str, list[float]]] = {}
    for name in list_scenarios():
        params = load_scenario(name).build_params(REPLICATES)
        groups[name] = _as_lists(params)
    rng = np.random.default_rng(SEED)

    def draw(p: reg.Parameter) -> np.ndarray:
        if p.integer:
            return rng.integers(int(p.low), int(p.high) + 1, RANDOM_POINTS).astype(float)
        return rng.uniform(p.low, p.high, RANDOM_POINTS)

    a = {t.name: draw(t) for t in reg.TRAITS}
    b = {t.name: draw(t) for t in reg.TRAITS}
    env = {e.name: draw(e) for e in reg.ENVIRONMENT}
    from sim.model.engine import build_params

    groups["random"] = _as_lists(build_params(a, b, env, RANDOM_POINTS))
    return groups


def _as_lists(params) -> dict[str, list[float]]:
    out = {f"a.{k}": v[0].tolist() for k, v in params.traits.items()}
    out |= {f"b.{k}": v[1].tolist() for k, v in params.traits.items()}
    out |= {f"env.{k}": v.tolist() for k, v in params.env.items()}
    return out


def _params(columns: dict[str, list[float]]):
    from sim.model.engine import build_params

    split = {"a": {}, "b": {}, "env": {}}
    for key, values in columns.items():
        where, _, name = key.partition(".")
        split[where][name] = np.asarray(values, dtype=np.float64)
    n = len(next(iter(columns.values())))
    return build_params(split["a"], split["b"], split["env"], n)


def _digest(arr: np.ndarray) -> str:
    arr = np.ascontiguousarray(arr)
    return hashlib.sha256(
        arr.dtype.str.encode() + str(arr.shape).encode() + arr.tobytes()
    ).hexdigest()


def fingerprints(groups: dict[str, dict[str, list[float]]]) -> dict[str, dict[str, str]]:
    """Hash of every final state array of every group after :data:`STEPS` weeks."""
    from sim.model.engine import simulate
    from sim.model.randomness import couple_keys

    out = {}
    for index, (group, columns) in enumerate(groups.items()):
        params = _params(columns)
        sim = simulate(params, couple_keys(SEED + index, params.n), STEPS)
        arrays = {k: v for k, v in sorted(sim.state.arrays().items())}
        hashes = {name: _digest(arr) for name, arr in arrays.items()}
        hashes["event_totals"] = json.dumps(sim.state.counts.sum(axis=(1, 2)).tolist())
        hashes["ended"] = str(int((~sim.state.active).sum()))
        out[group] = hashes
    return out


def load() -> dict:
    """The recorded master: ``{"groups": parameters, "hashes": fingerprints}``."""
    return json.loads(MASTER.read_text())


def record() -> None:
    """Compute the master with the code as it is and write it."""
    groups = _draw_points()
    MASTER.parent.mkdir(exist_ok=True)
    text = json.dumps({"steps": STEPS, "groups": groups, "hashes": fingerprints(groups)})
    from sim import atomic

    atomic.write_text(MASTER, text + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="write a new master")
    if parser.parse_args().record:
        record()
        print(f"wrote {MASTER}")
