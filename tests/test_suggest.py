"""Merge suggestions: topics alike in meaning and words rank first, follow every edit, and reach the merge form."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import fake_fitted_run, topics_cmd
from test_explorer import button, open_page

from topics.core.run import Topic, TopicRun, TopicSet
from topics.curate.editlog import Curator
from topics.curate.suggest import hierarchy, likeness, merge_suggestions, ranked_pairs
from topics.fit.centroids import unit_rows


def planted_run() -> tuple[TopicRun, np.ndarray]:
    """Four topics of 10 remarks: 0 and 1 alike in meaning and in words, 2 and 3 unlike everything."""
    centres = unit_rows(np.array([[1, 0, 0, 0], [0.95, 0.3, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], dtype=np.float32))
    rng = np.random.default_rng(0)
    vectors = unit_rows(np.repeat(centres, 10, axis=0) + rng.normal(0, 0.02, (40, 4)))
    labels = np.repeat([0, 1, 2, 3], 10)
    words = [
        [("drinking", 0.5), ("alcohol", 0.4), ("week", 0.1)],
        [("drinking", 0.4), ("beer", 0.3), ("alcohol", 0.3)],
        [("school", 0.6), ("grades", 0.4)],
        [("sleep", 0.7), ("night", 0.3)],
    ]
    topics = [Topic(id=i, label=f"t{i}", words=w, size=10) for i, w in enumerate(words)]
    remarks = pd.DataFrame(
        {"remark_id": [f"r{i}" for i in range(40)], "kept": True, "attached": False, "topic": labels}
    )
    run = TopicRun(config={}, remarks=remarks, joint=TopicSet("joint", topics, centres), groups={}, provenance={})
    return run, vectors


def test_the_pair_alike_in_meaning_and_words_ranks_first_and_every_pair_is_listed_once():
    run, vectors = planted_run()
    table = ranked_pairs(likeness(run, vectors), top=10)
    assert (table.loc[0, "first"], table.loc[0, "second"]) == (0, 1)
    assert table.loc[0, "meaning"] > 0.9 and table.loc[0, "words"] > 0.5
    assert len(table) == 6 and table["rank"].tolist() == list(range(1, 7))
    assert len({tuple(sorted(pair)) for pair in zip(table["first"], table["second"])}) == 6
    assert (table.loc[1:, "meaning"] < 0.5).all()


def test_the_hierarchy_joins_the_alike_pair_first_and_one_topic_has_no_pairs():
    run, vectors = planted_run()
    tree = hierarchy(likeness(run, vectors))
    assert sorted(tree[0, :2].astype(int).tolist()) == [0, 1] and tree[0, 2] < tree[1, 2]
    single = TopicRun(
        config={},
        remarks=run.remarks.assign(topic=0),
        joint=TopicSet("joint", run.joint.topics[:1], None),
        groups={},
        provenance={},
    )
    assert ranked_pairs(likeness(single, vectors)).empty


@pytest.fixture(scope="module")
def fitted_folder(tmp_path_factory):
    return fake_fitted_run(tmp_path_factory.mktemp("suggest") / "run")


def test_suggestions_follow_an_edit_and_the_command_prints_them(run_folder):
    curator = Curator(run_folder)
    before = merge_suggestions(curator, top=5)
    first, second = int(before.loc[0, "first"]), int(before.loc[0, "second"])
    curator.record("merge", "Ana", topics=(first, second))
    after = merge_suggestions(Curator(run_folder), top=50)
    assert not ((after["first"] == first) & (after["second"] == second)).any()
    assert second not in set(after["first"]) | set(after["second"])  # merged away
    result = topics_cmd("suggest", run_folder, "--top", "3")
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.count(" + ") == 3 and "meaning" in result.stdout and f"edit {run_folder} merge" in result.stdout
    )
    assert topics_cmd("suggest", run_folder, "--model", "nobody").returncode == 2
    unknown = topics_cmd("suggest", run_folder, "--drafts", "--model", "nobody")
    assert unknown.returncode == 2 and "no model 'nobody'" in unknown.stderr and "Traceback" not in unknown.stderr


def test_choosing_a_suggested_pair_opens_its_merge_preview_and_the_hierarchy_is_drawn(run_folder):
    app = open_page("curate", run_folder, author="Dr Ana")
    suggested = app.dataframe[0].value
    assert {"meaning", "words", "first_label", "second_label"} <= set(suggested.columns)
    pair = app.selectbox(key="suggested_pair_joint")
    pair.select(pair.options[0]).run()
    button(app, "Preview this merge").click().run()
    assert not app.exception, app.exception
    chosen = app.multiselect(key="merge_topics_joint").value
    assert sorted(int(c.split(":")[0]) for c in chosen) == sorted(suggested.loc[0, ["first", "second"]].astype(int))
    assert any(m.value.startswith("**Preview:** 2 topics") for m in app.markdown)
    assert app.get("plotly_chart")  # the dendrogram


def drafting_run() -> TopicRun:
    """Two topics in ordinary words, with a name that recurs inside sentences; one topic of two bare words."""
    drinking = [
        f"{opener} you want to cut down on drinking before {when}, and Donna agrees."
        for opener in ("So", "And", "Well", "Okay", "I hear", "Right")
        for when in ("the weekend", "your exams")
    ]
    sleep = [
        f"{opener} the night shifts make it hard to sleep, Donna said." for opener in ("So", "And", "Well", "Okay")
    ]
    texts = drinking + sleep + ["Walking, swimming.", "Swimming, walking.", "Walking and swimming."]
    labels = [0] * len(drinking) + [1] * len(sleep) + [2] * 3
    remarks = pd.DataFrame(
        {"remark_id": [f"r{i}" for i in range(len(texts))], "kept": True, "attached": False, "topic": labels}
    )
    remarks["text"], remarks["language"] = texts, "en"
    words = [
        [("drinking", 1.0), ("cut", 0.5)],
        [("night", 1.0), ("shifts", 0.5)],
        [("walking", 1.0), ("swimming", 1.0)],
    ]
    topics = [
        Topic(id=i, label="_".join(w for w, _ in ws), words=ws, size=labels.count(i)) for i, ws in enumerate(words)
    ]
    return TopicRun(config={}, remarks=remarks, joint=TopicSet("joint", topics, None), groups={}, provenance={})


def test_a_draft_is_the_topic_s_own_phrase_never_a_name_and_falls_back_to_its_words():
    from topics.curate.label_drafts import draft_labels

    drafts = draft_labels(drafting_run())
    assert drafts[0] in {"Cut down on drinking", "Drinking", "Down on drinking"} or drafts[0].endswith("drinking")
    assert "donna" not in " ".join(drafts.values()).lower()
    assert drafts[1].lower() in {"night shifts", "night shifts make", "hard to sleep"}
    assert drafts[2] in {"Walking and swimming", "Swimming and walking"}  # no phrase: its two best words
    assert len(set(drafts.values())) == 3
    assert draft_labels(drafting_run()) == drafts  # the same run, the same drafts


def test_the_command_prints_a_draft_for_every_topic(run_folder):
    result = topics_cmd("suggest", run_folder, "--drafts")
    assert result.returncode == 0, result.stderr
    topics = Curator(run_folder).run.joint.topics
    assert sum(line.strip().startswith(f"{t.id}.") for t in topics for line in result.stdout.splitlines()) == len(
        topics
    )


def test_accepting_a_draft_is_an_ordinary_rename_in_the_edit_log(run_folder):
    import json

    app = open_page("curate", run_folder, author="Dr Ana")
    draft = next(m.value for m in app.markdown if m.value.startswith("Draft label"))
    label = draft.split("**")[1]
    button(app, "Use the draft").click().run()
    assert app.text_input(key="rename_label").value == label  # filled in, not yet saved
    assert not (run_folder / "edits.jsonl").exists()
    button(app, "Rename").click().run()
    assert not app.exception, app.exception
    entry = json.loads((run_folder / "edits.jsonl").read_text().splitlines()[-1])
    assert entry["op"] == "rename" and entry["label"] == label and entry["author"] == "Dr Ana"
