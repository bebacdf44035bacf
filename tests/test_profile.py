"""Session profiles: held-out sessions mostly within their group, a planted session flagged, bad input refused.

The run is fitted with the real packaged MiniLM on 27 of the demo's 36
sessions (PCA, fast); the other 9 are new sessions from the same schools.
"""

import pandas as pd
import pytest
from conftest import ROOT, topics_cmd

from topics.analysis.profile import profile_file
from topics.curate.editlog import Curator

DEMO = ROOT / "corpora" / "demo" / "demo_sessions.csv"


@pytest.fixture(scope="module")
def split(tmp_path_factory):
    """(run folder, file of held-out sessions): the run never saw the held-out sessions."""
    folder = tmp_path_factory.mktemp("profile")
    demo = pd.read_csv(DEMO)
    sessions = sorted(demo["session_id"].unique())
    held_out = sessions[::4]
    demo[~demo["session_id"].isin(held_out)].to_csv(folder / "reference.csv", index=False)
    demo[demo["session_id"].isin(held_out)].to_csv(folder / "new.csv", index=False)
    run = folder / "run"
    fitted = topics_cmd(
        "fit",
        "configs/tiny.yaml",
        "--out",
        run,
        "--set",
        f"corpus.path={folder / 'reference.csv'}",
        "--set",
        "fit.modes=[joint]",
        "--set",
        "reduce.method=umap",
    )  # PCA finds 2 topics, UMAP ~25
    assert fitted.returncode == 0, fitted.stderr
    return run, folder / "new.csv"


def test_held_out_sessions_lie_within_their_own_school_s_range(split):
    run, new = split
    profiles = profile_file(Curator(run), new)
    schools = pd.read_csv(new).drop_duplicates("session_id").set_index("session_id")["school"].astype(str)
    assert len(profiles) == len(schools) == 9
    flagged = [int((p.table[f"vs {schools[p.session]}"] != "within").sum()) for p in profiles]
    tests = sum(len(p.table) for p in profiles)
    # a new session of the same school is no finding: at most 5 % of its topic checks may say otherwise
    assert sum(flagged) / tests <= 0.05, flagged
    for p in profiles:
        assert (p.table["high"] > p.table["low"]).all()  # no zero-width interval, even for 0 remarks
        school = schools[p.session]
        assert (p.table[f"{school} high"] > p.table[f"{school} low"]).all()
        assert (p.table[f"{school} sessions to"] >= p.table[f"{school} sessions from"]).all()


def test_a_session_made_of_one_topic_is_flagged_above_every_school(split, tmp_path):
    run, _ = split
    curated = Curator(run).run
    kept = curated.kept
    # a topic that is a small part of every school's remarks: a whole session of it is unheard of
    small = [t for t in curated.joint.topics if t.size >= 12 and max(t.group_counts.values()) < 0.1 * len(kept) / 4]
    biggest = max(small, key=lambda t: t.size)
    texts = kept.loc[kept["topic"] == biggest.id, "text"].head(30).tolist()
    planted = pd.DataFrame(
        {
            "session_id": "planted",
            "school": "",
            "turn": range(len(texts)),
            "speaker": "therapist",
            "text": texts,
            "presenting_problem": "",
        }
    )
    planted.to_csv(tmp_path / "planted.csv", index=False)
    (profile,) = profile_file(Curator(run), tmp_path / "planted.csv")
    row = profile.table.set_index("topic").loc[biggest.id]
    assert row["share"] > 0.5
    groups = [c.removeprefix("vs ") for c in profile.table.columns if c.startswith("vs ")]
    assert len(groups) == 4 and all(row[f"vs {g}"] == "above" for g in groups)
    assert any(f"'{biggest.label}'" in finding and "above" in finding for finding in profile.findings)


def test_a_session_of_the_run_s_own_corpus_is_left_out_of_the_reference_and_the_profile_says_so(split, tmp_path):
    """Set against a reference that holds it, a corpus session would look typical for that reason alone."""
    from topics.analysis.profile import reference_assignment

    run, new = split
    curator = Curator(run)
    reference = pd.read_csv(run.parent / "reference.csv")
    own = min(reference["session_id"].unique())
    school = str(reference.loc[reference["session_id"] == own, "school"].iloc[0])
    reference[reference["session_id"] == own].to_csv(tmp_path / "own.csv", index=False)
    (fresh,) = profile_file(curator, new, session=str(pd.read_csv(new)["session_id"].iloc[0]))
    (profile,) = profile_file(curator, tmp_path / "own.csv")
    assert fresh.left_out == [] and profile.left_out == [own]
    assert "also in the run's own corpus" in profile.findings[0] and "left out of the reference" in profile.findings[0]
    assert profile.reference_sessions == fresh.reference_sessions | {school: fresh.reference_sessions[school] - 1}
    # the school's share is that of its other sessions' placed remarks
    remarks = reference_assignment(curator)
    placed = remarks[(remarks["kept"] | remarks["attached"]) & remarks["topic"].notna() & (remarks["group"] == school)]
    others = placed[placed["session"] != own]
    table = profile.table.set_index("topic")
    for topic in table.index:
        assert table.loc[topic, f"{school} share"] == pytest.approx((others["topic"] == topic).mean())
    with_it = fresh.table.set_index("topic")[f"{school} share"]
    assert not table[f"{school} share"].reindex(with_it.index).equals(with_it)

    # a renamed copy is the same session; another session under its name is not
    reference[reference["session_id"] == own].assign(session_id="copy").to_csv(tmp_path / "copy.csv", index=False)
    (copy,) = profile_file(curator, tmp_path / "copy.csv")
    assert copy.left_out == [own] and f"as session '{own}'" in copy.findings[0]
    pd.read_csv(new).assign(session_id=own).to_csv(tmp_path / "clash.csv", index=False)
    (clash,) = profile_file(curator, tmp_path / "clash.csv")
    assert clash.left_out == [] and clash.reference_sessions == fresh.reference_sessions
    assert any(f"has a session named '{own}' too, but with other remarks" in f for f in clash.findings)


