"""The stages of DESIGN.md hold: each imports only the stages before it, and no package has an import cycle.

The contracts live in pyproject.toml ([tool.importlinter]); import-linter reads every import, those inside
functions too. The second test proves the contracts can fail: a copy of the package with one wrong import each.
"""

import ast
import importlib
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")


def lint_imports(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache", str(folder / "pyproject.toml")],
        cwd=folder,
        env={"PYTHONPATH": str(folder), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )


def test_the_package_keeps_its_import_contracts():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    "module, wrong_import, named",
    [
        # the core reaching up into sharing, from inside a function where a cycle would hide from Python
        (
            "topics/core/errors.py",
            "def _late():\n    from topics.share import report  # noqa\n",
            "topics.core.errors -> topics.share.report",
        ),
        # the fit stage reaching back into curation
        ("topics/fit/clean.py", "from topics.curate import edits  # noqa\n", "topics.fit.clean -> topics.curate.edits"),
        # a cycle inside one stage: clean <- pipeline, and now clean -> pipeline
        ("topics/fit/clean.py", "def _late():\n    from topics.fit import pipeline  # noqa\n", ".clean -> .pipeline"),
    ],
)
def test_a_wrong_import_breaks_a_contract_and_is_named(tmp_path, module, wrong_import, named):
    for package in ("topics", "corpora"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    with (tmp_path / module).open("a", encoding="utf-8") as file:
        file.write("\n\n" + wrong_import)
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout and named in result.stdout, result.stdout


def test_the_benchmarks_import_names_that_exist():
    """The suite does not run the benchmarks (too slow), so a moved name would break one unseen: every name they
    import from the package must exist."""
    missing = []
    for script in sorted((ROOT / "benchmarks").glob("*.py")):
        for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("topics", "corpora"):
                module = importlib.import_module(node.module)
                missing += [
                    f"{script.name}:{node.lineno}: {node.module}.{alias.name}"
                    for alias in node.names
                    if not hasattr(module, alias.name)
                    and importlib.util.find_spec(f"{node.module}.{alias.name}") is None
                ]
    assert not missing, missing
