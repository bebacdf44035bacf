"""Expert edits: pure functions, the append-only log, undo/redo, damage and concurrency."""

import contextlib
import json
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import edit_fields, edit_sequences, fake_fitted_run
from hypothesis import HealthCheck, given, settings

from topics import load_run
from topics.core.errors import TopicsInputError
from topics.core.run import OUTLIER
from topics.curate.editlog import Curator, EditLog


@pytest.fixture(scope="module")
def fitted_folder(tmp_path_factory):
    folder = fake_fitted_run(tmp_path_factory.mktemp("edits") / "run")
    assert len(load_run(folder, curated=False).joint.topics) >= 4
    return folder


def same_run(a, b):
    pd.testing.assert_frame_equal(a.remarks, b.remarks)
    assert a.joint.topics == b.joint.topics
    np.testing.assert_array_equal(a.joint.centroids, b.joint.centroids)


def test_merge_then_undo_gives_back_the_run_exactly(run_folder):
    curator = Curator(run_folder)
    before = curator.run
    a, b = before.joint.topics[0].id, before.joint.topics[1].id
    curator.record("merge", "Ana", topics=(a, b), label="Exploring ambivalence")
    merged = curator.run
    assert len(merged.joint.topics) == len(before.joint.topics) - 1
    assert merged.joint.topic(a).label == "Exploring ambivalence"
    assert merged.joint.topic(a).size == before.joint.topic(a).size + before.joint.topic(b).size
    assert (merged.kept["topic"] == b).sum() == 0
    curator.record("undo", "Ana")
    same_run(curator.run, before)
    curator.record("redo", "Ana")
    same_run(curator.run, merged)


def test_merge_leaves_every_other_topic_exactly_as_it_was(run_folder):
    curator = Curator(run_folder)
    before = curator.run
    ids = [t.id for t in before.joint.topics]
    curator.record("merge", "Ana", topics=(ids[1], ids[2]))
    after = curator.run
    for topic in before.joint.topics:
        if topic.id not in ids[1:3]:
            assert after.joint.topic(topic.id) == topic  # words, weights, label, size, counts
    merged = after.joint.topic(ids[1])
    assert merged.words and merged.words != before.joint.topic(ids[1]).words
    members = after.kept[after.kept["topic"] == ids[1]]
    assert merged.group_counts == members["group"].value_counts().sort_index().to_dict()


def test_rename_discard_move_and_the_log_on_disk(run_folder):
    curator = Curator(run_folder)
    first, second = curator.run.joint.topics[0].id, curator.run.joint.topics[1].id
    curator.record("rename", "Ben", topics=(first,), label="Homework review", description="Setting and checking tasks")
    curator.record("discard", "Ben", topics=(second,))
    moved = curator.run.kept[curator.run.kept["topic"] == first]["remark_id"].tolist()[:2]
    curator.record("move", "Ben", remarks=tuple(moved), to=-1)
    run = curator.run
    assert run.joint.topic(first).label == "Homework review"
    assert run.joint.topic(first).description == "Setting and checking tasks"
    assert second not in {t.id for t in run.joint.topics}
    assert (run.remarks.set_index("remark_id").loc[moved, "topic"] == -1).all()
    lines = [json.loads(line) for line in (run_folder / "edits.jsonl").read_text().splitlines()]
    assert [line["op"] for line in lines] == ["rename", "discard", "move"]
    assert all(line["author"] == "Ben" and line["time"] for line in lines)
    same_run(load_run(run_folder), run)  # a fresh reader replays to the same run


def test_edits_are_described_with_the_labels_they_were_made_on(run_folder):
    curator = Curator(run_folder)
    topics = curator.run.joint.topics
    (a, old_a), (b, old_b), (c, old_c) = [(t.id, t.label) for t in topics[:3]]
    rename = curator.record("rename", "Ana", topics=(a,), label="Homework and self-monitoring")
    merge = curator.record("merge", "Ana", topics=(b, c), label="Feeling stuck")
    renamed = f"Renamed topic {a} {old_a!r} to 'Homework and self-monitoring'"
    merged = f"Merged topic {b} {old_b!r} and topic {c} {old_c!r} as 'Feeling stuck'"
    assert curator.describe(rename) == renamed and curator.describe(merge) == merged
    # a second rename of the same topic names the label the first one gave
    again = curator.record("rename", "Ana", topics=(a,), label="Homework")
    assert curator.describe(again) == f"Renamed topic {a} 'Homework and self-monitoring' to 'Homework'"
    undo = curator.record("undo", "Ben")
    assert curator.describe(undo) == f"Undid: renamed topic {a} 'Homework and self-monitoring' to 'Homework'"
    assert curator.last_applied == merge and curator.next_redo == again
    redo = curator.record("redo", "Ben")
    assert curator.describe(redo) == f"Redid: renamed topic {a} 'Homework and self-monitoring' to 'Homework'"
    # a new reader replays the log and says the same, though every label has changed since
    fresh = Curator(run_folder)
    assert [fresh.describe(e) for e, _ in fresh.history()] == [curator.describe(e) for e, _ in curator.history()]
    assert [fresh.describe(e) for e in fresh.in_effect] == [renamed, merged, curator.describe(again)]


