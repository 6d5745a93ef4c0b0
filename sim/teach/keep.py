"""Keep and share: the app's settings saved as a scenario file, and a scenario file loaded.

A saved file is a scenario file of the format of ``scenarios/*.toml``
(:func:`sim.scenario.scenario_text`) holding the traits and environment the app runs,
under a name the teacher gives or one derived from the scenario it started from and
the values changed (``NAME_b_narcissism_0_4``). It names no expected outcome
classes: the expectations of the scenario it started from hold for that scenario as its
file has it, not for other values. Its notes say what it was made from and how to run
it. ``relsim run FILE.toml`` (or ``relsim run NAME`` with the file in ``./scenarios/``)
runs it, and the app loads it back.

A loaded file is checked by the loader ``relsim run`` uses
(:func:`sim.scenario.read_scenario`); a bad one gives one line naming the file, the key
and what was expected.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType

import solara
from ipyvuetify.extra import FileInput

from sim import inputs
from sim.errors import InputError
from sim.model import parameters as reg
from sim.scenario import (
    NAME_PATTERN,
    Scenario,
    overrides_text,
    read_scenario,
    scenario_text,
)
from sim.teach.app_widgets import html_box, text_block

MAX_NAMED_CHANGES = 3
"""Most changed values a derived name spells out; with more it counts them."""

NAME_FIELD = "file name"
"""How messages name the field the teacher types a file name into."""


def changed_values(
    source: Scenario, a: Mapping[str, float], b: Mapping[str, float], env: Mapping[str, float]
) -> tuple[tuple[str, float], ...]:
    """The values that differ from the scenario's file (registry defaults where it names
    none), as qualified names (``b.narcissism``) with their values, in registry order."""
    out = []
    for part, values, params in (("a", a, reg.TRAITS), ("b", b, reg.TRAITS)) + (
        ("env", env, reg.ENVIRONMENT),
    ):
        mine = getattr(source, part)
        for p in params:
            if float(values[p.name]) != float(mine.get(p.name, p.default)):
                out.append((f"{part}.{p.name}", float(values[p.name])))
    return tuple(out)


def _name_part(name: str, value: float) -> str:
    number = f"{value:.4f}".rstrip("0").rstrip(".")
    return f"{name}_{number}".replace(".", "_")


def derived_name(source: Scenario, changes: tuple[tuple[str, float], ...]) -> str:
    """A file name for the scenario with ``changes``: its name followed by each changed
    value (``NAME_b_narcissism_0_4``), by their number when there are more
    than :data:`MAX_NAMED_CHANGES`, and ``_copy`` when there is none."""
    if not changes:
        return f"{source.name}_copy"
    named = "_".join(_name_part(k, v) for k, v in changes)
    name = f"{source.name}_{named}"
    if len(changes) > MAX_NAMED_CHANGES or len(name) > inputs.MAX_NAME_BYTES:
        name = f"{source.name}_{len(changes)}_changes"
    return name[: inputs.MAX_NAME_BYTES]


def checked_name(text: str) -> str:
    """A file name typed by the teacher, without ``.toml``, when it can name a scenario.

    Raises
    ------
    InputError
        For anything but lower case letters, digits and ``_``, starting with a letter.
    """
    name = text.strip().removesuffix(".toml")
    if not NAME_PATTERN.match(name) or len(name) > inputs.MAX_NAME_BYTES:
        raise InputError(
            NAME_FIELD,
            "",
            "expected lower case letters, digits and '_', starting with a letter (at most "
            f"{inputs.MAX_NAME_BYTES}), got {inputs.printable(text[:200])!r}",
        )
    return name


def saved_scenario(
    source: Scenario,
    a: Mapping[str, float],
    b: Mapping[str, float],
    env: Mapping[str, float],
    name: str,
) -> Scenario:
    """The scenario the app runs, to be saved as ``name``: these traits and environment
    (each written only where it differs from the registry default), the source's title,
    description and articles with what was changed, no expectations, and notes saying
    where it comes from and how to run it."""
    changes = changed_values(source, a, b, env)

    def original(key: str) -> float:
        part, name = key.split(".", 1)
        return getattr(source, part).get(name, reg.REGISTRY[name].default)

    if changes:
        what = f"{source.name} with {overrides_text(changes)}"
        title = f"{source.title}, with {overrides_text(changes)}"
        back = ", ".join(f"{k} back to {original(k):g}" for k, _ in changes)
        sets = " ".join(f"--set {k}={original(k):g}" for k, _ in changes)
        tries = [
            f"Put {back} (`relsim run {name} {sets}`): its couples are those of "
            f"{source.name} again.",
        ]
    else:
        what = f"a copy of {source.name}"
        title = f"{source.title} (a copy)"
        tries = []
    tries.insert(
        0,
        f"Run many couples of it: `relsim run {name}.toml --couples 300` (its path), or put "
        f"it in a scenarios/ folder and run `relsim run {name}` from the folder above.",
    )
    description = (
        f"{source.description}\n\nSaved from the app: {what}. It names no expected "
        f"outcome classes, since {source.name}'s hold only for that scenario as its file has it."
    )
    notice = (
        f"This is {what}; run {source.name} beside it to see what the change does.",
        f"It names no expected outcome classes: watch what its couples do, and set it "
        f"against what the notes of {source.name} say of that scenario.",
    )

    def partial(values: Mapping[str, float], params: tuple[reg.Parameter, ...]):
        return MappingProxyType(
            {p.name: float(values[p.name]) for p in params if values[p.name] != p.default}
        )

    return Scenario(
        name=name,
        path=Path(f"{name}.toml"),
        title=" ".join(title.split()),
        description=description,
        articles=source.articles,
        a=partial(a, reg.TRAITS),
        b=partial(b, reg.TRAITS),
        env=partial(env, reg.ENVIRONMENT),
        expected=(),
        two_way=None,
        notice=notice,
        things_to_try=tuple(tries),
    )


# --- the card of the app ---------------------------------------------------------------


@solara.component
def ScenarioUpload(on_file: Callable[[str, bytes], None], label: str):
    """A file chooser for one ``.toml`` file; ``on_file(name, data)`` once it is read
    (at most one byte more than an input file may have, so a larger one is refused)."""
    info, set_info = solara.use_state(None)
    files, set_files = solara.use_state(None)
    chooser = FileInput.element(
        multiple=False, accept=".toml", show_progress=False, on_file_info=set_info
    )

    def wire() -> None:
        # As solara's FileDrop: hand the chosen file's reader over once it is chosen.
        if not info:
            return
        widget = solara.get_widget(chooser)
        widget.version += 1
        widget.reset_stats()
        set_files(widget.get_files())

    solara.use_effect(wire, [info])

    def read(cancel) -> None:
        if files:
            data = files[0]["file_obj"].read(inputs.MAX_FILE_BYTES + 1)
            on_file(files[0]["name"], data)

    result = solara.use_thread(read, [files])
    solara.Text(label)
    if result.error:
        message = f"Could not read the file: {result.error}"
        html_box(text_block("", [message]), "relsim-upload-error")
    return chooser


@solara.component
def KeepControls(
    source: Scenario | None,
    values: tuple[Mapping[str, float], Mapping[str, float], Mapping[str, float]],
    typed_name: solara.Reactive[str],
    on_load: Callable[[Scenario], None],
):
    """Save the settings as a scenario file (named by the teacher, or derived), and load
    one: a file that does not load shows one line saying why."""
    problem = solara.use_reactive("")

    def load(file_name: str, data: bytes) -> None:
        try:
            sc = read_scenario(data, file_name)
        except InputError as err:
            problem.set(str(err))
            return
        problem.set("")
        on_load(sc)

    with solara.Card("Keep and share", margin=0):
        if source is None:
            solara.Text("Saving starts from a scenario: pick one first.")
        else:
            derived = derived_name(source, changed_values(source, *values))
            solara.InputText(
                f"{NAME_FIELD} (empty: {derived})",
                value=typed_name.value,
                on_value=typed_name.set,
                continuous_update=True,
            )
            try:
                name = checked_name(typed_name.value) if typed_name.value.strip() else derived
            except InputError as err:
                html_box(text_block("", [str(err)]), "relsim-name-error")
            else:
                text = scenario_text(saved_scenario(source, *values, name))
                solara.FileDownload(
                    text,
                    filename=f"{name}.toml",
                    label=f"Save {name}.toml",
                    mime_type="application/toml",
                    icon_name=None,
                )
        ScenarioUpload(load, "Load a scenario file (.toml):")
        if problem.value:
            html_box(text_block("", [problem.value]), "relsim-upload-error")
