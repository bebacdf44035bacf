"""The Streamlit explorer through AppTest: every page renders, and edits made with widgets reach the disk."""

import dataclasses
import json

import pandas as pd
import pytest
from conftest import ROOT
from streamlit.testing.v1 import AppTest

from topics import load_run


@pytest.fixture(scope="module")
def fitted_folder(tmp_path_factory):
    from conftest import FakeEncoder

    from topics.core.config import load_config
    from topics.fit.pipeline import fit_run

    config = load_config("configs/tiny.yaml", ["cluster.cluster_selection_method=leaf"])
    return fit_run(config, out=tmp_path_factory.mktemp("explorer") / "run", encoder=FakeEncoder()).path


def page_app(name):
    import importlib

    from topics.explorer import common

    common.sidebar()
    importlib.import_module(f"topics.explorer.{name}").render()


def open_page(name, folder, author=None):
    app = AppTest.from_function(page_app, args=(name,), default_timeout=60)
    app.session_state["run_path"] = str(folder)
    if author:
        app.session_state["author"] = author
    app.run()
    assert not app.exception, app.exception
    return app


def labels_of(folder):
    from topics import load_run

    return [t.label for t in load_run(folder).joint.topics]


def picker(app, key):
    """A topic selector of the Curate page (its widget key carries the curation's revision)."""
    return next(s for s in app.selectbox if s.key and s.key.startswith(f"{key}@"))


def edit_tables(app):
    """The Curate page's tables of edits: those in effect, then the whole log."""
    return [frame.value for frame in app.dataframe if "edit" in frame.value.columns]


def button(app, label):
    return next(b for b in app.button if b.label == label)


def test_app_entry_point_opens_the_overview(run_folder):
    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    app.session_state["run_path"] = str(run_folder)
    app.run()
    assert not app.exception, app.exception
    assert app.title[0].value == "Run run"
    table = app.dataframe[0].value
    assert table["label"].tolist() == labels_of(run_folder)


@pytest.mark.parametrize("name", ["overview", "topic", "remarks", "groups", "sessions", "curate", "report"])
def test_every_page_renders_with_topic_labels(run_folder, name):
    app = open_page(name, run_folder)
    shown = " ".join(str(e.value) for kind in ("title", "markdown", "caption", "subheader") for e in getattr(app, kind))
    shown += " ".join(" ".join(map(str, df.value.astype(str).values.ravel())) for df in app.dataframe)
    shown += " ".join(" ".join(map(str, s.options)) for s in app.selectbox)
    first = labels_of(run_folder)[0]
    assert first in shown


def test_topic_page_searches_and_pages_its_remarks(run_folder):
    app = open_page("topic", run_folder)
    remarks = next(df.value for df in app.dataframe if "text" in df.value and "similarity" not in df.value)
    assert 0 < len(remarks) <= 25
    word = remarks["text"].iloc[0].split()[0]
    app.text_input(key="topic_search").input(word).run()
    assert not app.exception
    assert any("remark(s) shown" in c.value for c in app.caption)


def test_topic_page_lists_the_short_remarks_attached_to_it(run_folder):
    from topics import load_run

    run = load_run(run_folder)
    app = open_page("topic", run_folder)
    topic = app.session_state["topic_id"]
    attached = run.remarks[run.remarks["attached"] & (run.remarks["topic"] == topic).fillna(False)]
    assert len(attached) > 0, "the tiny corpus should attach short remarks to its first topic"
    assert any(e.label.startswith(f"Short remarks attached to this topic ({len(attached)})") for e in app.expander)
    table = next(df.value for df in app.dataframe if "similarity" in df.value)
    floor = run.config["assign"]["min_similarity"]
    assert set(table["remark_id"]) == set(attached["remark_id"]) and (table["similarity"] >= floor).all()