def test_profile_command_prints_one_session_and_writes_its_table(split, tmp_path):
    run, new = split
    session = str(pd.read_csv(new)["session_id"].iloc[0])
    out = tmp_path / "profile.csv"
    result = topics_cmd("profile", run, new, "--session", session, "--out", out)
    assert result.returncode == 0, result.stderr
    assert f"Session {session}:" in result.stdout and "range of shares a session of this length" in result.stdout
    table = pd.read_csv(out)
    assert set(table["session"].astype(str)) == {session} and {"share", "low", "high", "vs CBT"} <= set(table.columns)


def test_a_file_without_a_session_column_is_one_session(split, tmp_path):
    run, new = split
    one = pd.read_csv(new).drop(columns=["session_id", "school", "presenting_problem"])
    one.to_csv(tmp_path / "trainee.csv", index=False)
    profiles = profile_file(Curator(run), tmp_path / "trainee.csv")
    assert [p.session for p in profiles] == ["trainee"]


@pytest.mark.parametrize("case", ["unknown session", "wrong columns"])
def test_bad_input_is_one_clear_message_and_nothing_written(split, tmp_path, case):
    run, new = split
    out = tmp_path / "profile.csv"
    if case == "unknown session":
        result = topics_cmd("profile", run, new, "--session", "no-such-session", "--out", out)
        expected = "no session 'no-such-session' in this file; its sessions are"
    else:
        pd.read_csv(new).rename(columns={"text": "utterance"}).to_csv(tmp_path / "other.csv", index=False)
        result = topics_cmd("profile", run, tmp_path / "other.csv", "--out", out)
        expected = "need the columns of the corpus it was fitted on"
    assert result.returncode == 2 and expected in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


@pytest.mark.slow  # the report command in a subprocess
def test_report_profile_is_in_the_report_and_redacted(split, tmp_path):
    run, new = split
    frame = pd.read_csv(new)
    first = frame["session_id"].iloc[0]
    frame.loc[frame["session_id"] == first, "session_id"] = "call 555-867-5309"
    frame.to_csv(tmp_path / "named.csv", index=False)
    for fmt in ("md", "html"):
        out = tmp_path / f"report.{fmt}"
        result = topics_cmd("report", run, "--format", fmt, "--out", out, "--profile", tmp_path / "named.csv")
        assert result.returncode == 0, result.stderr
        text = out.read_text()
        assert text.count("against the reference groups") == frame["session_id"].nunique()
        assert "555-867-5309" not in text and "[PHONE]" in text


def test_explorer_profiles_an_uploaded_transcript(split):
    from streamlit.testing.v1 import AppTest
    from test_explorer import page_app

    from topics.explorer.profile import UPLOAD_KEY

    run, new = split
    app = AppTest.from_function(page_app, args=("profile",), default_timeout=120)
    app.session_state["run_path"] = str(run)
    app.session_state[UPLOAD_KEY] = ("new.csv", new.read_bytes())
    app.run()
    assert not app.exception, app.exception
    sessions = [str(s) for s in pd.read_csv(new)["session_id"].unique()]
    assert list(map(str, app.selectbox(key="profile_session").options)) == sessions
    table = app.dataframe[0].value
    assert {"this session (%)", "vs CBT", "CBT sessions range (%)"} <= set(table.columns)
    app.selectbox(key="profile_session").select(sessions[1]).run()
    assert not app.exception and app.subheader[0].value == f"Session {sessions[1]}"
    report = AppTest.from_function(page_app, args=("report",), default_timeout=120)
    report.session_state["run_path"] = str(run)
    report.session_state[UPLOAD_KEY] = ("new.csv", new.read_bytes())
    report.run()
    assert report.checkbox(key="report_profile").value is True


def test_the_profile_page_shows_the_library_s_warning_about_an_uploaded_transcript(split, tmp_path):
    """Part of an uploaded transcript is in a language the run's encoder does not speak: the warning that `topics
    profile` prints (the one warning channel) is on the page, and stays there when the page reruns."""
    from streamlit.testing.v1 import AppTest
    from test_explorer import page_app

    from topics.explorer.profile import UPLOAD_KEY

    run, new = split
    english = pd.read_csv(new)
    russian = pd.read_csv(ROOT / "corpora" / "demo" / "demo_multilingual.csv")
    russian = russian[russian["session_id"] == sorted(russian["session_id"][russian["language"] == "ru"])[0]]
    upload = tmp_path / "mixed.csv"
    pd.concat([english, russian[english.columns]]).to_csv(upload, index=False)
    app = AppTest.from_function(page_app, args=("profile",), default_timeout=180)
    app.session_state["run_path"] = str(run)
    app.session_state[UPLOAD_KEY] = ("mixed.csv", upload.read_bytes())
    app.run()
    assert not app.exception, app.exception
    said = [w.value for w in app.warning if "does not cover ru" in w.value]
    assert said and "Refit the run with embed.model: multilingual" in said[0]
    app.run()
    assert any("does not cover ru" in w.value for w in app.warning)
