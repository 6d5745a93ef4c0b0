"""Named scenarios: one TOML file each in ``scenarios/``, loaded and checked strictly.

A scenario names the traits of partner ``a`` and partner ``b`` and any environment
overrides (anything not named takes the registry default), the articles it comes
from, the outcome classes it is expected to produce and notes for teaching. Every
field of the format is documented in ``scenarios/README.md``.

Every value is checked against the parameter registry (:mod:`sim.model.parameters`),
and every fault is an :class:`~sim.errors.InputError` naming the file, the key and
what was expected, so that the command line can print it as one line.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from sim import datafiles as df
from sim.errors import InputError
from sim.model import DEFAULT_STEPS
from sim.model import parameters as reg
from sim.model.outcomes import OUTCOME_CLASSES

if TYPE_CHECKING:
    from sim.model.mesa_model import RelationshipModel
    from sim.model.state import Params

ENV_VAR = "RELSIM_SCENARIOS"
"""Environment variable naming another folder of scenario files."""

NAME_PATTERN = df.NAME_PATTERN
"""A scenario's name is its file name without ``.toml``: lower case, digits, ``_``."""

FOLDER = df.DataFolder("scenario", ENV_VAR, "scenarios")
"""Where scenario files are found."""

PRIMARY_MIN_SHARE = 0.5
"""Least share a single-way scenario may expect of its primary (first) class."""

TWO_WAY_MIN_SHARE = 0.7
"""Least combined share of the two classes of a pattern that can go two ways."""

PRIMARY_MAX_SHARE = 0.95
"""Most share of replicate couples the primary class may take: couples with the same
traits still differ, because their lives differ."""

ENDING_CLASSES: tuple[str, ...] = ("ended_healthy", "ended_destructive")
"""The outcome classes of a couple that ended; every other class is a pattern."""

ARTICLES: tuple[str, ...] = (
    'What Are "Personal Development Relationships"?',
    "Growing Apart Isn't the Problem",
    "Building Healthy Relationships",
    "When Love Fails",
    "Balancing Independence and Support",
)
"""Titles of the source articles, as a scenario's ``articles`` names them."""

TOP_KEYS: dict[str, str] = {
    "title": "a short title, one line",
    "description": "what the scenario shows, in a few sentences",
    "articles": "the source articles it comes from, by title",
    "a": "traits of partner a",
    "b": "traits of partner b",
    "env": "environment overrides",
    "expected": "the outcome classes it is expected to produce (optional)",
    "notes": "teaching notes",
}
"""Keys of a scenario file's top level, with what each holds."""

EXPECTED_KEYS: dict[str, str] = {
    "outcomes": "the expected outcome classes, primary first",
    "two_way": "a note saying how the pattern can go two ways (optional)",
}
"""Keys of the ``[expected]`` table."""

OUTCOME_KEYS: dict[str, str] = {
    "class": "an outcome class",
    "min_share": "the least share of replicate couples expected in that class",
}
"""Keys of each entry of ``expected.outcomes``."""

NOTES_KEYS: dict[str, str] = {
    "notice": "what to notice when it runs",
    "try": "things to try: which trait to move and what should happen",
}
"""Keys of the ``[notes]`` table."""

REQUIRED = ("title", "description", "articles", "a", "b", "notes")
"""Top-level keys every scenario file must have (``env`` and ``expected`` may be left
out)."""


class Expectation(NamedTuple):
    """One expected outcome class of a scenario: an ``(outcome, min_share)`` pair.

    Attributes
    ----------
    outcome : str
        An outcome class (one of :data:`~sim.model.outcomes.OUTCOME_CLASSES`).
    min_share : float
        The least share of replicate couples expected to end in that class.
    """

    outcome: str
    min_share: float