def test_rename_merge_undo_and_discard_through_the_widgets(run_folder):
    app = open_page("curate", run_folder, author="Dr Ana")
    chooser = picker(app, "rename_topic_joint")
    second = chooser.options[1]
    chooser.select(second).run()
    fitted = {t.id: t.label for t in load_run(run_folder).joint.topics}
    renamed_id = int(second.split(":")[0])
    app.text_input(key="rename_label").input("Homework and agenda")
    button(app, "Rename").click().run()
    assert not app.exception, app.exception
    assert "Homework and agenda" in labels_of(run_folder)
    entry = json.loads((run_folder / "edits.jsonl").read_text().splitlines()[-1])
    assert entry["op"] == "rename" and entry["author"] == "Dr Ana"
    # the selector stays on the topic just renamed, the form is cleared, the message names the old label
    renamed = picker(app, "rename_topic_joint")
    assert renamed.options[1] == f"{renamed.value}: Homework and agenda"  # the value is the topic id
    assert app.text_input(key="rename_label").value == ""
    renaming = (
        f"Renamed topic {renamed_id} {fitted[renamed_id]!r} to 'Homework and agenda'"  # the old label, not the new
    )
    assert [m.value for m in app.success] == [f"Saved. {renaming}."]
    assert edit_tables(app)[0]["edit"].tolist() == [renaming]

    before = len(labels_of(run_folder))
    merge = app.multiselect(key="merge_topics_joint")
    ids = merge.options
    merge.select(ids[2]).select(ids[3]).run()
    a, b = (int(option.split(":")[0]) for option in ids[2:4])
    assert any(m.value.startswith("**Preview:** 2 topics") for m in app.markdown)  # shown before anything is saved
    assert len(labels_of(run_folder)) == before
    app.text_input(key="merge_label").input("Feelings in the room")
    button(app, "Merge 2 topics").click().run()
    assert not app.exception, app.exception
    assert len(labels_of(run_folder)) == before - 1 and "Feelings in the room" in labels_of(run_folder)
    labels = {renamed_id: "Homework and agenda"}
    merging = (
        f"merged topic {a} {labels.get(a, fitted[a])!r} and topic {b} {labels.get(b, fitted[b])!r} "
        "as 'Feelings in the room'"
    )
    assert edit_tables(app)[0]["edit"].tolist() == [renaming, merging[0].upper() + merging[1:]]
    assert f"Undoes: {merging[0].upper() + merging[1:]}" in [c.value for c in app.caption]

    button(app, "Undo last edit").click().run()
    assert len(labels_of(run_folder)) == before
    assert [m.value for m in app.success] == [f"Saved. Undid: {merging}."]
    assert f"Redoes: {merging[0].upper() + merging[1:]}" in [c.value for c in app.caption]
    button(app, "Redo").click().run()
    assert [m.value for m in app.success] == [f"Saved. Redid: {merging}."]
    assert "Feelings in the room" in labels_of(run_folder)
    in_effect, log = edit_tables(app)
    assert in_effect["who"].tolist() == ["Dr Ana"] * 2
    assert in_effect["edit"].tolist() == [renaming, merging[0].upper() + merging[1:]]
    # the full log: the undo and redo name the merge as it was made
    assert log["edit"].tolist()[-2:] == [f"Undid: {merging}", f"Redid: {merging}"]

    gone = picker(app, "discard_topic_joint").options[-1]
    picker(app, "discard_topic_joint").select(gone)
    button(app, "Discard").click().run()
    assert gone.split(": ", 1)[1] not in labels_of(run_folder)


def test_merging_more_than_two_topics_asks_for_confirmation(run_folder):
    app = open_page("curate", run_folder, author="Dr Ana")
    merge = app.multiselect(key="merge_topics_joint")
    for topic in merge.options[:3]:
        merge.select(topic)
    merge.run()
    before = len(labels_of(run_folder))
    button(app, "Merge 3 topics").click().run()
    assert any("Tick the confirmation" in e.value for e in app.error)
    assert len(labels_of(run_folder)) == before and not (run_folder / "edits.jsonl").exists()
    app.checkbox(key="merge_confirm").check()
    button(app, "Merge 3 topics").click().run()
    assert not app.exception and len(labels_of(run_folder)) == before - 2


