"""The Python snippets of the README and of experiments/README.md run as written.

Each file's ``python`` code blocks are run in order as one script (later blocks use
names earlier ones made), in a fresh folder where ``experiments/`` is the project's, so
that the results they write land there.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ("README.md", "experiments/README.md")
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


LONG = "# runs for about half an hour"
"""The comment that marks a block too long to run in the tests (a whole calibration,
benchmarked in ``benchmarks/README.md``): it is compiled, not run."""


def blocks(doc: str) -> list[str]:
    """The python code blocks of a markdown file, in order."""
    return BLOCK.findall((ROOT / doc).read_text(encoding="utf-8"))


@pytest.mark.parametrize("doc", DOCS)
def test_every_doc_has_python_snippets_that_compile(doc):
    found = blocks(doc)
    assert found, f"{doc} has no python block"
    for code in found:
        compile(code, doc, "exec")


@pytest.mark.slow
@pytest.mark.parametrize("doc", DOCS)
def test_the_snippets_run_as_written(doc, tmp_path):
    (tmp_path / "experiments").symlink_to(ROOT / "experiments")
    script = tmp_path / "snippets.py"
    script.write_text("\n".join(b for b in blocks(doc) if LONG not in b), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