@dataclass(frozen=True)
class Scenario:
    """A named scenario, as written in its file and checked against the registry.

    Attributes
    ----------
    name : str
        The file name without ``.toml``.
    path : Path
        The file it was read from.
    title, description : str
        What the scenario is, for lists and for teaching.
    articles : tuple of str
        Titles of the source articles it comes from.
    a, b : mapping of str to float
        The traits of partner ``a`` and ``b`` named in the file (partial: anything not
        named takes the registry default), each value checked against the registry.
    env : mapping of str to float
        Environment overrides named in the file (partial, checked likewise).
    expected : tuple of Expectation
        Expected outcome classes, the primary class first; empty for a scenario whose
        file has no ``[expected]`` table.
    two_way : str or None
        When the pattern can go two ways, a note saying how; then the first two
        expected classes together should reach :data:`TWO_WAY_MIN_SHARE`.
    notice : tuple of str
        Teaching notes: what to notice.
    things_to_try : tuple of str
        Teaching notes: which trait to move and what should happen.
    overrides : tuple of (str, float)
        Values set over the file's (see :meth:`with_overrides`), as qualified names
        (``b.narcissism``) with their values; empty for the scenario as its file has it.
        The expectations are the file's: they hold for the unmodified scenario only.
    """

    name: str
    path: Path
    title: str
    description: str
    articles: tuple[str, ...]
    a: Mapping[str, float]
    b: Mapping[str, float]
    env: Mapping[str, float]
    expected: tuple[Expectation, ...]
    two_way: str | None
    notice: tuple[str, ...]
    things_to_try: tuple[str, ...]
    overrides: tuple[tuple[str, float], ...] = ()

    @property
    def modified(self) -> bool:
        """Whether values are set over the file's, so that its expectations do not apply."""
        return bool(self.overrides)

    def with_overrides(self, overrides: Iterable[tuple[str, float]]) -> Scenario:
        """This scenario with values set over its file's, as ``relsim run --set`` sets them.

        Parameters
        ----------
        overrides : iterable of (str, float)
            Qualified names (``a.<trait>``, ``b.<trait>``, ``both.<trait>``,
            ``env.<name>``) with checked values, as :func:`parse_overrides` gives them.

        Returns
        -------
        Scenario
            A copy whose ``a``, ``b`` and ``env`` hold the new values and whose
            ``overrides`` lists every value set over the file's, in order.
        """
        overrides = tuple(overrides)
        if not overrides:
            return self
        parts = {"a": dict(self.a), "b": dict(self.b), "env": dict(self.env)}
        for name, value in overrides:
            prefix, _, rest = name.partition(".")
            for part in ("a", "b") if prefix == "both" else (prefix,):
                parts[part][rest] = value
        return replace(
            self,
            a=MappingProxyType(parts["a"]),
            b=MappingProxyType(parts["b"]),
            env=MappingProxyType(parts["env"]),
            overrides=self.overrides + overrides,
        )

    @property
    def expectations_apply(self) -> bool:
        """Whether its expectations can be checked: it names some, and no values are set
        over the file's."""
        return bool(self.expected) and not self.modified

    @property
    def primary(self) -> Expectation | None:
        """The first expected outcome class, or None for a scenario that expects none."""
        return self.expected[0] if self.expected else None

    @property
    def pattern_class(self) -> str | None:
        """The first expected class that is a pattern rather than an ending, or None.

        For a scenario whose couples end, this is the pattern they are expected to show
        before they end: more of its couples are expected to have it as their ``pattern``
        than any other class.
        """
        return next((e.outcome for e in self.expected if e.outcome not in ENDING_CLASSES), None)

    def build_params(self, n: int) -> Params:
        """The engine's parameters for ``n`` replicate couples of this scenario."""
        from sim.model.engine import build_params

        return build_params(dict(self.a), dict(self.b), dict(self.env), n)

    def model(
        self, n_couples: int = 1, steps: int = DEFAULT_STEPS, rng: int | None = None, **kw: Any
    ) -> RelationshipModel:
        """A :class:`~sim.model.mesa_model.RelationshipModel` of this scenario.

        Further keyword arguments (``thresholds``, ``collect_agents`` or single
        parameter overrides such as ``a_dependency``) go to the model unchanged.
        """
        from sim.model.mesa_model import RelationshipModel

        return RelationshipModel(
            a=dict(self.a),
            b=dict(self.b),
            env=dict(self.env),
            n_couples=n_couples,
            steps=steps,
            rng=rng,
            **kw,
        )