def test_the_author_s_name_survives_a_reload(run_folder):
    app = open_page("curate", run_folder)
    app.sidebar.text_input[0].set_value("Dr Cleo").run()
    assert app.query_params["author"] == "Dr Cleo"
    reloaded = AppTest.from_function(page_app, args=("curate",), default_timeout=60)  # a new session, same address
    reloaded.session_state["run_path"] = str(run_folder)
    reloaded.query_params["author"] = "Dr Cleo"
    reloaded.run()
    assert not reloaded.exception and reloaded.sidebar.text_input[0].value == "Dr Cleo"


def test_edits_need_an_author(run_folder):
    app = open_page("curate", run_folder)
    app.text_input(key="rename_label").input("Anonymous label")
    button(app, "Rename").click().run()
    assert any("Enter your name" in e.value for e in app.error)
    assert not (run_folder / "edits.jsonl").exists()


def test_remarks_page_shows_set_aside_remarks_on_request(run_folder):
    from topics import load_run

    run = load_run(run_folder)
    app = open_page("remarks", run_folder)
    # without the switch: the remarks in the model, each saying how it was placed; short ones included
    assert any(c.value.startswith(f"{len(run.placed):,} remark(s) found") for c in app.caption)
    placed = set(app.dataframe[0].value["placed"])
    assert placed == {"clustered", "attached (short)"}
    app.checkbox(key="remarks_aside").check().run()
    assert not app.exception, app.exception
    assert any(c.value.startswith(f"{len(run.remarks):,} remark(s) found") for c in app.caption)
    table = app.dataframe[0].value
    assert "set aside" in table["topic label"].tolist() and "set aside: backchannel" in set(table["placed"])


def tick(app, key, rows):
    """Tick rows of a table (what a click on its row checkboxes does) and run the page again."""
    app.session_state[key] = {"selection": {"rows": list(rows), "columns": [], "cells": []}}
    return app.run()


def test_a_remark_of_a_topic_opens_in_its_session(run_folder):
    app = open_page("topic", run_folder)
    tick(app, "topic_table", [0])
    assert not app.exception, app.exception
    assert any(m.value.startswith("**▶ Therapist") for m in app.markdown)


def test_moving_ticked_remarks_from_the_remarks_page(run_folder):
    from topics import load_run

    app = open_page("remarks", run_folder, author="Dr Ben")
    table = app.dataframe[0].value
    tick(app, "remarks_table", [0, 1])
    picker(app, "remarks_target").select("Outliers (no topic)").run()
    button(app, "Move 2 remark(s)").click().run()
    assert not app.exception, app.exception
    remarks = load_run(run_folder).remarks.set_index("remark_id")
    assert (remarks.loc[table["remark_id"].iloc[:2], "topic"] == -1).all()
    assert any("Moved 2 remark(s) to the outliers" in m.value for m in app.success)


def test_a_ticked_remark_opens_in_its_session_with_client_turns_and_the_search_term_marked(run_folder):
    app = open_page("remarks", run_folder)
    app.text_input(key="remarks_search").input("sleep").run()
    tick(app, "remarks_table", [0])
    assert not app.exception, app.exception
    lines = [m.value for m in app.markdown]
    assert any(line.startswith("**▶ Therapist") and ":orange-background[" in line.lower() for line in lines)
    assert any(line.startswith(":gray[Client") for line in lines)  # what the client said around it


def test_a_damaged_run_folder_gets_a_message_not_a_traceback(run_folder):
    (run_folder / "remarks.parquet").unlink()
    app = open_page("overview", run_folder)
    assert any("remarks.parquet" in e.value and "cannot be opened" in e.value for e in app.error)


def test_a_run_from_an_older_format_gets_a_message(run_folder):
    provenance = json.loads((run_folder / "provenance.json").read_text())
    (run_folder / "provenance.json").write_text(json.dumps({**provenance, "format_version": 0}))
    app = open_page("topic", run_folder)
    assert any("format 0 is not a format this version reads" in e.value for e in app.error)


