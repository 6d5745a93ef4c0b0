"""Populations: distributions of traits and environment to draw couples from.

A population is one TOML file in ``populations/``: a title, a description, the
sources its numbers come from, a distribution for every trait (both partners drawn
independently from it) and the environment, each parameter a number or a
distribution drawn once per couple. Every field of the format is documented in
``populations/README.md``.

Each couple's values are a pure function of its own 64-bit key: every column
(``a.<trait>``, ``b.<trait>``, ``env.<name>``) has a stream constant made from its name,
a uniform number is the SplitMix64 hash (:func:`sim.hashing.mix64`) of the key and that
constant, and the value is the distribution's inverse CDF at that number, clipped into
the parameter's range. Draws therefore do not depend on which couples are drawn beside
them, on chunking or on the executor, and adding a parameter to the registry leaves
the draws of the others as they were.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from sim import datafiles as df
from sim.errors import InputError
from sim.experiment.provenance import code_fingerprint
from sim.hashing import mix64
from sim.model import parameters as reg
from sim.model.engine import build_params
from sim.model.state import Params

ENV_VAR = "RELSIM_POPULATIONS"
"""Environment variable naming another folder of population files."""

FOLDER = df.DataFolder("population", ENV_VAR, "populations")
"""Where population files are found."""

TOP_KEYS: dict[str, str] = {
    "title": "a short title, one line",
    "description": "who the couples are, in a few sentences",
    "sources": "full citations of what the numbers come from",
    "traits": "trait distributions: default, then any trait by name",
    "env": "environment parameters: numbers or distributions",
}
"""Keys of a population file's top level, with what each holds."""

REQUIRED = ("title", "description", "sources", "traits")
"""Top-level keys every population file must have (``env`` may be left out)."""

DEFAULT = "default"
"""The entry of ``[traits]`` that applies to every trait the table does not name."""

DRAW_MODULES = ("sim.population", "sim.hashing")
"""The modules whose code decides a population's draws (in its :meth:`~Population.identity`)."""

_POPULATION = np.uint64(0x6A09E667F3BCC909)
"""Domain constant of population draws, apart from the week's draws of the same key."""

_TO_UNIT = 2.0**-53


@dataclass(frozen=True)
class Beta:
    """A Beta distribution on [0, 1], given by its mean and standard deviation.

    Attributes
    ----------
    mean : float
        Strictly inside (0, 1).
    sd : float
        Positive, with ``sd**2 < mean * (1 - mean)``.
    """

    mean: float
    sd: float
    kind: ClassVar[str] = "beta"
    keys: ClassVar[dict[str, str]] = {
        "mean": "the mean, strictly inside (0, 1); default the registry default",
        "sd": "the standard deviation, > 0 and below sqrt(mean * (1 - mean))",
    }

    @property
    def shape(self) -> tuple[float, float]:
        """The shape parameters ``(alpha, beta)`` of this mean and standard deviation."""
        nu = self.mean * (1.0 - self.mean) / self.sd**2 - 1.0
        return self.mean * nu, (1.0 - self.mean) * nu

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """The inverse CDF at ``u`` (``scipy.stats.beta.ppf``)."""
        from scipy.stats import beta

        return beta.ppf(u, *self.shape)

    @property
    def std(self) -> float:
        """Standard deviation of the distribution."""
        return self.sd

    def identity(self) -> list[object]:
        """What decides the draws, for hashing."""
        return [self.kind, self.mean, self.sd]

    def text(self) -> str:
        """The distribution in a few words."""
        return f"beta(mean {self.mean:g}, sd {self.sd:g})"


