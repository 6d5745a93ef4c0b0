"""The calibration's page: posterior marginals and pairs, thresholds, the predictive check.

``index.html`` in the results folder is one self-contained file, the template
``calibration.html`` of the results pages' machinery (:mod:`sim.views.page`): what was
fitted to what, the posterior's summary, the figures (each with its caption; PNG and
SVG in ``figures/``), the posterior predictive check against every target, the
acceptance threshold and rate by generation and how it ran. The densities are pyabc's
weighted kernel density estimates (``pyabc.visualization.kde.kde_1d``); the quantiles
are weighted (``pyabc.weighted_statistics.weighted_quantile``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from markupsafe import Markup
from matplotlib.figure import Figure

from sim.calibration.spec import CalibrationSpec
from sim.views import style
from sim.views.figures import Drawn, axes_info, smallest_tick
from sim.views.page import figure_block, html_table, paragraphs, render, write_html

FIGURES = "figures"
"""Folder of the figures inside the results folder."""

INTERVAL = (0.05, 0.95)
"""The posterior's credible interval: 90 %."""


def _weighted_quantiles(x: np.ndarray, w: np.ndarray, qs) -> list[float]:
    from pyabc.weighted_statistics import weighted_quantile

    return [float(weighted_quantile(x, w / w.sum(), alpha=q)) for q in qs]


def summary(spec: CalibrationSpec, posterior: pd.DataFrame) -> pd.DataFrame:
    """By parameter: its prior, the posterior's weighted mean, median and 90 % interval."""
    w = posterior["weight"].to_numpy(dtype=float)
    rows = []
    for p in spec.parameters:
        x = posterior[p.name].to_numpy(dtype=float)
        lo, med, hi = _weighted_quantiles(x, w, (INTERVAL[0], 0.5, INTERVAL[1]))
        rows.append(
            {
                "parameter": p.name,
                "prior": p.describe(),
                "mean": float(np.average(x, weights=w)),
                "median": med,
                "q05": lo,
                "q95": hi,
            }
        )
    return pd.DataFrame(rows)