def test_stability_badges_and_group_intervals_are_shown(run_folder):
    from topics import load_run
    from topics.fit import stability

    run = load_run(run_folder)
    scores = {t.id: (1.0 if i % 2 == 0 else 0.4) for i, t in enumerate(run.joint.topics)}
    fake = stability.Stability(
        [7, 8],
        0.8,
        pd.DataFrame(
            [
                {"topic": t, "label": "", "stability": s, "stable": s >= 0.8, "mean_similarity": s, "mean_jaccard": s}
                for t, s in scores.items()
            ]
        ),
        pd.DataFrame([{"seed_a": 7, "seed_b": 8, "ari": 1.0, "nmi": 1.0}]),
        {7: 3, 8: 3},
    )
    stability.write(fake, run_folder)
    overview = open_page("overview", run_folder)
    column = overview.dataframe[0].value["stability"].tolist()
    assert column[0].startswith("stable") and column[1].startswith("unstable")
    topic = open_page("topic", run_folder)
    assert any("stable: reappears in 100% of refits" in m.value for m in topic.markdown)
    from topics.curate.editlog import Curator

    ids = [t.id for t in run.joint.topics]
    Curator(run_folder).record("merge", "Ana", topics=(ids[0], ids[1]))
    merged = open_page("overview", run_folder).dataframe[0].value
    assert merged.set_index("id").loc[ids[0], "stability"] == "edited since measured"
    groups = open_page("groups", run_folder)
    table = groups.dataframe[0].value
    assert {"kind", "evidence", "CBT"} <= set(table.columns) and table["CBT"].str.contains(r"\(").all()


def test_classifier_f1_is_shown_beside_the_topics_while_current(run_folder):
    from topics.curate import classifier
    from topics.curate.editlog import Curator

    classifier.train(Curator(run_folder), folds=3)
    f1 = classifier.topic_f1(Curator(run_folder))
    table = open_page("overview", run_folder).dataframe[0].value.set_index("id")
    assert table["classifier F1"].dropna().to_dict() == pytest.approx({t: round(v, 2) for t, v in f1.items()})
    topic = open_page("topic", run_folder)
    shown = topic.session_state["topic_id"]
    assert any(f"classifier F1 {f1[shown]:.2f} on held-out sessions" in m.value for m in topic.markdown)
    Curator(run_folder).record("discard", "Ana", topics=(shown,))  # the classifier no longer fits the curation
    assert "classifier F1" not in open_page("overview", run_folder).dataframe[0].value


def test_report_page_offers_the_report_for_download(run_folder):
    app = open_page("report", run_folder)
    downloads = app.get("download_button")
    assert len(downloads) == 1
    assert any("example remarks each (redacted)" in c.value for c in app.caption)
    app.radio(key="report_format").set_value("Markdown").run()
    assert not app.exception
    app.checkbox(key="report_redact").uncheck().run()
    assert any("verbatim" in w.value for w in app.warning)


@pytest.mark.parametrize("name", ["overview", "topic", "remarks", "words", "groups", "curate", "report"])
def test_privacy_mode_shows_no_name_on_any_page(run_folder, name):
    from topics.curate.editlog import Curator

    curator = Curator(run_folder)
    first = curator.run.joint.topics[0].id
    curator.record("rename", "Ana", topics=(first,), label="Jennifer at 14 Elm Street")

    def everything(app):
        shown = " ".join(
            str(e.value)
            for kind in ("title", "markdown", "caption", "subheader", "success")
            for e in getattr(app, kind)
        )
        shown += " ".join(" ".join(map(str, df.value.astype(str).values.ravel())) for df in app.dataframe)
        return shown + " ".join(" ".join(map(str, s.options)) for s in app.selectbox)

    app = AppTest.from_function(page_app, args=(name,), default_timeout=60)
    app.session_state["run_path"] = str(run_folder)
    app.session_state["privacy"] = True
    app.run()
    assert not app.exception, app.exception
    private = everything(app)
    assert "Jennifer" not in private and "Elm Street" not in private
    if name in ("overview", "topic", "curate", "report"):
        assert "[NAME]" in private
    if name not in ("remarks", "words", "groups", "report"):  # the report page redacts whatever the mode
        assert "Jennifer" in everything(open_page(name, run_folder))  # privacy mode off: the label as given


