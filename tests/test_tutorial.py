"""The tutorial notebook, ``docs/tutorial.ipynb``, runs from top to bottom without error."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"


def test_the_tutorial_notebook_runs_without_error(tmp_path):
    import nbformat
    from nbclient import NotebookClient

    # A copy of the repository's experiments beside the notebook, so that its results
    # go to a temporary folder and not to the repository's results/.
    shutil.copytree(ROOT / "experiments", tmp_path / "experiments")
    (tmp_path / "docs").mkdir()
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path / "docs")}},
    )
    client.execute()  # raises CellExecutionError on the first cell that fails
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert (tmp_path / "results" / "tutorial_demand_support" / "index.html").is_file()
    text = "".join(o.get("text", "") for o in outputs)
    assert "question:" in text
