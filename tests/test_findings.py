"""One source of findings: the explorer, `topics compare`, the report and the Python API say the same thing.

A run with four groups (the demo's schools) has differences in both directions; every surface must list
the same flagged differences, higher and lower, robust and not, with the same intervals and share cells.
"""

import pytest
from conftest import FakeEncoder, topics_cmd
from streamlit.testing.v1 import AppTest

from topics.analysis.compare import group_findings
from topics.core.formatting import share_cell
from topics.curate.editlog import Curator
from topics.share.report import build_report


@pytest.fixture(scope="module")
def four_groups(tmp_path_factory):
    """The demo's four schools (fake encoder) with a planted curation: every remark of one school in the
    largest topic moved to the second largest, so that school is lower on the one and higher on the other.
    Seed models are planted from the curated topics, one topic missing in 3 of 10: robust and not-robust
    findings, higher and lower, on every surface."""
    import numpy as np
    import pandas as pd

    from topics.core.config import load_config
    from topics.core.run import MEMBERS_FILE
    from topics.fit.pipeline import fit_run

    config = load_config("configs/tiny.yaml", ["fit.modes=[joint]"])
    run = fit_run(config, out=tmp_path_factory.mktemp("findings") / "run", encoder=FakeEncoder())
    assert run.kept["group"].nunique() == 4
    curator = Curator(run.path)
    kept = curator.run.kept
    largest, second = kept.loc[kept["topic"] != -1, "topic"].value_counts().index[:2]
    school = kept.loc[kept["topic"] == largest, "group"].value_counts().idxmax()
    moved = kept.loc[(kept["topic"] == largest) & (kept["group"] == school), "remark_id"]
    curator.record("move", "Dr Ana", remarks=tuple(moved), to=int(second))
    topics = curator.run.kept["topic"].to_numpy(dtype=int)
    without = np.where(topics == second, -1, topics)  # a seed model that did not find that topic
    seeds = {f"seed_{i}": topics if i < 7 else without for i in range(10)}
    pd.DataFrame({"remark_id": curator.run.kept["remark_id"].to_numpy(), **seeds}).to_parquet(run.path / MEMBERS_FILE)
    return run.path


def _groups_page(path):
    from topics.explorer import common, groups

    common.sidebar()
    groups.render()


def test_every_surface_lists_the_same_findings_both_ways_with_the_same_intervals(four_groups):
    found = group_findings(Curator(four_groups).run)
    flagged = found.flagged
    assert set(flagged["direction"]) == {"higher", "lower"}, "the demo's four schools differ both ways"
    robust = [f"{r.topic}. {r.label}: {r.finding}" for r in found.robust.itertuples()]
    fragile = [f"{r.topic}. {r.label}: {r.finding}" for r in found.fragile.itertuples()]
    assert robust and fragile and len(robust) + len(fragile) == len(flagged)
    # every lower finding names its direction and both shares
    lower = flagged[flagged["direction"] == "lower"].iloc[0]
    assert lower["finding"].startswith(f"{lower['group']} lower than the rest: {100 * lower['share']:.1f}% vs rest")

    # the report: the same findings in the same words, the same share cells
    report = build_report(Curator(four_groups), redacted=False)
    assert [f"{f['topic']}. {f['label']}: {f['evidence']}" for f in report.findings] == robust
    assert [f"{f['topic']}. {f['label']}: {f['evidence']}" for f in report.not_robust] == fragile
    cells = {(t.id, g["group"]): g["cell"] for t in report.topics for g in t.groups}
    assert cells == {(r.topic, r.group): share_cell(r.share, r.low, r.high) for r in found.shares.itertuples()}

    # topics compare: the same findings printed and written
    result = topics_cmd("compare", four_groups, "--no-redact")
    assert result.returncode == 0, result.stderr
    for line in robust + fragile:
        topic, rest = line.split(". ", 1)
        assert f"  [{topic}] {rest}" in result.stdout
    written = (four_groups / "compare" / "findings.csv").read_text()
    assert all(r.finding in written for r in flagged.itertuples())
    assert all(cell in result.stdout for cell in cells.values())

    # the explorer's Groups page: the same robust findings, the fragile ones named, the same cells
    app = AppTest.from_function(_groups_page, args=(str(four_groups),), default_timeout=120)
    app.session_state["run_path"] = str(four_groups)
    app.run()
    assert not app.exception, app.exception
    shown = [m.value for m in app.markdown]
    for line in robust:
        topic, rest = line.split(". ", 1)
        assert f"- **{topic}. {rest.split(': ', 1)[0]}**: {rest.split(': ', 1)[1]}" in shown
    captions = " ".join(c.value for c in app.caption)
    assert all(f"{r.topic}. {r.label} ({r.group} {r.direction})" in captions for r in found.fragile.itertuples())
    table = app.dataframe[0].value
    assert {(row["topic"], g): row[g] for _, row in table.iterrows() for g in found.shares["group"].unique()} == cells


def test_a_joint_model_with_every_topic_discarded_is_said_in_words(four_groups, tmp_path):
    import shutil

    folder = tmp_path / "run"
    shutil.copytree(four_groups, folder)
    curator = Curator(folder)
    for topic in list(curator.run.joint.topics):
        curator.record("discard", "Dr Ana", topics=(topic.id,))
    found = group_findings(curator.run, draws=100)
    assert found.flagged.empty and found.share_table().empty
    assert any("no topics left" in note for note in found.notes)
    assert "no topics left" in " ".join(build_report(curator).notes)
