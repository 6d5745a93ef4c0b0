"""The teaching texts are data files, each with the keys its view needs."""

from __future__ import annotations

import pytest

from sim.teach import texts


@pytest.mark.parametrize("name", sorted(texts.KEYS))
def test_every_text_file_loads_with_its_keys(name):
    loaded = texts.load(name)
    assert set(loaded) == set(texts.KEYS[name])
    for key, kind in texts.KEYS[name].items():
        value = loaded[key]
        if kind is str:
            assert value and "\n" not in value and "  " not in value
        else:
            assert value and all(isinstance(item, str) and item for item in value)


def test_every_file_in_the_folder_is_declared():
    assert {p.stem for p in texts.FOLDER.glob("*.toml")} == set(texts.KEYS)


def test_a_text_file_with_a_wrong_key_or_type_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(texts, "FOLDER", tmp_path)
    texts.load.cache_clear()
    try:
        (tmp_path / "population.toml").write_text('how_to_read = ["x"]\ntry = "y"\n')
        with pytest.raises(ValueError, match="try must be a list of strings"):
            texts.load("population")
        (tmp_path / "market.toml").write_text('title = "t"\n')
        with pytest.raises(ValueError, match="expected the keys"):
            texts.load("market")
    finally:
        texts.load.cache_clear()