@dataclass(frozen=True)
class Uniform:
    """A uniform distribution on ``[low, high]``."""

    low: float
    high: float
    kind: ClassVar[str] = "uniform"
    keys: ClassVar[dict[str, str]] = {
        "low": "the lowest value; default the low end of the parameter's range",
        "high": "the highest value; default the high end of the parameter's range",
    }

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """The inverse CDF at ``u``."""
        return self.low + (self.high - self.low) * np.asarray(u)

    @property
    def mean(self) -> float:
        """Mean of the distribution."""
        return 0.5 * (self.low + self.high)

    @property
    def std(self) -> float:
        """Standard deviation of the distribution."""
        return (self.high - self.low) / math.sqrt(12.0)

    def identity(self) -> list[object]:
        """What decides the draws, for hashing."""
        return [self.kind, self.low, self.high]

    def text(self) -> str:
        """The distribution in a few words."""
        return f"uniform({self.low:g} to {self.high:g})"


@dataclass(frozen=True)
class Fixed:
    """One value for every couple."""

    value: float
    kind: ClassVar[str] = "fixed"
    keys: ClassVar[dict[str, str]] = {"value": "the value, in the parameter's range"}

    def quantile(self, u: np.ndarray) -> np.ndarray:
        """The value, once for each of ``u``."""
        return np.full(np.shape(u), self.value)

    @property
    def mean(self) -> float:
        """The value."""
        return self.value

    @property
    def std(self) -> float:
        """Zero."""
        return 0.0

    def identity(self) -> list[object]:
        """What decides the draws, for hashing."""
        return [self.kind, self.value]

    def text(self) -> str:
        """The value."""
        return f"{self.value:g}"


Distribution = Beta | Uniform | Fixed
"""Any distribution of a population file."""

KINDS: dict[str, type[Beta] | type[Uniform] | type[Fixed]] = {
    cls.kind: cls for cls in (Beta, Uniform, Fixed)
}
"""Every distribution kind, by the name a file gives it."""


@dataclass(frozen=True)
class Population:
    """A named population, as written in its file and checked against the registry.

    Attributes
    ----------
    name : str
        The file name without ``.toml``.
    path : Path
        The file it was read from.
    title, description : str
        Who the couples are.
    sources : tuple of str
        Full citations of what the numbers come from.
    traits : mapping of str to distribution
        Every trait of the registry with its distribution (both partners drawn from it).
    env : mapping of str to distribution
        Every environment parameter with its distribution (one value per couple).
    """

    name: str
    path: Path
    title: str
    description: str
    sources: tuple[str, ...]
    traits: Mapping[str, Distribution]
    env: Mapping[str, Distribution]

    def distributions(self) -> dict[str, Distribution]:
        """Every column (``a.<trait>``, ``b.<trait>``, ``env.<name>``) with its distribution,
        in the order of the registry."""
        out: dict[str, Distribution] = {
            f"{who}.{t}": self.traits[t] for who in reg.PARTNERS for t in reg.TRAIT_NAMES
        }
        out.update({f"env.{e}": self.env[e] for e in reg.ENV_NAMES})
        return out

    def columns(self, keys: np.ndarray) -> dict[str, np.ndarray]:
        """Every column's values for the couples of ``keys``, one value per key.

        Each value depends only on its couple's key and the column's name.
        """
        keys = np.asarray(keys, dtype=np.uint64)
        out = {}
        for column, dist in self.distributions().items():
            param = reg.REGISTRY[column.partition(".")[2]]
            x = dist.quantile(keys if isinstance(dist, Fixed) else uniforms(keys, column))
            out[column] = np.clip(np.asarray(x, dtype=np.float64), param.low, param.high)
        return out

    def draw(self, keys: np.ndarray) -> Params:
        """The engine's parameters of one couple per key (see :meth:`columns`)."""
        cols = self.columns(keys)
        a, b = ({t: cols[f"{who}.{t}"] for t in reg.TRAIT_NAMES} for who in reg.PARTNERS)
        env = {e: cols[f"env.{e}"] for e in reg.ENV_NAMES}
        return build_params(a, b, env, len(np.atleast_1d(keys)))

    def identity(self) -> dict[str, object]:
        """What decides the draws: each column's distribution (not the texts) and the
        code that draws them."""
        columns = {column: dist.identity() for column, dist in self.distributions().items()}
        return {"columns": columns, "code": _code_fingerprint()}

    def content_hash(self) -> str:
        """SHA-256 of :meth:`identity`: equal for two files that draw the same couples
        with the same code."""
        blob = json.dumps(self.identity(), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()

    def rows(self) -> list[tuple[str, str, float, float]]:
        """Every trait, then every ``env.<name>``: its distribution in words, its mean
        and its standard deviation."""
        items = [(t, self.traits[t]) for t in reg.TRAIT_NAMES]
        items += [(f"env.{e}", self.env[e]) for e in reg.ENV_NAMES]
        return [(name, d.text(), float(d.mean), float(d.std)) for name, d in items]

    def describe(self) -> str:
        """:meth:`rows` as a text table."""
        rows = self.rows()
        width = max(len(row[0]) for row in rows) + 2
        lines = [f"{'parameter':<{width}}{'distribution':<32}{'mean':>8}{'sd':>8}"]
        for name, text, mean, sd in rows:
            lines.append(f"{name:<{width}}{text:<32}{mean:>8.3f}{sd:>8.3f}")
        return "\n".join(lines)


def uniforms(keys: np.ndarray, column: str) -> np.ndarray:
    """One uniform number in (0, 1) per key for a column, a hash of the key and the
    column's name."""
    stream = np.uint64(int.from_bytes(hashlib.sha256(column.encode()).digest()[:8], "little"))
    with np.errstate(over="ignore"):
        z = mix64(mix64(np.asarray(keys, dtype=np.uint64) ^ _POPULATION) ^ stream)
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) * _TO_UNIT


