"""Draft labels from a language model the user runs, behind an OpenAI-compatible endpoint (``labels.endpoint``).

Ollama, llama.cpp's server, LM Studio and vLLM all answer ``POST {endpoint}/chat/completions``. For each topic
the prompt holds its top words and a few of its remarks, de-identified first (:mod:`topics.share.redact`), and
asks for a short label and a one-line description as JSON. What comes back is checked (a label of 1 to 8 words
on one line); a topic whose answer is late, malformed or missing keeps its word-based draft
(:mod:`topics.curate.label_drafts`), and the reason is said once. The endpoint must be on this machine unless
``labels.allow_remote`` says otherwise (checked when the config is read); nothing is sent when no endpoint is
set. Nothing is written: drafts are shown, and an accepted one is an ordinary rename.

The standard library speaks HTTP here (``urllib``): one POST per topic needs no client library, and the proxy
settings of the environment are ignored so that a loopback address is never sent through a proxy.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import ValidationError

from topics.core.config import LabelsConfig, is_loopback
from topics.core.errors import TopicsInputError
from topics.core.run import TopicRun
from topics.curate.edits import model_topics
from topics.curate.label_drafts import draft_labels
from topics.share.redact import redact_text

#: A drafted label is 1 to this many words, on one line.
MOST_WORDS = 8
SYSTEM = (
    "You name topics of therapy-session transcripts for clinical supervisors. Answer with one JSON object and "
    'nothing else: {"label": "<a name of 2 to 5 words>", "description": "<one sentence>"}.'
)


@dataclass
class LabelDraft:
    """A draft label, its one-line description (may be empty) and where it came from ("remarks" or the model)."""

    label: str
    description: str = ""
    source: str = "remarks"


class EndpointError(Exception):
    """An endpoint that did not give a usable answer; the message says why and what happens instead."""


class EndpointDown(EndpointError):
    """An endpoint that cannot be reached at all: no other topic is asked."""


def prompt(words: list[str], examples: list[str]) -> list[dict[str, str]]:
    """The chat messages for one topic: its top words and example remarks (already de-identified)."""
    lines = [f"Top words of the topic: {', '.join(words)}.", "Example remarks by the therapist:"]
    lines += [f"- {example}" for example in examples]
    lines.append("Name the topic.")
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n".join(lines)}]


def ask(settings: LabelsConfig, messages: list[dict[str, str]]) -> str:
    """The text of the endpoint's answer to ``messages``; :class:`EndpointError` when there is none."""
    url = settings.endpoint.rstrip("/") + "/chat/completions"
    body = json.dumps({"model": settings.model, "messages": messages, "temperature": 0, "stream": False}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"}, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy
    try:
        with opener.open(request, timeout=settings.timeout) as response:
            payload = json.loads(response.read().decode("utf-8"))
    except TimeoutError as error:
        raise EndpointError(f"{url} did not answer within {settings.timeout:g} s (labels.timeout)") from error
    except urllib.error.HTTPError as error:
        raise EndpointError(f"{url} answered HTTP {error.code}: is labels.model {settings.model!r} served?") from error
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise EndpointError(f"{url} did not answer within {settings.timeout:g} s (labels.timeout)") from error
        raise EndpointDown(f"{url} cannot be reached ({error.reason}): is the server running?") from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise EndpointError(f"{url} did not answer with JSON") from error
    try:
        return str(payload["choices"][0]["message"]["content"])
    except (KeyError, IndexError, TypeError) as error:
        raise EndpointError(f"{url} answered without choices[0].message.content") from error


def parse(answer: str) -> tuple[str, str]:
    """(label, description) from a model's answer: a JSON object (inside code fences or text too), else its first
    line as the label; :class:`EndpointError` when no usable label is in it."""
    found = re.search(r"\{.*\}", answer, re.DOTALL)
    label, description = "", ""
    if found:
        try:
            data: Any = json.loads(found.group())
            label, description = str(data.get("label") or ""), str(data.get("description") or "")
        except (json.JSONDecodeError, AttributeError):
            label = ""
    if not label:
        first = answer.strip().splitlines()[0] if answer.strip() else ""
        label = re.sub(r"^(label|topic|name)\s*:\s*", "", first, flags=re.IGNORECASE)
    label = label.strip().strip("\"'*").strip()
    if not label or "\n" in label or len(label.split()) > MOST_WORDS or "{" in label:
        raise EndpointError(f"the answer holds no label of 1 to {MOST_WORDS} words: {answer[:80]!r}")
    return label, " ".join(description.split())


def endpoint_drafts(
    run: TopicRun, settings: LabelsConfig, model: str | None = None, seed: int = 0
) -> tuple[dict[int, LabelDraft], list[str]]:
    """A draft for every topic of ``model`` (None: the joint model) from the endpoint, or from the topic's own
    remarks where the endpoint gave none; and the reasons it gave none (empty when every topic was answered).
    Without ``settings.endpoint`` every draft comes from the remarks and nothing is sent."""
    words = draft_labels(run, model, seed)
    drafts = {topic: LabelDraft(label) for topic, label in words.items()}
    if not settings.endpoint:
        return drafts, []
    topic_set, column = model_topics(run, model)
    kept = run.kept
    rng = np.random.default_rng(seed)
    problems: list[str] = []
    for topic in topic_set.topics:
        texts = kept.loc[kept[column].eq(topic.id).fillna(False).to_numpy(dtype=bool), "text"].astype(str)
        chosen = rng.choice(len(texts), min(settings.examples, len(texts)), replace=False) if len(texts) else []
        examples = [redact_text(texts.iloc[int(i)]) for i in sorted(chosen)]
        try:
            label, description = parse(ask(settings, prompt([redact_text(w) for w in topic.top_words(8)], examples)))
        except EndpointDown as error:  # a server that is down is down for every topic
            problems.append(f"topic {topic.id}: {error}; the other topics were not asked")
            break
        except EndpointError as error:
            problems.append(f"topic {topic.id}: {error}")
            continue
        drafts[topic.id] = LabelDraft(label, description, source=settings.model)
    if problems:
        problems.append("those topics keep their drafts from their own remarks")
    return drafts, problems


def label_settings(config: dict[str, Any], **overrides: Any) -> LabelsConfig:
    """The ``labels`` section of a run's config with ``overrides`` (None values ignored), checked; a clear
    :class:`topics.core.errors.TopicsInputError` names what is wrong."""
    values = {**(config.get("labels") or {}), **{k: v for k, v in overrides.items() if v is not None}}
    try:
        return LabelsConfig(**values)
    except ValidationError as error:
        reasons = "; ".join(f"labels.{'.'.join(map(str, e['loc'])) or 'endpoint'}: {e['msg']}" for e in error.errors())
        raise TopicsInputError(f"{reasons}.") from None


def remote_warning(settings: LabelsConfig) -> str | None:
    """The sentence that says remarks leave this machine, when ``labels.allow_remote`` sends them elsewhere."""
    if settings.endpoint and settings.allow_remote:
        if not is_loopback(settings.endpoint):
            return (
                f"Label drafts are asked of {settings.endpoint}, on another machine (labels.allow_remote): each "
                "topic's top words and example remarks, de-identified, leave this machine."
            )
    return None
