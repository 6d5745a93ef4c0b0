"""The teaching texts of the app's views, read from ``sim/teach/texts/NAME.toml``.

Texts for teachers are data, not code: a teacher or a translator edits the TOML file
and the view shows it. Each file's keys are checked against what its view needs.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from types import MappingProxyType

FOLDER = Path(__file__).with_name("texts")
"""Where the teaching texts live."""

KEYS: dict[str, dict[str, type]] = {
    "market": {"title": str, "description": str, "notice": list, "try": list},
    "population": {"how_to_read": list, "try": list},
}
"""The keys each text file must have, and their types."""


@cache
def load(name: str) -> MappingProxyType:
    """The texts of one view, checked: paragraphs as one line, lists as tuples.

    Raises
    ------
    ValueError
        If the file lacks a key, has one it should not, or a value of the wrong type.
    """
    path = FOLDER / f"{name}.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    wanted = KEYS[name]
    if set(data) != set(wanted):
        raise ValueError(f"{path}: expected the keys {sorted(wanted)}, found {sorted(data)}")
    out = {}
    for key, kind in wanted.items():
        value = data[key]
        if not isinstance(value, kind) or (
            kind is list and not all(isinstance(item, str) for item in value)
        ):
            raise ValueError(
                f"{path}: {key} must be a {'list of strings' if kind is list else 'string'}"
            )
        out[key] = " ".join(value.split()) if kind is str else tuple(value)
    return MappingProxyType(out)