def test_an_undo_of_an_edit_that_is_no_longer_the_last_is_refused(run_folder):
    """A page shows "Undoes: X"; a colleague's edit comes in; the click must not undo the colleague's."""
    mine, theirs = Curator(run_folder), Curator(run_folder)
    first = mine.record("rename", "Ana", topics=(mine.run.joint.topics[0].id,), label="Mine")
    theirs.record("rename", "Ben", topics=(theirs.run.joint.topics[1].id,), label="Theirs")
    size = (run_folder / "edits.jsonl").stat().st_size
    with pytest.raises(TopicsInputError, match="another edit came in .*Renamed topic .*'Theirs'"):
        mine.record("undo", "Ana", target=first.id)
    assert (run_folder / "edits.jsonl").stat().st_size == size  # nothing written
    assert mine.record("undo", "Ana", target=mine.last_applied.id).target != first.id  # seen again: allowed


def test_invalid_edits_are_refused_and_not_written(run_folder):
    curator = Curator(run_folder)
    with pytest.raises(TopicsInputError, match="no topic 999"):
        curator.record("rename", "Ana", topics=(999,), label="x")
    with pytest.raises(TopicsInputError, match="two or more"):
        curator.record("merge", "Ana", topics=(curator.run.joint.topics[0].id,))
    with pytest.raises(TopicsInputError, match="nothing to undo"):
        curator.record("undo", "Ana")
    with pytest.raises(TopicsInputError, match="author"):
        curator.record("discard", " ", topics=(curator.run.joint.topics[0].id,))
    remarks = curator.run.remarks
    aside = remarks.loc[~remarks["kept"] & ~remarks["attached"], "remark_id"].iloc[0]  # a backchannel
    with pytest.raises(TopicsInputError, match="set aside"):
        curator.record("move", "Ana", remarks=(aside,), to=curator.run.joint.topics[0].id)
    assert not (run_folder / "edits.jsonl").exists()


def test_an_attached_short_remark_can_be_moved_and_merges_carry_attached_remarks(run_folder):
    curator = Curator(run_folder)
    remarks = curator.run.remarks
    short = remarks[remarks["attached"] & (remarks["topic"] != OUTLIER)]
    first, second = (t.id for t in curator.run.joint.topics[:2])
    remark = short["remark_id"].iloc[0]
    curator.record("move", "Ana", remarks=(remark,), to=second)
    after = curator.run.remarks.set_index("remark_id")
    assert after.loc[remark, "topic"] == second
    sizes = {t.id: t.size for t in curator.run.joint.topics}
    assert sizes[second] == int((curator.run.kept["topic"] == second).sum())  # attached remarks do not count
    curator.record("merge", "Ana", topics=(first, second))
    assert curator.run.remarks.set_index("remark_id").loc[remark, "topic"] == min(first, second)


def test_truncated_last_line_is_reported_and_skipped(run_folder):
    curator = Curator(run_folder)
    topic = curator.run.joint.topics[0].id
    curator.record("rename", "Ana", topics=(topic,), label="Kept label")
    with open(run_folder / "edits.jsonl", "a") as handle:
        handle.write('{"op": "rename", "author": "Ana", "topics": [')  # power cut
    reader = Curator(run_folder)
    assert reader.run.joint.topic(topic).label == "Kept label"
    reader.record("discard", "Ana", topics=(reader.run.joint.topics[-1].id,))
    assert any("cut short" in w for w in reader.warnings)
    again = Curator(run_folder)
    assert any("damaged" in w for w in again.warnings)
    same_run(again.run, reader.run)


WRITER = """
import sys
from pathlib import Path
from topics.curate.editlog import Curator
folder, author, count, topic = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
curator = Curator(folder)
for i in range(count):
    curator.record("rename", author, topics=(topic,), label=f"{author} {i}")
"""


def test_concurrent_writers_in_two_processes_keep_every_line(run_folder):
    topic = Curator(run_folder).run.joint.topics[0].id
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(run_folder), who, "15", str(topic)], stderr=subprocess.PIPE, text=True
        )
        for who in ("Ana", "Ben")
    ]
    for writer in writers:
        _, errors = writer.communicate(timeout=120)
        assert writer.returncode == 0, errors
    entries, warnings, _ = EditLog(run_folder / "edits.jsonl").read(final=True)
    assert warnings == []
    assert sorted(e.label for _, e in entries) == sorted(f"{who} {i}" for who in ("Ana", "Ben") for i in range(15))
    for who in ("Ana", "Ben"):  # each writer's own lines stay in its order
        assert [e.label for _, e in entries if e.author == who] == [f"{who} {i}" for i in range(15)]