def test_the_words_page_finds_the_topics_of_a_word_with_weights_and_remarks(run_folder):
    import re

    from topics.analysis.word_lookup import term_spans, word_topics
    from topics.curate.editlog import Curator

    curator = Curator(run_folder)
    topic = curator.run.joint.topics[0]
    word = topic.top_words(1)[0]
    table = word_topics(curator.run, curator.words, word)
    assert table["topic"].iloc[0] == topic.id  # the topic whose top word it is weighs it most
    # its heaviest form is the top word itself, so the weight is the one the topic's word list shows
    assert table["weight"].iloc[0] == pytest.approx(topic.words[0][1], rel=0.05)
    assert word in table["forms"].iloc[0]
    assert all(
        term_spans(quote, word, language)
        for quotes, languages in zip(table["examples"], table["languages"])
        for quote, language in zip(quotes, languages)
    )
    app = open_page("words", run_folder)
    app.text_input(key="words_term").input(word).run()
    assert not app.exception, app.exception
    assert app.dataframe[0].value["topic"].iloc[0] == topic.id
    assert word in app.dataframe[0].value["forms"].iloc[0]
    # the page shows how strongly the word marks each topic against its top word (100), not a raw c-TF-IDF weight
    assert "weight" not in app.dataframe[0].value and app.dataframe[0].value["marks the topic"].iloc[0] == 100
    marked = [m.value for m in app.markdown if ":orange-background[" in m.value]
    assert marked
    for line in marked:  # whole words: a mark never starts or ends inside a word
        assert not re.search(r"\w:orange-background\[|:orange-background\[[^\]]*\]\w", line)
    app.text_input(key="words_term").input("zzzqqq").run()
    assert any("No remark in the model says" in i.value for i in app.info)


def test_the_server_opens_the_run_before_streamlit_takes_over(run_folder, monkeypatch):
    """``topics explore``'s server process reads the run once, into the cache the pages read, before any visitor."""
    import sys

    from streamlit.web import cli

    from topics.curate.editlog import Curator
    from topics.explorer import common, serve

    common.curator_for.clear()
    handed_over = {}

    def streamlit_main():
        handed_over["argv"] = list(sys.argv)
        opened = []
        monkeypatch.setattr(common, "Curator", lambda path: opened.append(path) or Curator(path))
        handed_over["curator"] = common.curator_for(str(run_folder))  # what the first page asks for
        handed_over["opened again"] = opened
        return 0

    monkeypatch.setattr(cli, "main", streamlit_main)
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    with pytest.raises(SystemExit) as stopped:
        serve.main(["--server.port", "8599", "--", str(run_folder)])
    assert stopped.value.code == 0
    assert handed_over["argv"] == ["streamlit", "run", str(serve.APP), "--server.port", "8599", "--", str(run_folder)]
    assert handed_over["opened again"] == []  # the first page finds the run already open
    assert handed_over["curator"].path == run_folder
    common.curator_for.clear()