def model_from_scenario(
    scenario: Scenario | str | os.PathLike,
    n_couples: int = 1,
    steps: int = DEFAULT_STEPS,
    rng: int | None = None,
    **kw: Any,
) -> RelationshipModel:
    """A ``RelationshipModel`` of a scenario given as object, name or path.

    The equivalent of ``RelationshipModel.from_scenario``: the model reads the
    scenario's traits and environment; everything else is as for the model itself.
    """
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    return sc.model(n_couples=n_couples, steps=steps, rng=rng, **kw)


def scenario_dir() -> Path:
    """The folder of scenario files.

    ``$RELSIM_SCENARIOS`` when set; otherwise the repository's ``scenarios/`` folder,
    found beside the package (which is where an editable install leaves it); failing
    that, ``scenarios/`` in the working directory.
    """
    return FOLDER.path_of_folder()


def list_scenarios() -> list[str]:
    """Names of every scenario file in :func:`scenario_dir`, sorted."""
    return FOLDER.names()


def scenario_path(name_or_path: str | os.PathLike) -> Path:
    """The file behind a scenario name or path.

    A value that ends in ``.toml`` or contains a path separator is a path (write
    ``./NAME`` for a file without the extension); anything else is a name, looked up
    in :func:`scenario_dir`.

    Raises
    ------
    InputError
        If the file does not exist, or the name is not a scenario's.
    """
    return FOLDER.path(name_or_path)


def load_scenario(name_or_path: str | os.PathLike) -> Scenario:
    """Read and check one scenario, by name (the file name without ``.toml``) or path.

    Raises
    ------
    InputError
        For an unknown name, a missing file, malformed TOML, a missing or unknown key,
        a misspelt trait, a wrong type, a value out of range, an unknown outcome class
        or a share outside [0, 1]: one line naming the file, the key and what was
        expected.
    """
    return FOLDER.load(name_or_path, parse_scenario)


def read_scenario(raw: bytes, file_name: str) -> Scenario:
    """A scenario file given as its bytes and its file name (such as an upload to the
    app), checked as :func:`load_scenario` checks a file on disk.

    Raises
    ------
    InputError
        As :func:`load_scenario`, naming the file by ``file_name``; also for a name that
        does not end in ``.toml``.
    """
    return FOLDER.load_bytes(raw, file_name, parse_scenario)


def parse_scenario(
    data: Mapping[str, Any], name: str, path: Path, source: str | None = None
) -> Scenario:
    """Check the parsed contents of a scenario file and build the :class:`Scenario`.

    Parameters
    ----------
    data : mapping
        The file's contents, as ``tomllib`` returns them.
    name : str
        The scenario's name (its file name without ``.toml``).
    path : Path
        The file, recorded on the scenario.
    source : str, optional
        How errors name the file (default: ``path``).
    """
    src = source or str(path)
    FOLDER.check_top(src, name, data, TOP_KEYS, REQUIRED)
    title = df.line(src, "title", data["title"])
    description = df.text(src, "description", data["description"])
    articles = df.texts(src, "articles", data["articles"])
    for i, title_ in enumerate(articles):
        if title_ not in ARTICLES:
            raise InputError(
                src,
                f"articles[{i}]",
                f"unknown article {title_!r}; expected titles from: "
                + "; ".join(repr(t) for t in ARTICLES),
            )
    a = _params(src, "a", data["a"], reg.TRAIT_NAMES, "trait")
    b = _params(src, "b", data["b"], reg.TRAIT_NAMES, "trait")
    env = _params(src, "env", data.get("env", {}), reg.ENV_NAMES, "environment parameter")
    expected, two_way = _expected(src, data["expected"]) if "expected" in data else ((), None)
    notes = df.table(src, "notes", data["notes"])
    df.no_unknown(src, "notes.", notes, NOTES_KEYS)
    df.require(src, "notes.", notes, NOTES_KEYS)
    return Scenario(
        name=name,
        path=path,
        title=title,
        description=description,
        articles=articles,
        a=a,
        b=b,
        env=env,
        expected=expected,
        two_way=two_way,
        notice=df.texts(src, "notes.notice", notes["notice"]),
        things_to_try=df.texts(src, "notes.try", notes["try"]),
    )