def test_a_second_reader_sees_the_first_readers_edits(run_folder):
    tab_one, tab_two = Curator(run_folder), Curator(run_folder)
    topic = tab_one.run.joint.topics[0].id
    tab_one.record("rename", "Ana", topics=(topic,), label="From tab one")
    tab_two.record("rename", "Ben", topics=(tab_two.run.joint.topics[1].id,), label="From tab two")
    tab_one.refresh()
    assert tab_one.run.joint.topic(topic).label == "From tab one"
    assert tab_one.run.joint.topics[1].label == "From tab two"


edit_ops = edit_sequences(["merge", "rename", "discard", "move", "undo", "redo"])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=edit_ops)
def test_any_edit_sequence_replays_to_the_same_run_and_undo_all_restores_it(fitted_folder, tmp_path_factory, ops):
    folder = tmp_path_factory.mktemp("prop") / "run"
    shutil.copytree(fitted_folder, folder)
    curator = Curator(folder)
    fitted = curator.fitted
    for op, i, j in ops:
        with contextlib.suppress(TopicsInputError):
            curator.record(op, "prop", **edit_fields(curator.run, op, i, j))
        for topic in curator.run.joint.topics:  # sizes and group counts kept by edits equal a fresh count
            members = curator.run.kept.loc[curator.run.kept["topic"] == topic.id, "group"]
            assert (topic.size, topic.group_counts) == (len(members), members.value_counts().sort_index().to_dict())
    same_run(Curator(folder).run, curator.run)
    while curator.can_undo:
        curator.record("undo", "prop")
    same_run(curator.run, fitted)
    assert curator.warnings == []


def test_word_counts_saved_at_fit_time_are_reused(run_folder, monkeypatch):
    from topics.fit.topic_words import COUNTS_FILE, TopicWords

    assert (run_folder / COUNTS_FILE).exists()
    curator = Curator(run_folder)
    monkeypatch.setattr(TopicWords, "count", classmethod(lambda *a: pytest.fail("counted again")))
    ids = [t.id for t in curator.run.joint.topics]
    curator.record("merge", "Ana", topics=(ids[0], ids[1]))
    monkeypatch.undo()
    (run_folder / COUNTS_FILE).unlink()
    again = Curator(run_folder)  # a run without saved counts counts once and saves them
    same_run(again.run, curator.run)
    assert (run_folder / COUNTS_FILE).exists()


def test_damaged_but_parseable_lines_are_skipped_not_fatal(run_folder):
    curator = Curator(run_folder)
    topic = curator.run.joint.topics[0].id
    curator.record("rename", "Ana", topics=(topic,), label="Survives")
    with open(run_folder / "edits.jsonl", "a") as handle:
        for line in (
            "[1]",
            "null",
            '{"op": "rename", "author": "x"}',
            '{"op": "move", "author": "x", "to": "x"}',
            '{"op": "rename", "author": "x", "topics": [0], "label": 5}',
            '{"op": "discard", "author": "x", "topics": [999]}',
        ):
            handle.write(line + "\n")
    reader = Curator(run_folder)
    assert reader.run.joint.topic(topic).label == "Survives"
    assert sum("damaged" in w for w in reader.warnings) == 5
    assert sum("no longer applies" in w for w in reader.warnings) == 1
    reader.record("rename", "Ana", topics=(topic,), label="Still editable")
    assert Curator(run_folder).run.joint.topic(topic).label == "Still editable"


def test_merging_topics_emptied_by_moves(run_folder):
    curator = Curator(run_folder)
    a, b = curator.run.joint.topics[0].id, curator.run.joint.topics[1].id
    members = curator.run.kept.loc[curator.run.kept["topic"].isin([a, b]), "remark_id"].tolist()
    curator.record("move", "Ana", remarks=tuple(members), to=-1)
    curator.record("merge", "Ana", topics=(a, b))
    assert curator.run.joint.topic(a).size == 0


def test_a_remark_in_context_shows_the_client_turns_around_it_from_the_corpus_file(run_folder):
    from topics.analysis.remark_context import highlight, in_context

    run = load_run(run_folder)
    remark = run.kept["remark_id"].iloc[5]
    turns = in_context(run, remark, window=2)
    assert turns["this"].sum() == 1 and turns.loc[turns["this"], "remark_id"].item() == remark
    assert {"client", "therapist"} <= set(turns["role"].str.lower())  # the run itself holds therapist turns only
    assert turns["order"].is_monotonic_increasing and len(turns) <= 5
    assert highlight("Sleep, sleep and SLEEP", "sleep", lambda m: f"<{m}>") == "<Sleep>, <sleep> and <SLEEP>"
    with pytest.raises(TopicsInputError, match="no remark 'nope'"):
        in_context(run, "nope")