def test_the_server_stops_with_a_message_on_a_damaged_run(run_folder):
    import subprocess
    import sys

    (run_folder / "remarks.parquet").write_bytes(b"not parquet")
    result = subprocess.run(
        [sys.executable, "-m", "topics.explorer.serve", "--server.port", "8598", "--", str(run_folder)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "remarks.parquet: cannot be read" in result.stderr and "Traceback" not in result.stderr
    assert not [noise for noise in STREAMLIT_NOISE if noise in result.stderr], result.stderr


#: what Streamlit logs when its API is used before its runtime exists, as the server's priming does on purpose
STREAMLIT_NOISE = ("No runtime found", "missing ScriptRunContext")


def test_the_server_starts_without_streamlit_bare_mode_warnings(run_folder, tmp_path):
    """The command ``topics explore`` runs, started for real: its stderr has none of Streamlit's warnings about
    running without a runtime (the pages are imported and the run opened before the runtime exists)."""
    import os
    import signal
    import socket
    import subprocess
    import time
    import urllib.request

    from topics.explorer.launch import streamlit_command

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with open(tmp_path / "stderr", "w+") as stderr:
        server = subprocess.Popen(
            streamlit_command(run_folder, port), stdout=subprocess.DEVNULL, stderr=stderr, start_new_session=True
        )
        try:
            deadline = time.time() + 90
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
                    break
                except OSError:
                    assert time.time() < deadline and server.poll() is None, "the explorer did not start"
                    time.sleep(0.5)
        finally:
            os.killpg(server.pid, signal.SIGTERM)  # its own process group: stopped by PID, whatever happens
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(10)
        stderr.seek(0)
        logged = stderr.read()
    assert not [noise for noise in STREAMLIT_NOISE if noise in logged], logged
    assert "Traceback" not in logged, logged


def test_the_overview_puts_every_groups_share_before_the_words_and_counts_only_backchannels_as_set_aside(run_folder):
    from topics import load_run

    run = load_run(run_folder)
    app = open_page("overview", run_folder)
    columns = list(app.dataframe[0].value.columns)
    groups = sorted(run.kept["group"].dropna().unique())
    # narrow share columns right after the size, the wide words last: the shares stay on screen at 1400 px
    assert columns[: 4 + len(groups)] == ["id", "label", "size", "% of all", *(f"% {g}" for g in groups)]
    assert columns[-1] == "top words"
    cleaning = run.provenance["cleaning"]
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Set aside"] == f"{cleaning['backchannel'] + cleaning['empty']:,}"
    assert metrics["Remarks in the model"] == f"{len(run.placed):,}" == f"{cleaning['kept'] + cleaning['too_short']:,}"
    # without corpus.group_label the groups are named by the corpus' own column, not "Groups by group"
    assert any("Groups by school: CBT (" in c.value for c in app.caption)


def test_remark_tables_name_metadata_columns_as_a_reader_would(run_folder):
    app = open_page("topic", run_folder)
    headings = [h.value for h in app.subheader]
    assert "By presenting problem" in headings and not any("_" in h for h in headings)


def test_the_topic_page_shows_word_weights_relative_to_the_top_word_and_the_raw_c_tf_idf_only_on_request(run_folder):
    from topics import load_run

    app = open_page("topic", run_folder)
    topic = load_run(run_folder).joint.topic(app.session_state["topic_id"])
    caption = next(c for c in app.caption if c.value.startswith("Words ranked"))
    assert "how much more this topic uses them than the other topics do" in caption.value
    assert "c-TF-IDF" not in caption.value and "c-TF-IDF" in caption.proto.help  # the raw measure in the help only
    chart = json.loads(app.get("plotly_chart")[0].proto.spec)["data"][0]
    assert chart["y"] == [w for w, _ in topic.words] and chart["x"][0] == 100
    assert chart["x"] == pytest.approx([100 * s / topic.words[0][1] for _, s in topic.words])
    assert chart["customdata"] == pytest.approx([s for _, s in topic.words])  # raw weights in the hover


def test_sessions_page_draws_a_session_s_strip_its_turns_and_the_findings(run_folder):
    """The demo corpus keeps the client's turns: the strip holds a cell per turn, the stretch reads them in
    order, and the findings over every session follow."""
    app = open_page("sessions", run_folder)
    run = load_run(run_folder)
    first = sorted(run.remarks["session"].astype(str).unique())[0]
    assert app.selectbox(key="sessions_session").value == first
    turns = (run.remarks["session"].astype(str) == first).sum() + (
        run.client_turns["session"].astype(str) == first
    ).sum()
    strip = next(h.proto.body for h in app.get("html") if "<svg" in h.proto.body)
    assert strip.count("<rect") >= turns and f"Session {first}" in strip
    read = [m.value.lstrip("*") for m in app.markdown if m.value.lstrip("*")[:1].isdigit()]
    assert read[0].startswith("1. ") and len(read) == min(turns, 12)
    assert any("Across sessions" in s.value for s in app.subheader)
    # the demo's client turns hold no label, and its one label of remarks has 30 values: nothing to follow
    assert app.selectbox(key="sessions_client_label").options == ["(none)"]
    assert app.selectbox(key="sessions_therapist_label").options == ["(none)"]
    assert {"Phase", "Transitions"} <= {e.label for e in app.expander}


def test_sessions_page_reads_a_session_of_one_turn(run_folder):
    remarks = pd.read_parquet(run_folder / "remarks.parquet")
    remarks.loc[0, "session"] = "solo"
    remarks.to_parquet(run_folder / "remarks.parquet", index=False)
    app = open_page("sessions", run_folder)
    app.selectbox(key="sessions_session").select("solo").run()
    assert not app.exception, app.exception
    assert [m.value for m in app.markdown if m.value.startswith("**1. Therapist**")]


def test_pages_cached_across_visits_show_an_edit_made_after_they_were_drawn(run_folder):
    """The group findings and privacy mode's redacted run are computed once per run and state of the curation
    for every tab; an edit made elsewhere (another tab, the command line) after a page was drawn
    shows on its next draw, in the same tab and in a new one."""
    from topics.curate.editlog import Curator

    groups = open_page("groups", run_folder)
    private = AppTest.from_function(page_app, args=("overview",), default_timeout=60)
    private.session_state["run_path"] = str(run_folder)
    private.session_state["privacy"] = True
    private.run()
    curator = Curator(run_folder)
    first, second = (t.id for t in curator.run.joint.topics[:2])
    curator.record("rename", "Ana", topics=(first,), label="Renamed after drawing")

    def label_of(table, topic):
        return table.set_index("topic" if "topic" in table else "id").loc[topic, "label"]

    for app in (groups, open_page("groups", run_folder)):
        app.run()
        assert label_of(app.dataframe[0].value, first) == "Renamed after drawing"
    private.run()
    assert label_of(private.dataframe[0].value, first) == "Renamed after drawing"  # nothing in it to redact

    curator.record("merge", "Ana", topics=(first, second), label="Merged after drawing")  # the findings change
    groups.run()
    table = groups.dataframe[0].value
    assert second not in set(table["topic"]) and label_of(table, first) == "Merged after drawing"
    private.run()
    assert second not in set(private.dataframe[0].value["id"])


def test_privacy_mode_redacts_a_curated_run_from_the_fitted_run_s_texts_as_from_scratch(run_folder):
    """Redacting the texts once per run (edits change no text) gives what redacting each state would."""
    from topics.curate.editlog import Curator
    from topics.share.redact import redact_run, redacted_texts

    curator = Curator(run_folder)
    texts = redacted_texts(curator.fitted)
    ids = curator.run.kept["remark_id"].head(3).tolist()
    curator.record("move", "Ana", remarks=tuple(ids), to=-1)
    curator.record("rename", "Ana", topics=(curator.run.joint.topics[0].id,), label="Jennifer at 14 Elm Street")
    fast, slow = redact_run(curator.run, texts), redact_run(curator.run)
    pd.testing.assert_frame_equal(fast.remarks, slow.remarks)
    pd.testing.assert_frame_equal(fast.client_turns, slow.client_turns)
    assert fast.joint.topics[0].label == slow.joint.topics[0].label != "Jennifer at 14 Elm Street"
    fewer = curator.run.remarks[curator.run.remarks["session"] != curator.run.remarks["session"].iloc[0]]
    shorter = dataclasses.replace(curator.run, remarks=fewer.reset_index(drop=True))  # as after a withdrawn session
    pd.testing.assert_frame_equal(redact_run(shorter, texts).remarks, redact_run(shorter).remarks)
