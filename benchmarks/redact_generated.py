"""Benchmark: de-identification on identifiers nobody here wrote (issue 23), and on ordinary therapy text.

1. **Recall** on remarks with one identifier each, planted from Faker across 30 Latin-script locales, in
   written and spoken style (:mod:`topics.share.redaction_check`), for several seeds: per category and style.
2. **Ordinary text**: AnnoMI's therapist and client turns and the bundled demo corpus: how many remarks lose an
   ordinary word, that is a stretch that is none of the real identifiers marked once in
   ``benchmarks/data/annomi_identifiers.tsv`` and ``demo_identifiers.tsv``, and which words go.

    .venv/bin/python benchmarks/redact_generated.py [--seeds 3] [--per-category 40] [--annomi PATH]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

import pandas as pd

from topics.share.redact import detect
from topics.share.redaction_check import (
    marked_recall,
    missed,
    ordinary_replaced,
    planted_set,
    read_identifiers,
    recall_table,
)

ROOT = Path(__file__).resolve().parents[1]


def replacements(texts: list[str], identifiers: frozenset[str]) -> tuple[int, int, Counter]:
    """How many texts lose anything, how many lose an ordinary word (a stretch that is no marked identifier),
    and those ordinary stretches with their counts."""
    changed, wrong, words = 0, 0, Counter()
    for text in texts:
        changed += bool(detect(text))
        ordinary = ordinary_replaced(text, identifiers)
        wrong += bool(ordinary)
        words.update(ordinary)
    return changed, wrong, words


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--per-category", type=int, default=40)
    parser.add_argument(
        "--annomi", type=Path, default=ROOT.parent / "shared" / "corpora" / "annomi" / "AnnoMI-simple.csv"
    )
    args = parser.parse_args()

    tables, misses = [], []
    started = time.perf_counter()
    for seed in range(args.seeds):
        planted = planted_set(seed, args.per_category)
        tables.append(recall_table(planted).set_index("category"))
        misses += missed(planted)
    seconds = time.perf_counter() - started
    mean = sum(tables) / len(tables)
    low = pd.concat(tables).groupby(level=0)["recall"].min()
    print(
        f"Recall on planted identifiers: {args.seeds} seeds x {args.per_category} per category and style "
        f"({sum(len(planted_set(s, args.per_category)) for s in range(args.seeds))} identifiers, {seconds:.0f} s)"
    )
    shown = mean[["written recall", "spoken recall", "recall"]].assign(**{"lowest seed": low}).round(3)
    with pd.option_context("display.width", 200):
        print(shown.to_string())
    print("goals: all >= 0.98, every category >= 0.95")
    print("\nSome missed (style, category: remark):")
    for p in misses[:: max(1, len(misses) // 25)][:25]:
        print(f"  {p.style:7} {p.category:10}: {p.text}")

    marked = ROOT / "benchmarks" / "data"
    demo = pd.read_csv(ROOT / "corpora" / "demo" / "demo_sessions.csv")["text"]
    sources = {"demo corpus (all turns)": (demo, marked / "demo_identifiers.tsv")}
    if args.annomi.exists():
        annomi = pd.read_csv(args.annomi)
        for role in ("therapist", "client"):
            sources[f"AnnoMI {role} turns"] = (
                annomi.loc[annomi["interlocutor"] == role, "utterance_text"],
                marked / "annomi_identifiers.tsv",
            )
    print(
        "\nOrdinary text (goal: at most 1 remark in 200 with an ordinary word replaced; real names and places, "
        "marked once in benchmarks/data/, may go):"
    )
    for name, (texts, marks) in sources.items():
        texts = texts.dropna().astype(str).tolist()
        started = time.perf_counter()
        changed, wrong, words = replacements(texts, read_identifiers(marks))
        seconds = time.perf_counter() - started
        caught, found = marked_recall(texts, marks)
        print(
            f"  {name}: {wrong:,} of {len(texts):,} remarks lose an ordinary word ({wrong / len(texts):.1%}; "
            f"1 in {len(texts) / max(wrong, 1):.0f}); {changed:,} change at all; {seconds:.1f} s; "
            f"real names and places caught: {caught} of {found} ({caught / max(found, 1):.1%})"
        )
        print("    ordinary words replaced: " + ", ".join(f"{w!r} {n}" for w, n in words.most_common(30)))


if __name__ == "__main__":
    main()
