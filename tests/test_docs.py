"""The documentation site builds offline with --strict (a broken link or a page left out of the nav fails), and
README's links lead to files that exist."""

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_the_site_builds_strictly_offline(tmp_path):
    mkdocs = Path(sys.executable).parent / "mkdocs"
    result = subprocess.run(
        [str(mkdocs), "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=os.environ | {"NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stderr
    pages = {p.relative_to(ROOT / "docs").with_suffix("") for p in (ROOT / "docs").rglob("*.md")}
    built = {p.parent.relative_to(tmp_path / "site") for p in (tmp_path / "site").rglob("index.html")}
    assert {Path("." if p.name == "index" else p) for p in pages} <= built  # every page of docs/ is in the site
    home = (tmp_path / "site" / "index.html").read_text()
    assert "fonts.googleapis.com" not in home  # the site reads offline: no web fonts


def test_readme_links_lead_to_files_that_exist():
    readme = (ROOT / "README.md").read_text()
    links = [target for target in re.findall(r"\]\(([^)#]+)\)", readme) if "://" not in target]
    assert links, "README links to the documentation"
    missing = [target for target in links if not (ROOT / target).exists()]
    assert not missing, missing