OVERRIDE_OPTION = "--set"
"""The command-line option that sets a value over a scenario's (``KEY=VALUE``)."""


def parse_override(text: str) -> tuple[str, float]:
    """One ``KEY=VALUE`` of ``--set``, its key a qualified name and its value checked.

    The key is ``a.<trait>``, ``b.<trait>``, ``both.<trait>`` (both partners) or
    ``env.<name>``, as experiment factors name parameters; the value a number in the
    registry's range (a whole number where the registry asks for one).

    Raises
    ------
    InputError
        For text without ``=``, an unknown key or a value of the wrong type or out of
        range: one line naming ``--set``, the key and what was expected.
    """
    key, sep, raw = str(text).partition("=")
    key, raw = key.strip(), raw.strip()
    if not sep or not key:
        raise InputError(
            OVERRIDE_OPTION, "", f"expected KEY=VALUE, such as b.narcissism=0.4, got {text!r}"
        )
    try:
        param = reg.lookup(key)
    except reg.ParameterError:
        hint = df.close_match(key, reg.qualified_names())
        raise InputError(
            OVERRIDE_OPTION,
            key,
            f"unknown parameter{hint}; expected a.<trait>, b.<trait>, both.<trait> or "
            f"env.<name> with trait one of {', '.join(reg.TRAIT_NAMES)} and name one of "
            f"{', '.join(reg.ENV_NAMES)}",
        ) from None
    try:
        value: object = float(raw)
    except ValueError:
        value = raw
    try:
        return key, param.check(value)
    except reg.ParameterError as err:
        message = str(err).removeprefix(f"{err.name}: ").replace(f"got str {raw!r}", f"got {raw!r}")
        raise InputError(OVERRIDE_OPTION, key, message) from None


def parse_overrides(texts: Iterable[str] | None) -> tuple[tuple[str, float], ...]:
    """Every ``--set KEY=VALUE`` (see :func:`parse_override`), in the order given.

    Raises
    ------
    InputError
        As :func:`parse_override`, and for two values of the same parameter (a key
        given twice, or ``both.<trait>`` with ``a.<trait>`` or ``b.<trait>``).
    """
    out: list[tuple[str, float]] = []
    seen: dict[str, str] = {}
    for text in texts or ():
        key, value = parse_override(text)
        prefix, _, rest = key.partition(".")
        for column in (f"a.{rest}", f"b.{rest}") if prefix == "both" else (key,):
            if column in seen:
                raise InputError(
                    OVERRIDE_OPTION, key, f"sets {column}, already set by {seen[column]}"
                )
            seen[column] = key
        out.append((key, value))
    return tuple(out)


def overrides_text(overrides: Iterable[tuple[str, float]], sep: str = ", ") -> str:
    """Overrides as the command line writes them: ``b.narcissism=0.4, env.patience=10``."""
    return sep.join(f"{name}={value:g}" for name, value in overrides)


def _params(
    src: str, key: str, value: object, names: tuple[str, ...], kind: str
) -> Mapping[str, float]:
    """A partial table of registry parameters, each value checked."""
    out: dict[str, float] = {}
    for name, item in df.table(src, key, value).items():
        where = f"{key}.{df.shown(name)}"
        df.registry_name(src, where, name, names, kind)
        out[name] = df.registry_value(src, where, name, item)
    return MappingProxyType(out)


