"""Per-group models are curated like the joint model: the same edits, addressed by model, never leaking across."""

import pandas as pd
import pytest
from conftest import FakeEncoder, topics_cmd

from topics import load_run
from topics.core.errors import TopicsInputError
from topics.core.run import OUTLIER
from topics.curate.editlog import Curator
from topics.fit.stopwords import tokenize

GROUP = "psychodynamic"  # the demo group whose model has the most topics (5) with the fake encoder


@pytest.fixture(scope="module")
def fitted_folder(tmp_path_factory):
    from topics.core.config import load_config
    from topics.fit.pipeline import fit_run

    config = load_config("configs/tiny.yaml", ["cluster.cluster_selection_method=leaf"])
    run = fit_run(config, out=tmp_path_factory.mktemp("group-edits") / "run", encoder=FakeEncoder())
    assert len(run.groups[GROUP].topics) >= 4
    return run.path


def group_rows(run):
    """The kept remarks of the edited group's model."""
    return run.remarks["kept"] & (run.remarks["group"] == GROUP).fillna(False)


def test_a_group_model_is_renamed_merged_discarded_and_moved_without_touching_the_others(run_folder):
    curator = Curator(run_folder)
    before = curator.run
    model_before = before.groups[GROUP]
    a, b, c, d = (t.id for t in model_before.topics[:4])
    curator.record("rename", "Ana", topics=(a,), label="Transference", model=GROUP)
    curator.record("merge", "Ana", topics=(b, c), label="Defences", model=GROUP)
    curator.record("discard", "Ana", topics=(d,), model=GROUP)
    mover = before.remarks.loc[group_rows(before) & (before.remarks["group_topic"] == a), "remark_id"].iloc[0]
    curator.record("move", "Ana", remarks=(mover,), to=b, model=GROUP)
    after = curator.run
    model = after.groups[GROUP]
    assert model.topic(a).label == "Transference" and model.topic(b).label == "Defences"
    assert {c, d}.isdisjoint(t.id for t in model.topics)
    rows = group_rows(after)
    labels = after.remarks.loc[rows, "group_topic"]
    assert not labels.isin([c, d]).any() and after.remarks.set_index("remark_id").loc[mover, "group_topic"] == b
    assert model.topic(b).size == int((labels == b).sum())
    assert model.metrics["topic_count"] == len(model.topics)
    # the joint model and the other groups' models are exactly as fitted
    assert after.joint.topics == before.joint.topics
    pd.testing.assert_series_equal(after.remarks["topic"], before.remarks["topic"])
    others = ~group_rows(before)
    pd.testing.assert_series_equal(after.remarks.loc[others, "group_topic"], before.remarks.loc[others, "group_topic"])
    for name in set(before.groups) - {GROUP}:
        assert after.groups[name].topics == before.groups[name].topics
    # the merged topic's words come from its CBT remarks only
    texts = after.remarks.loc[rows & (after.remarks["group_topic"] == b), "text"]
    vocabulary = {token for text in texts for token in tokenize(text)}
    assert all(set(word.split()) <= vocabulary for word, _ in model.topic(b).words)
    # a fresh reader replays the log to the same run; undo steps back
    again = load_run(run_folder)
    assert again.groups[GROUP].topics == model.topics
    curator.record("undo", "Ana")
    assert curator.run.remarks.set_index("remark_id").loc[mover, "group_topic"] == a


def test_group_edits_are_refused_for_unknown_models_topics_and_other_groups_remarks(run_folder):
    curator = Curator(run_folder)
    run = curator.run
    with pytest.raises(TopicsInputError, match="no model 'Nope'"):
        curator.record("rename", "Ana", topics=(0,), label="x", model="Nope")
    with pytest.raises(TopicsInputError, match="of model 'psychodynamic'"):
        curator.record("discard", "Ana", topics=(999,), model=GROUP)
    stranger = run.remarks.loc[run.remarks["kept"] & (run.remarks["group"] != GROUP).fillna(False), "remark_id"].iloc[0]
    with pytest.raises(TopicsInputError, match="not in model 'psychodynamic'"):
        curator.record("move", "Ana", remarks=(stranger,), to=OUTLIER, model=GROUP)
    assert not (run_folder / "edits.jsonl").exists()


@pytest.mark.slow  # commands in subprocesses
def test_cli_edits_a_group_model_and_info_and_history_show_it(run_folder):
    first = load_run(run_folder).groups[GROUP].topics[0].id
    result = topics_cmd("edit", run_folder, "--author", "Ana", "--model", GROUP, "rename", first, "Working through")
    assert result.returncode == 0, result.stderr
    assert "in model 'psychodynamic'" in result.stdout
    shown = topics_cmd("info", run_folder, "--model", GROUP)
    assert "Working through" in shown.stdout
    assert "Working through" not in topics_cmd("info", run_folder).stdout
    assert "in model 'psychodynamic'" in topics_cmd("history", run_folder).stdout
    bad = topics_cmd("edit", run_folder, "--author", "Ana", "--model", "Nope", "discard", first)
    assert bad.returncode == 2 and "no model 'Nope'" in bad.stderr


def test_explorer_curates_a_group_model(run_folder):
    from test_explorer import button, open_page, picker

    app = open_page("curate", run_folder, author="Dr Ana")
    app.selectbox(key="curate_model").select("Model of group psychodynamic").run()
    model_before = load_run(run_folder).groups[GROUP]
    options = picker(app, f"rename_topic_{GROUP}").options
    assert options[0].startswith(f"{model_before.topics[0].id}: {model_before.topics[0].label}")
    picker(app, f"rename_topic_{GROUP}").select(options[1]).run()
    app.text_input(key="rename_label").input("Free association")
    button(app, "Rename").click().run()
    assert not app.exception, app.exception
    after = load_run(run_folder)
    assert after.groups[GROUP].topic(model_before.topics[1].id).label == "Free association"
    assert "Free association" not in [t.label for t in after.joint.topics]
    import json

    lines = [json.loads(line) for line in (run_folder / "edits.jsonl").read_text().splitlines()]
    assert [(e["op"], e.get("model")) for e in lines] == [("rename", GROUP)]


def test_an_edit_of_a_group_model_is_named_by_that_models_labels(run_folder):
    curator = Curator(run_folder)
    topic = curator.run.groups[GROUP].topics[0]
    edit = curator.record("rename", "Ana", topics=(topic.id,), label="Transference", model=GROUP)
    assert curator.describe(edit) == f"Renamed topic {topic.id} {topic.label!r} to 'Transference' in model {GROUP!r}"
