"""Results are bit for bit those the golden master recorded (see ``tests/golden_master.py``)."""

import golden_master
import pytest


@pytest.fixture(scope="module")
def master():
    return golden_master.load()


def test_every_group_of_the_master_is_reproduced_bit_for_bit(master):
    got = golden_master.fingerprints(master["groups"])
    assert got.keys() == master["hashes"].keys()
    changed = {
        group: sorted(k for k, v in hashes.items() if got[group].get(k) != v)
        for group, hashes in master["hashes"].items()
    }
    changed = {group: names for group, names in changed.items() if names}
    assert not changed, f"final states differ from the golden master: {changed}"


def test_the_master_covers_every_state_array_and_couples_that_end(master):
    from sim.model.state import State

    arrays = {f.name for f in State.__dataclass_fields__.values()} - {"step"}
    for hashes in master["hashes"].values():
        assert arrays <= hashes.keys()
    assert len(master["groups"]["random"]["a.dependency"]) == golden_master.RANDOM_POINTS
    # Couples that end and couples still together are both pinned.
    ended = int(master["hashes"]["random"]["ended"])
    assert 0 < ended < golden_master.RANDOM_POINTS