def _expected(src: str, value: object) -> tuple[tuple[Expectation, ...], str | None]:
    """The ``[expected]`` table: outcome classes with minimum shares, and the two-way note."""
    table = df.table(src, "expected", value)
    df.no_unknown(src, "expected.", table, EXPECTED_KEYS)
    if "outcomes" not in table:
        raise InputError(src, "expected.outcomes", f"missing; expected {EXPECTED_KEYS['outcomes']}")
    items = table["outcomes"]
    if not isinstance(items, list) or not items:
        raise InputError(
            src,
            "expected.outcomes",
            f"expected a non-empty array of tables {{ class, min_share }}, got {df.kind_of(items)}",
        )
    out: list[Expectation] = []
    for i, item in enumerate(items):
        where = f"expected.outcomes[{i}]"
        entry = df.table(src, where, item)
        df.no_unknown(src, f"{where}.", entry, OUTCOME_KEYS)
        df.require(src, f"{where}.", entry, OUTCOME_KEYS)
        cls = entry["class"]
        if cls not in OUTCOME_CLASSES:
            hint = df.close_match(str(cls), OUTCOME_CLASSES)
            raise InputError(
                src,
                f"{where}.class",
                f"unknown outcome class {cls!r}{hint}; "
                f"expected one of {', '.join(OUTCOME_CLASSES)}",
            )
        share = entry["min_share"]
        if isinstance(share, bool) or not isinstance(share, (int, float)):
            raise InputError(
                src, f"{where}.min_share", f"expected a number in [0, 1], got {df.kind_of(share)}"
            )
        if not 0.0 <= float(share) <= 1.0:
            raise InputError(src, f"{where}.min_share", f"expected a number in [0, 1], got {share}")
        if any(e.outcome == cls for e in out):
            raise InputError(src, f"{where}.class", f"outcome class {cls!r} listed twice")
        if not out and float(share) > PRIMARY_MAX_SHARE:
            raise InputError(
                src,
                f"{where}.min_share",
                f"expected at most {PRIMARY_MAX_SHARE:g} for the primary class, got {share:g} "
                "(couples with the same traits differ: no class takes every couple)",
            )
        out.append(Expectation(cls, float(share)))
    two_way = None
    if "two_way" in table:
        two_way = df.text(src, "expected.two_way", table["two_way"])
        if len(out) < 2:
            raise InputError(
                src, "expected.outcomes", "a two-way pattern needs at least two expected classes"
            )
    elif out[0].min_share < PRIMARY_MIN_SHARE:
        raise InputError(
            src,
            "expected.outcomes[0].min_share",
            f"expected at least {PRIMARY_MIN_SHARE:g} for the primary class, got "
            f"{out[0].min_share:g} (a pattern that goes two ways says so in expected.two_way)",
        )
    return tuple(out), two_way


def scenario_text(scenario: Scenario) -> str:
    """A scenario as the TOML of its file (``scenarios/README.md``), which
    :func:`parse_scenario` reads back as the same scenario.

    Every value is written as it is held (floats so that they read back exactly); the
    ``[expected]`` table is written only when the scenario expects some classes, and
    ``overrides`` are not written (their values are in the tables).
    """
    s = df.toml_string
    lines = [
        f"title = {s(scenario.title)}",
        f"description = {s(scenario.description)}",
        f"articles = [{', '.join(s(a) for a in scenario.articles)}]",
    ]
    for part in ("a", "b", "env"):
        values = getattr(scenario, part)
        if part == "env" and not values:
            continue
        lines += ["", f"[{part}]", *(f"{k} = {df.toml_value(k, v)}" for k, v in values.items())]
    if scenario.expected:
        lines += ["", "[expected]", "outcomes = ["]
        lines += [
            f"    {{ class = {s(e.outcome)}, min_share = {e.min_share!r} }},"
            for e in scenario.expected
        ]
        lines.append("]")
        if scenario.two_way is not None:
            lines.append(f"two_way = {s(scenario.two_way)}")
    lines += ["", "[notes]"]
    for key, notes in (("notice", scenario.notice), ("try", scenario.things_to_try)):
        lines += [f"{key} = [", *(f"    {s(n)}," for n in notes), "]"]
    return "\n".join(lines) + "\n"