def _figure(nrows: int, ncols: int, width: float = 4.0, height: float = 3.2):
    with style.style():
        fig = Figure(figsize=(width * ncols, height * nrows), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def marginals(spec: CalibrationSpec, posterior: pd.DataFrame) -> Drawn:
    """Each parameter's posterior density over its prior's support, with its 90 % interval."""
    from pyabc.visualization.kde import kde_1d

    n = len(spec.parameters)
    ncols = min(n, 3)
    fig, axes = _figure(-(-n // ncols), ncols)
    w = posterior["weight"].to_numpy(dtype=float)
    rows = []
    for i, p in enumerate(spec.parameters):
        ax = axes.ravel()[i]
        x, pdf = kde_1d(posterior, w, p.name, xmin=p.low, xmax=p.high, numx=120)
        lo, hi = _weighted_quantiles(posterior[p.name].to_numpy(dtype=float), w, INTERVAL)
        ax.plot(x, pdf, color=style.colour(0))
        inside = (x >= lo) & (x <= hi)
        ax.fill_between(x[inside], 0, pdf[inside], color=style.colour(0), alpha=0.25)
        ax.set_xlim(p.low, p.high)
        ax.set_ylim(bottom=0)
        ax.set_xlabel(style.label(p.name))
        ax.set_ylabel("posterior density")
        rows += [
            {"parameter": p.name, "x": float(a), "density": float(b)}
            for a, b in zip(x, pdf, strict=True)
        ]
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    caption = (
        "Posterior density of each fitted parameter over its prior's support: a weighted "
        "kernel density estimate of the last generation's particles (pyabc's kde_1d); "
        "the shaded part is the 90 % credible interval (weighted 5 % and 95 % quantiles). "
        "A narrow peak is a parameter the targets pin down; a curve as flat as the prior "
        "is one they say little about."
    )
    return Drawn(fig, caption, pd.DataFrame(rows))


def pairs(spec: CalibrationSpec, posterior: pd.DataFrame) -> Drawn | None:
    """Every pair of parameters: the last generation's particles, darker the heavier."""
    n = len(spec.parameters)
    if n < 2:
        return None
    fig, axes = _figure(n - 1, n - 1, 3.2, 3.0)
    w = posterior["weight"].to_numpy(dtype=float)
    alpha = 0.15 + 0.85 * w / w.max()
    colours = np.zeros((len(w), 4))
    colours[:, :3] = np.array([0.12, 0.35, 0.6])
    colours[:, 3] = alpha
    for i in range(1, n):
        for j in range(n - 1):
            ax = axes[i - 1, j]
            if j >= i:
                ax.set_visible(False)
                continue
            px, py = spec.parameters[j], spec.parameters[i]
            ax.scatter(posterior[px.name], posterior[py.name], s=8, c=colours, linewidths=0)
            ax.set_xlim(px.low, px.high)
            ax.set_ylim(py.low, py.high)
            if i == n - 1:
                ax.set_xlabel(style.label(px.name))
            if j == 0:
                ax.set_ylabel(style.label(py.name))
    caption = (
        "The last generation's particles for every pair of fitted parameters, each axis over "
        "its prior's support; the heavier a particle's weight, the darker its dot. A cloud "
        "along a diagonal is a trade-off: the targets fix a combination of the two, not "
        "each one."
    )
    return Drawn(fig, caption, posterior[[*spec.names, "weight"]].copy())


def thresholds(generations: pd.DataFrame) -> Drawn:
    """The acceptance threshold and the acceptance rate by generation."""
    fig, axes = _figure(1, 2, 5.0, 3.4)
    left, right = axes[0]
    finite = generations[np.isfinite(generations["epsilon"])]
    left.plot(finite["t"], finite["epsilon"], marker="o", color=style.colour(0))
    left.set_xlabel("generation")
    left.set_ylabel("acceptance threshold (distance)")
    if len(finite) and (finite["epsilon"] > 0).all():
        left.set_yscale("log")
    right.plot(generations["t"], generations["acceptance_rate"], marker="o", color=style.colour(1))
    right.set_xlabel("generation")
    right.set_ylabel("acceptance rate")
    right.set_ylim(0, 1.05)
    for ax in (left, right):
        ax.set_xticks(generations["t"])
    caption = (
        "Left: the acceptance threshold of each generation, the weighted quantile of the "
        "last generation's distances (generation 0 takes every draw of the prior and has "
        "none). Right: the share of candidates accepted."
    )
    return Drawn(fig, caption, generations.copy())


def predictive_figure(table: pd.DataFrame) -> Drawn:
    """Each statistic's posterior predictive median and 90 % interval against its target,
    in the scale units the distance adds up (:func:`~sim.calibration.run.predictive_summary`)."""
    n = len(table)
    fig, axes = _figure(1, 1, 7.0, max(2.2, 0.45 * n + 1.2))
    ax = axes[0, 0]
    y = np.arange(n)[::-1]
    for yi, (_, r) in zip(y, table.iterrows(), strict=True):
        ax.plot([r["z05"], r["z95"]], [yi, yi], color=style.colour(0), lw=2.5)
        ax.plot([r["z50"]], [yi], "o", color=style.colour(0))
    ax.axvspan(-1, 1, color="0.85", zorder=0)
    ax.axvline(0, color="0.3", lw=1)
    ax.set_yticks(y)
    ax.set_yticklabels(table["statistic"])
    ax.set_xlabel("(model - target) / scale")
    caption = (
        "Posterior predictive check: couples simulated at parameters drawn from the posterior; "
        "for each target statistic the median (dot) and 90 % interval (line) of the model's "
        "value minus the target, in units of the target's scale, as the distance adds them "
        "up (the grey band is one scale either side). A statistic given by bounds only shows "
        "how far outside them the model is: 0 when inside. The table gives the values."
    )
    return Drawn(fig, caption, table[["statistic", "z05", "z50", "z95"]].copy())


def _settings(spec: CalibrationSpec, manifest: dict) -> str:
    timings = manifest.get("timings", [])
    wall = sum(t["seconds"] for t in timings)
    engine = sum(t["engine_seconds"] for t in timings)
    git = (manifest.get("code") or {}).get("git") or {}
    workers = (manifest.get("executor") or {}).get("workers", 1)
    rows = [
        (
            "couples",
            f"{spec.population or spec.scenario}; {spec.couples:,} a particle, {spec.years} years",
        ),
        ("seed", spec.seed),
        ("particles", f"{spec.abc.particles:,} a generation"),
        ("stopped by", manifest.get("stop", "")),
        ("stopping rules", ", ".join(f"{k} {v}" for k, v in manifest["stop_settings"].items())),
        ("executor", f"{manifest['executor'].get('name')} ({workers} worker(s))"),
        (
            "sampling time",
            f"{wall:.1f} s, of which {engine:.1f} s in the engine (summed over workers)",
        ),
        ("identity hash", manifest.get("identity_hash", "")[:16]),
        ("model fingerprint", str(manifest.get("model_fingerprint", ""))[:16]),
        ("git commit", f"{git.get('commit', '')}{' (modified)' if git.get('modified') else ''}"),
        ("created", manifest.get("created", "")),
        ("packages", ", ".join(f"{k} {v}" for k, v in sorted(manifest["packages"].items()) if v)),
    ]
    return html_table(pd.DataFrame(rows, columns=["", "value"]).astype(str))


INTRO = """
Approximate Bayesian computation by sequential Monte Carlo (pyabc's ABC-SMC): particles
are parameter values drawn from the prior, then from a kernel around the last
generation's particles; each particle's couples are simulated and the particle is kept
when its distance to the targets is within the generation's threshold. The distance is
the Euclidean norm of the differences between the model's statistics and the targets,
each divided by its scale (a statistic given by bounds only enters as how far outside
them it is). The last generation, weighted, approximates the posterior.
"""


def write_page(
    folder: Path,
    spec: CalibrationSpec,
    posterior: pd.DataFrame,
    generations: pd.DataFrame,
    predictive: pd.DataFrame,
    manifest: dict,
) -> Path:
    """Draw the figures into ``folder/figures`` and write ``folder/index.html``."""
    from sim.calibration.run import predictive_summary

    (folder / FIGURES).mkdir(parents=True, exist_ok=True)
    table = predictive_summary(spec.statistics, predictive)
    drawn = [
        ("marginals", "Posterior marginals", marginals(spec, posterior)),
        ("pairs", "Posterior pairs", pairs(spec, posterior)),
        ("predictive", "Posterior predictive check", predictive_figure(table)),
        ("thresholds", "Acceptance threshold by generation", thresholds(generations)),
    ]
    blocks: dict[str, list[Markup]] = {}
    for stem, title, d in drawn:
        blocks[stem] = []
        if d is None:
            continue
        png, svg = folder / FIGURES / f"{stem}.png", folder / FIGURES / f"{stem}.svg"
        style.save_files(d.figure, png, svg)
        link = f"{FIGURES}/{stem}.svg"
        axes, tick = axes_info(d.figure), smallest_tick(d.figure)
        blocks[stem].append(
            figure_block(png.read_bytes(), stem, title, d.caption, link, axes, tick)
        )
    shown = table[["statistic", "what", "target", "median", "q05", "q95", "inside"]].rename(
        columns={"q05": "5 %", "q95": "95 %", "inside": "target within 90 %?"}
    )
    shown["target within 90 %?"] = shown["target within 90 %?"].map({True: "yes", False: "no"})
    gens = generations.rename(columns={"samples": "candidates"})
    body = render(
        "calibration.html",
        title=f"relsim calibration {spec.name}",
        name=spec.name,
        description=spec.description,
        intro=paragraphs(INTRO),
        posterior=html_table(summary(spec, posterior)),
        posterior_figures=blocks["marginals"] + blocks["pairs"],
        predictive=html_table(shown),
        predictive_figure=blocks["predictive"][0],
        generations=html_table(gens),
        generations_figure=blocks["thresholds"][0],
        settings=_settings(spec, manifest),
    )
    return write_html(folder / "index.html", body)
