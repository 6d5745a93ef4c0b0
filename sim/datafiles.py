"""Folders of named TOML data files (scenarios, populations), read and checked strictly.

A :class:`DataFolder` finds its files (an environment variable naming another folder,
else the repository's folder, else one in the working directory), turns a name or a
path into a file and reads it as TOML; the checks below turn every fault into an
:class:`~sim.errors.InputError` naming the file, the key and what was expected.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sim import inputs
from sim.errors import InputError
from sim.model import parameters as reg

T = TypeVar("T")

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
"""A data file's name is its file name without ``.toml``: lower case, digits, ``_``."""


@dataclass(frozen=True)
class DataFolder:
    """A folder of named TOML files of one kind.

    Attributes
    ----------
    kind : str
        What a file holds, for messages (``"scenario"``).
    env_var : str
        Environment variable naming another folder.
    folder : str
        The folder's name at the repository root and in the working directory.
    """

    kind: str
    env_var: str
    folder: str

    def folders(self) -> list[Path]:
        """The folders a name is looked up in, first match wins.

        ``$<env_var>`` alone when set; otherwise the user's folder of that name in the
        working directory first, then the shipped one beside the package (which is
        where an editable install leaves it), so that a user's own file of a shipped
        name is the one used.
        """
        override = os.environ.get(self.env_var)
        if override:
            return [Path(override)]
        shipped = Path(__file__).resolve().parent.parent / self.folder
        own = Path.cwd() / self.folder
        found = [own] if own.is_dir() else []
        if shipped.is_dir() and not (found and own.resolve() == shipped.resolve()):
            found.append(shipped)
        return found or [own]

    def path_of_folder(self) -> Path:
        """The first folder names are looked up in (see :meth:`folders`)."""
        return self.folders()[0]

    def names(self) -> list[str]:
        """Names of every file in the folders, sorted (each name once)."""
        names = set()
        for folder in self.folders():
            if folder.is_dir():
                names |= {p.stem for p in folder.glob("*.toml") if NAME_PATTERN.match(p.stem)}
        return sorted(names)

    def path(self, name_or_path: str | os.PathLike) -> Path:
        """The file behind a name or path.

        A value that ends in ``.toml`` or contains a path separator is a path (write
        ``./NAME`` for a file without the extension); anything else is a name, looked
        up in the folder.

        Raises
        ------
        InputError
            If the file does not exist, or the name is not one of the folder's.
        """
        text = os.fspath(name_or_path)
        if text:
            text = inputs.safe_path(text, "path")
        if text.endswith(".toml") or os.sep in text or "/" in text:
            path = Path(text)
            if not path.exists():
                raise InputError(text, "", f"no such {self.kind} file")
            return path
        if NAME_PATTERN.match(text) and len(text) <= inputs.MAX_NAME_BYTES:
            for folder in self.folders():
                path = folder / f"{text}.toml"
                if path.is_file():
                    return path
        names = self.names()
        known = ", ".join(names) or "(none found)"
        hint = close_match(text, tuple(names))
        raise InputError(
            inputs.printable(text[:200]) or "''",
            "",
            f"unknown {self.kind}{hint}; expected a path to a .toml file or one of: {known} "
            f"(in {', '.join(display(f) for f in self.folders())})",
        )

    def read(self, name_or_path: str | os.PathLike) -> tuple[Path, str, dict[str, Any]]:
        """The file behind a name or path, how errors name it, and its parsed contents.

        Raises
        ------
        InputError
            For an unknown name, a missing or unreadable file or malformed TOML.
        """
        path = self.path(name_or_path)
        src = display(path)
        data, _, _ = inputs.read_toml(path, f"{self.kind} file", src)
        return path, src, data

    def load(self, name_or_path: str | os.PathLike, parse: Callable[..., T]) -> T:
        """Read a file by name or path and build it with ``parse(data, name=, path=,
        source=)``; raises :class:`InputError` as :meth:`read` and ``parse`` do."""
        path, src, data = self.read(name_or_path)
        return parse(data, name=path.stem, path=path, source=src)

    def load_bytes(self, raw: bytes, file_name: str, parse: Callable[..., T]) -> T:
        """A file given as its bytes and its file name (an upload), checked and built as
        :meth:`load` builds one read from disk; errors name the file by its name.

        Raises
        ------
        InputError
            For a name not ending in ``.toml``, and as :meth:`load` does.
        """
        name = Path(file_name).name
        src = inputs.printable(name[:200]) or "''"
        if not name.endswith(".toml"):
            raise InputError(src, "", f"expected a {self.kind} file, NAME.toml")
        data = inputs.parse_toml(inputs.decode_text(raw, f"{self.kind} file", src), src)
        return parse(data, name=Path(name).stem, path=Path(name), source=src)

    def check_top(
        self,
        src: str,
        name: str,
        data: Mapping[str, Any],
        keys: Mapping[str, str],
        required: tuple[str, ...],
    ) -> None:
        """Refuse a file name that is not lower case letters, digits and ``_``, a
        top-level key not among ``keys`` and a missing ``required`` one."""
        if not NAME_PATTERN.match(name):
            raise InputError(
                src, "", f"a {self.kind}'s file name must be lower case letters, digits and '_'"
            )
        no_unknown(src, "", data, keys)
        require(src, "", data, {key: keys[key] for key in required})