@cache
def _code_fingerprint() -> str:
    return code_fingerprint(DRAW_MODULES)


def population_dir() -> Path:
    """The folder of population files: ``$RELSIM_POPULATIONS`` when set, else the
    repository's ``populations/`` folder, else ``populations/`` in the working directory."""
    return FOLDER.path_of_folder()


def list_populations() -> list[str]:
    """Names of every population file in :func:`population_dir`, sorted."""
    return FOLDER.names()


def load_population(name_or_path: str | os.PathLike) -> Population:
    """Read and check one population, by name (the file name without ``.toml``) or path.

    Raises
    ------
    InputError
        For an unknown name, a missing file, malformed TOML, a missing or unknown key, an
        unknown trait, environment parameter or distribution kind, a wrong type, or a
        distribution outside [0, 1] or the parameter's range: one line naming the file,
        the key and what was expected.
    """
    return FOLDER.load(name_or_path, parse_population)


def parse_population(
    data: Mapping[str, Any], name: str, path: Path, source: str | None = None
) -> Population:
    """Check the parsed contents of a population file and build the :class:`Population`.

    ``data`` is the file's contents as ``tomllib`` returns them, ``name`` the file name
    without ``.toml``, ``path`` the file (recorded on the population) and ``source`` how
    errors name it (default: ``path``).
    """
    src = source or str(path)
    FOLDER.check_top(src, name, data, TOP_KEYS, REQUIRED)
    traits = df.table(src, "traits", data["traits"])
    env = df.table(src, "env", data.get("env", {}))
    for name_ in traits:
        if name_ != DEFAULT:
            df.registry_name(
                src, f"traits.{df.shown(name_)}", name_, (DEFAULT, *reg.TRAIT_NAMES), "trait"
            )
    for name_ in env:
        df.registry_name(
            src, f"env.{df.shown(name_)}", name_, reg.ENV_NAMES, "environment parameter"
        )
    default = traits.get(DEFAULT)
    trait_dists = {}
    for t in reg.TRAIT_NAMES:
        param = reg.REGISTRY[t]
        if t in traits:
            trait_dists[t] = distribution(src, f"traits.{t}", traits[t], param)
        elif default is not None:
            trait_dists[t] = distribution(src, f"traits.{DEFAULT}", default, param, f"for {t}: ")
        else:
            trait_dists[t] = Fixed(float(param.default))
    env_dists = {
        e: distribution(src, f"env.{e}", env[e], reg.REGISTRY[e])
        if e in env
        else Fixed(float(reg.REGISTRY[e].default))
        for e in reg.ENV_NAMES
    }
    return Population(
        name=name,
        path=path,
        title=df.line(src, "title", data["title"]),
        description=df.text(src, "description", data["description"]),
        sources=df.texts(src, "sources", data["sources"]),
        traits=trait_dists,
        env=env_dists,
    )


