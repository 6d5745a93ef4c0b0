"""Pieces the views of the teaching app share: versioned settings, sliders, text.

The app's views (one scenario's couples, the partner market, a population) each keep their
settings in a frozen dataclass whose ``version`` rises at every change, build their
sliders from a parameter registry, and write their text as escaped HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from html import escape

import solara

from sim.model.parameters import Parameter

SLIDER_STEP = 0.05
"""Resolution of the sliders of parameters whose range is at most 1 wide."""


class Versioned:
    """Mixin of the app's frozen settings: copies with values changed and version raised.

    The dataclass using it must have a ``version`` field; the page rebuilds its model
    whenever the version changes.
    """

    version: int

    def changed(self, **values: object):
        """A copy with some values changed and the version raised."""
        return replace(self, version=self.version + 1, **values)

    def with_value(self, group: str, name: str, value: float):
        """A copy with one value of the mapping field ``group`` (such as ``"a"``,
        ``"env"`` or ``"population"``) set."""
        current = dict(getattr(self, group))
        current[name] = float(value)
        return self.changed(**{group: current})


@solara.component
def ParameterSlider(
    param: Parameter, value: float, on_value: Callable[[float], None], label: str = ""
):
    """A slider for one registry parameter, over its declared range."""
    text = f"{label or param.name.replace('_', ' ')} {value:g}"
    if param.integer:
        solara.SliderInt(
            text, value=int(value), min=int(param.low), max=int(param.high), on_value=on_value
        )
    else:
        solara.SliderFloat(
            text,
            value=float(value),
            min=param.low,
            max=param.high,
            step=SLIDER_STEP if param.high - param.low <= 1 else param.high / 20,
            on_value=on_value,
        )


def text_block(
    heading: str, paragraphs: Sequence[str] = (), items: Sequence[str] = (), level: int = 3
) -> str:
    """Plain text as escaped HTML: a heading, paragraphs and a bulleted list.

    The app writes its text as HTML rather than Markdown: solara's Markdown loads a
    maths renderer from the network, which a machine offline cannot reach.
    """
    out = [f"<h{level}>{escape(heading)}</h{level}>"] if heading else []
    out += [f"<p>{escape(p)}</p>" for p in paragraphs]
    if items:
        out.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>")
    return "".join(out)


def html_box(html: str, css_class: str, scroll: bool = False):
    """A solara HTML element holding ``html``, marked with ``css_class`` for tests and
    the browser; ``scroll`` lets a long text scroll inside its grid cell."""
    style = "max-height: 100%; overflow-y: auto" if scroll else None
    return solara.HTML(tag="div", unsafe_innerHTML=html, classes=[css_class], style=style)
