"""The machine's own headless Chromium, as every browser test launches it."""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's chromium (never a browser that playwright downloads)."""

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--headless=new",
]
"""Flags for a headless run on a machine with no display and no network."""
