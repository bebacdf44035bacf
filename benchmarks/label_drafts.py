"""Benchmark: do draft labels name what a topic is about, against today's word-list labels (issue 25, point 3)?

Fits AnnoMI once (joint model; or opens ``--run``). For every topic whose remarks come mostly (at least half)
from sessions of one AnnoMI session topic (``meta_topic``), a label *names* it when it holds a word of that
session topic or of the synonyms below (stated before the drafts were seen, and the same for both labels).
Prints the share of such topics named by the draft and by today's label (its top c-TF-IDF words), and every
topic's draft beside its label, the cross-cutting topics (the ruler, the session's close) included.

    .venv/bin/python benchmarks/label_drafts.py [--run RUN]
"""

from __future__ import annotations

import argparse
import re
import time

import pandas as pd
from annomi_run import open_or_fit

#: Words that name each AnnoMI session topic, besides the words of its own name.
SYNONYMS = {
    "reducing alcohol consumption": {"drink", "drinking", "drinks", "alcohol", "beer", "wine", "drunk"},
    "reducing recidivism": {"probation", "jail", "prison", "crime", "court", "offence", "trouble", "felony"},
    "smoking cessation": {"smoke", "smoking", "cigarettes", "cigarette", "quit", "tobacco", "nicotine"},
    "diabetes management": {"diabetes", "sugar", "insulin", "blood", "glucose"},
    "reducing drug use": {"drug", "drugs", "meth", "marijuana", "pot", "cocaine", "heroin", "use"},
    "more exercise / increasing activity": {"exercise", "activity", "physical", "walking", "gym", "active"},
    "taking medicine / following medical procedure": {"medicine", "medication", "prescription", "pills", "statin"},
    "asthma management": {"asthma", "inhaler", "breathing"},
    "weight loss": {"weight", "diet", "eating", "pounds"},
    "reducing gambling": {"gambling", "betting", "casino", "money"},
    "better oral health": {"teeth", "oral", "dentist", "piercings", "piercing", "brushing"},
    "birth control": {"birth", "control", "pregnancy", "contraception", "pill"},
    "avoiding DOI": {"driving", "drive", "car", "dui"},
}


def names(label: str, session_topic: str) -> bool:
    """Whether ``label`` holds a word of ``session_topic`` or of its synonyms (a session of several topics,
    "reducing drug use; following medical procedure", is named by any of them)."""
    wanted = set(re.findall(r"[a-z]+", session_topic.lower())) - {"and", "of", "to", "more", "with", "the"}
    for part in session_topic.split(";"):
        wanted |= SYNONYMS.get(part.strip(), set())
    return bool(wanted & set(re.findall(r"[a-z]+", label.lower())))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", help="an AnnoMI run folder (default: fit one)")
    args = parser.parse_args()
    from topics.curate.label_drafts import draft_labels

    run = open_or_fit(args.run, "label-drafts-bench-")
    start = time.perf_counter()
    drafts = draft_labels(run)
    seconds = time.perf_counter() - start
    rows = []
    for topic in run.joint.topics:
        sessions = run.kept.loc[run.kept["topic"] == topic.id, "meta_topic"].value_counts(normalize=True)
        main_topic, share = (sessions.index[0], float(sessions.iloc[0])) if len(sessions) else ("", 0.0)
        mostly = share >= 0.5
        rows.append(
            {
                "id": topic.id,
                "remarks": topic.size,
                "draft": drafts[topic.id],
                "words label": ", ".join(topic.top_words(3)),
                "main session topic": f"{main_topic} ({share:.0%})",
                "mostly one": mostly,
                "draft names it": mostly and names(drafts[topic.id], main_topic),
                "words name it": mostly and names(" ".join(topic.top_words(3)), main_topic),
            }
        )
    table = pd.DataFrame(rows)
    focused = table[table["mostly one"]]
    pd.set_option("display.width", 250, "display.max_colwidth", 60, "display.max_rows", 200)
    print(table.drop(columns=["mostly one"]).to_string(index=False))
    print(
        f"\nTopics mostly from one session topic: {len(focused)} of {len(table)}. Named by the draft: "
        f"{focused['draft names it'].mean():.2f}; by today's label (top 3 words): "
        f"{focused['words name it'].mean():.2f}."
    )
    print(f"Drafting every topic took {seconds:.1f} s.")


if __name__ == "__main__":
    main()
