"""Label drafts from a local OpenAI-compatible endpoint: a stand-in server on 127.0.0.1 answers over real HTTP,
well, late, wrongly or not at all; the word-based drafts stay whenever it fails, and nothing leaves unredacted."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import ROOT, fake_fitted_run, topics_cmd
from test_explorer import open_page

from topics.core.errors import TopicsInputError
from topics.core.run import Topic, TopicRun, TopicSet
from topics.curate.label_drafts import draft_labels
from topics.share import label_endpoint
from topics.share.label_endpoint import endpoint_drafts, label_settings, parse, remote_warning

PLANTED = "write to donna.fletcher@example.org or call 07700 900123"


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    """The stand-in server (tests/endpoint_standin.py) in its own process: its base URL and request log."""
    folder = tmp_path_factory.mktemp("standin")
    port_file, log = folder / "port", folder / "requests.jsonl"
    process = subprocess.Popen([sys.executable, str(ROOT / "tests" / "endpoint_standin.py"), port_file, log, "300"])
    try:
        for _ in range(100):
            if port_file.exists() and port_file.read_text():
                break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port_file.read_text()}", log
    finally:
        os.kill(process.pid, signal.SIGTERM)  # stopped by its PID; it would stop by itself after 300 s
        process.wait(timeout=10)


def small_run() -> TopicRun:
    """Two topics; one remark carries an e-mail address and a phone number that must never be sent."""
    texts = [f"We talked about cutting down on drinking, {PLANTED}."] + [
        f"Cutting down on drinking at the weekend, part {i}." for i in range(5)
    ]
    texts += [f"The night shifts make it hard to sleep, week {i}." for i in range(6)]
    remarks = pd.DataFrame(
        {"remark_id": [f"r{i}" for i in range(12)], "kept": True, "attached": False, "topic": [0] * 6 + [1] * 6}
    )
    remarks["text"], remarks["language"] = texts, "en"
    topics = [
        Topic(id=0, label="drinking_cutting", words=[("drinking", 1.0), ("cutting", 0.5)], size=6),
        Topic(id=1, label="night_shifts", words=[("night", 1.0), ("shifts", 0.5)], size=6),
    ]
    return TopicRun(config={}, remarks=remarks, joint=TopicSet("joint", topics, None), groups={}, provenance={})


def settings(base: str, mode: str, **extra) -> label_endpoint.LabelsConfig:
    return label_settings({}, endpoint=f"{base}/{mode}/v1", model="stand-in", **extra)


def requests_since(log: Path, count: int) -> list[dict]:
    lines = log.read_text().splitlines() if log.exists() else []
    return [json.loads(line) for line in lines[count:]]


def test_without_an_endpoint_the_drafts_are_the_word_based_ones_and_nothing_is_sent(standin):
    _, log = standin
    before = len(requests_since(log, 0))
    drafts, problems = endpoint_drafts(small_run(), label_settings({}))
    assert {t: d.label for t, d in drafts.items()} == draft_labels(small_run()) and problems == []
    assert len(requests_since(log, 0)) == before


def test_a_good_answer_becomes_the_draft_and_the_prompt_is_de_identified(standin):
    base, log = standin
    before = len(requests_since(log, 0))
    drafts, problems = endpoint_drafts(small_run(), settings(base, "good"))
    assert problems == []
    assert drafts[0].label == "Talking about drinking" and drafts[0].source == "stand-in"
    assert drafts[1].label == "Talking about night" and drafts[1].description == "Remarks on night."
    sent = json.dumps(requests_since(log, before))
    assert "drinking" in sent and "donna.fletcher" not in sent and "900123" not in sent  # redacted before sending
    assert json.loads(sent)[0]["body"]["model"] == "stand-in"


def test_a_label_inside_prose_and_a_code_fence_is_found():
    assert parse('Sure!\n```json\n{"label": "Cutting down", "description": "On drink."}\n```') == (
        "Cutting down",
        "On drink.",
    )
    assert parse("Label: Night shifts\n") == ("Night shifts", "")


@pytest.mark.parametrize(
    ("mode", "said"),
    [
        ("malformed", "holds no label"),
        ("long", "holds no label of 1 to 8 words"),
        ("error", "answered HTTP 500"),
        ("notjson", "did not answer with JSON"),
        ("slow", "did not answer within 1 s"),
    ],
)
def test_a_bad_or_late_answer_keeps_the_word_based_draft_and_says_why(standin, mode, said):
    base, _ = standin
    drafts, problems = endpoint_drafts(small_run(), settings(base, mode, timeout=1))
    assert {t: d.label for t, d in drafts.items()} == draft_labels(small_run())
    assert all(d.source == "remarks" for d in drafts.values())
    assert said in problems[0] and problems[-1] == "those topics keep their drafts from their own remarks"


def test_a_server_that_is_down_is_asked_once_and_the_drafts_stay():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    drafts, problems = endpoint_drafts(small_run(), label_settings({}, endpoint=f"http://127.0.0.1:{port}/v1"))
    assert "cannot be reached" in problems[0] and "the other topics were not asked" in problems[0]
    assert len(problems) == 2 and {t: d.label for t, d in drafts.items()} == draft_labels(small_run())


def test_a_remote_endpoint_needs_explicit_consent_and_is_then_said():
    with pytest.raises(TopicsInputError, match="labels.allow_remote: true"):
        label_settings({"labels": {"endpoint": "http://192.0.2.7/v1"}})
    with pytest.raises(TopicsInputError, match="http:// or https://"):
        label_settings({}, endpoint="127.0.0.1:11434")
    remote = label_settings({"labels": {"endpoint": "http://192.0.2.7/v1", "allow_remote": True}})
    assert "on another machine" in remote_warning(remote)
    assert remote_warning(label_settings({}, endpoint="http://localhost:11434/v1")) is None


@pytest.fixture(scope="module")
def fitted_folder(tmp_path_factory):
    return fake_fitted_run(tmp_path_factory.mktemp("endpoint") / "run")


@pytest.mark.slow  # commands in subprocesses
def test_the_command_asks_the_endpoint_and_refuses_a_remote_one(standin, run_folder):
    base, _ = standin
    result = topics_cmd("suggest", run_folder, "--drafts", "--endpoint", f"{base}/good/v1")
    assert result.returncode == 0, result.stderr
    assert "Talking about" in result.stdout and f"{base}/good/v1" in result.stdout
    refused = topics_cmd("suggest", run_folder, "--drafts", "--endpoint", "http://192.0.2.7/v1")
    assert refused.returncode == 2 and "allow_remote" in refused.stderr and "Traceback" not in refused.stderr
    down = topics_cmd("suggest", run_folder, "--drafts", "--endpoint", f"{base}/error/v1")
    assert down.returncode == 0 and "answered HTTP 500" in down.stderr


def test_the_curate_page_says_in_red_that_drafts_leave_the_machine(run_folder, monkeypatch):
    config = yaml.safe_load((run_folder / "config.yaml").read_text())
    config["labels"] = {"endpoint": "http://192.0.2.7/v1", "allow_remote": True, "model": "remote-model"}
    (run_folder / "config.yaml").write_text(yaml.safe_dump(config))
    asked = []
    # no network in tests: the remote endpoint's answer is given here, at the one place the request is made
    monkeypatch.setattr(label_endpoint, "ask", lambda s, m: asked.append(s.endpoint) or '{"label": "Remote name"}')
    app = open_page("curate", run_folder, author="Dr Ana")
    assert any("on another machine" in e.value for e in app.error)
    assert asked == []  # opening the page sends nothing: the expert asks
    assert any(m.value.startswith("Draft label, from the topic's own remarks") for m in app.markdown)
    next(b for b in app.button if b.label == "Draft labels with remote-model").click().run()
    assert not app.exception, app.exception
    assert any(m.value == "Draft label, from the model remote-model: **Remote name**" for m in app.markdown)
    assert asked and set(asked) == {"http://192.0.2.7/v1"}
