"""The notebook in docs/ runs from top to bottom with the real encoder, as a reader would run it."""

import nbformat
import pytest
from conftest import ROOT
from nbclient import NotebookClient

NOTEBOOK = ROOT / "docs" / "notebooks" / "demo.ipynb"


@pytest.mark.slow  # a kernel, the packaged MiniLM and UMAP on the demo corpus: about a minute
def test_the_demo_notebook_runs_without_an_error():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert not any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"), (
        "commit the notebook without outputs: the suite makes them"
    )
    NotebookClient(notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = {index: cell.outputs for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"}
    text = "\n".join(output.get("text", "") for cell in outputs.values() for output in cell)
    assert " topics over " in text and "report.html" in text
    figures = [
        output
        for cell in outputs.values()
        for output in cell
        if "application/vnd.plotly.v1+json" in output.get("data", {})
    ]
    assert len(figures) == 2  # the map and the schools' shares, displayed inline