def distribution(
    src: str, key: str, value: object, param: reg.Parameter, note: str = ""
) -> Distribution:
    """One parameter's distribution: a number, or a table ``{ kind = ..., ... }``.

    ``note`` opens the messages of faults that depend on the parameter (as when the
    ``default`` entry does not suit one trait).
    """
    if not isinstance(value, dict):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(
                src,
                key,
                "expected a number or a table { kind = ... } with kind one of "
                f"{', '.join(KINDS)}, got {df.kind_of(value)} {value!r}",
            )
        return Fixed(df.registry_value(src, key, param.name, value))
    if "kind" not in value:
        raise InputError(src, f"{key}.kind", f"missing; expected one of {', '.join(KINDS)}")
    kind = value["kind"]
    if not isinstance(kind, str) or kind not in KINDS:
        hint = df.close_match(str(kind), tuple(KINDS))
        raise InputError(
            src,
            f"{key}.kind",
            f"unknown distribution kind {kind!r}{hint}; expected one of {', '.join(KINDS)}",
        )
    cls = KINDS[kind]
    df.no_unknown(src, f"{key}.", value, {"kind": "the distribution kind", **cls.keys})
    if param.integer and cls is not Fixed:
        raise InputError(
            src,
            f"{key}.kind",
            f'{param.name} takes whole numbers only; expected a number or kind = "fixed"',
        )
    if cls is Fixed:
        df.require(src, f"{key}.", value, cls.keys)
        return Fixed(df.registry_value(src, f"{key}.value", param.name, value["value"]))
    nums = {k: _number(src, f"{key}.{k}", v) for k, v in value.items() if k != "kind"}
    span = f"[{param.low:g}, {param.high:g}]"
    if cls is Uniform:
        low, high = nums.get("low", param.low), nums.get("high", param.high)
        if low > high:
            raise InputError(src, key, f"expected low <= high, got low {low:g} and high {high:g}")
        if low < param.low or high > param.high:
            raise InputError(
                src,
                key,
                f"{note}expected low and high in {span}, the range of {param.name}, "
                f"got {low:g} to {high:g}",
            )
        return Uniform(float(low), float(high))
    df.require(src, f"{key}.", value, {"sd": cls.keys["sd"]})
    mean, sd = nums.get("mean", param.default), nums["sd"]
    if not 0.0 < mean < 1.0:
        raise InputError(
            src, f"{key}.mean", f"{note}expected a beta mean strictly inside (0, 1), got {mean:g}"
        )
    if not param.low <= mean <= param.high:
        raise InputError(
            src,
            f"{key}.mean",
            f"{note}expected a mean in {span}, the range of {param.name}, got {mean:g}",
        )
    if not sd > 0.0:
        raise InputError(src, f"{key}.sd", f"expected a beta sd > 0, got {sd:g}")
    if sd**2 >= mean * (1.0 - mean):
        limit = math.sqrt(mean * (1.0 - mean))
        raise InputError(
            src,
            f"{key}.sd",
            f"{note}expected a beta sd below sqrt(mean * (1 - mean)) = {limit:.3g} with mean "
            f"{mean:g}, got {sd:g}",
        )
    return Beta(float(mean), float(sd))


def _number(src: str, key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(src, key, f"expected a number, got {df.kind_of(value)} {value!r}")
    if math.isnan(value):
        raise InputError(src, key, "expected a number, got NaN")
    return float(value)