def display(path: Path) -> str:
    """A path as errors show it: relative to the working directory when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def kind_of(value: object) -> str:
    """A TOML-flavoured name of a value's type, for messages."""
    names = {bool: "boolean", int: "integer", float: "float", str: "string"}
    names.update({list: "array", dict: "table"})
    return names.get(type(value), type(value).__name__)


def shown(key: str) -> str:
    """A key as errors show it: as written when plain, quoted when it holds anything
    else (spaces, line breaks), so that an error stays on one line."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else repr(key)


def no_unknown(src: str, prefix: str, table: Mapping[str, Any], known: Mapping[str, str]) -> None:
    """Refuse a key of ``table`` that is not one of ``known``."""
    for key in table:
        if key not in known:
            raise InputError(
                src, f"{prefix}{shown(key)}", f"unknown key; expected one of {', '.join(known)}"
            )


def require(src: str, prefix: str, table: Mapping[str, Any], keys: Mapping[str, str]) -> None:
    """Refuse a table that lacks one of ``keys`` (each with what it should hold)."""
    for key, meaning in keys.items():
        if key not in table:
            raise InputError(src, f"{prefix}{key}", f"missing; expected {meaning}")


def table(src: str, key: str, value: object) -> Mapping[str, Any]:
    """``value`` when it is a table."""
    if not isinstance(value, dict):
        raise InputError(src, key, f"expected a table, got {kind_of(value)} {value!r}")
    return value


def text(src: str, key: str, value: object) -> str:
    """``value`` when it is non-empty text, stripped."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(src, key, f"expected non-empty text, got {kind_of(value)} {value!r}")
    return value.strip()


def line(src: str, key: str, value: object) -> str:
    """``value`` when it is one line of non-empty text."""
    out = text(src, key, value)
    if "\n" in out:
        raise InputError(src, key, "expected one line of text")
    return out


def texts(src: str, key: str, value: object) -> tuple[str, ...]:
    """``value`` when it is a non-empty array of non-empty text."""
    if not isinstance(value, list) or not value:
        raise InputError(src, key, f"expected a non-empty array of text, got {kind_of(value)}")
    return tuple(text(src, f"{key}[{i}]", item) for i, item in enumerate(value))


def registry_name(src: str, where: str, name: str, names: tuple[str, ...], kind: str) -> None:
    """Refuse a parameter name that is not one of ``names``, suggesting a close one."""
    if name not in names:
        hint = close_match(name, names)
        raise InputError(src, where, f"unknown {kind}{hint}; expected one of {', '.join(names)}")


def registry_value(src: str, where: str, name: str, value: object) -> float:
    """``value`` checked against the registry's parameter ``name``."""
    try:
        return reg.REGISTRY[name].check(value)
    except reg.ParameterError as err:
        raise InputError(src, where, str(err).removeprefix(f"{err.name}: ")) from None


def toml_string(x: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(x)


def toml_value(name: str, value: float) -> str:
    """A registry parameter's value as TOML: a whole number where the registry asks for
    one, else a float written so that it reads back exactly."""
    if reg.REGISTRY[name].integer:
        return str(int(value))
    return repr(float(value))


def close_match(name: str, names: tuple[str, ...]) -> str:
    """`` (did you mean X?)`` for the closest of ``names``, or nothing."""
    close = difflib.get_close_matches(name, names, n=1)
    return f" (did you mean {close[0]}?)" if close else ""
