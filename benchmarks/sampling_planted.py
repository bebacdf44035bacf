"""Benchmark: does a fit on a sample of sessions find what a full fit finds, where the truth is known? (issue 26)

On AnnoMI (``benchmarks/sampling.py``) a sampled fit can only be compared
with a full fit. Here the corpus is planted (:mod:`corpora.planted`): every
remark belongs to one of 19 themes of shares 30 % down to 0.05 %, or to a
background near no theme (5.4 %); sessions of 50 remarks mix three themes
with Dirichlet weights; :class:`corpora.planted.PlantedEncoder` draws each
remark's vector around its theme's centre (Gaussian noise; unit length, 384
dimensions). The joint model is fitted with the
project's default settings (UMAP, HDBSCAN, a consensus of 10 members, the
default cluster sizes) through :func:`topics.fit.pipeline.fit_run`; only the
encoder is the planted one. Measured, per corpus seed (the fit's seed too):

(a) at ``--full-sizes`` (a full fit still fits in memory: the consensus holds
    8 bytes per pair of remarks), a full fit and a fit on a sample of
    ``--sample-size`` remarks (whole sessions, the rest assigned): ARI of
    each with the planted themes (the pipeline's ``ari_theme``: background
    as one class, outliers as one class) and junk share (outliers plus
    filler topics). Goal: the sampled ARI within 0.05 of the full fit's, its
    junk share within 2 points;
(b) at ``--large-sizes``, where only sampling runs (``fit.sample_size`` at its
    default, 20,000): the same figures;
(c) per theme, its recall (:func:`topics.fit.metrics.label_recall`: the share
    of the theme's remarks in topics whose remarks are at least half that
    theme); a theme is *found* when its recall is at least 0.5. Printed: the
    smallest share found by every fit on a sample of ``--default-sample``
    remarks, with every larger theme found too.

    .venv/bin/python benchmarks/sampling_planted.py [--full-sizes 40000] [--sample-size 10000]
        [--large-sizes 200000 1000000] [--seeds 1 2 3] [--large-seeds 1] [--work /tmp/planted]

Wall times are printed as context only (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from corpora import corpus_from_frame  # noqa: E402
from corpora.planted import BACKGROUND, CORPUS_MAPPING, SHARES, SPREAD, planted_corpus, theme_names  # noqa: E402
from topics.core.config import Config, validate_config  # noqa: E402
from topics.core.run import OUTLIER  # noqa: E402
from topics.fit.metrics import label_recall  # noqa: E402
from topics.fit.pipeline import fit_run  # noqa: E402

DEFAULT_SAMPLE = 20_000
FOUND = 0.5


def planted_config(seed: int, sample_size: int | None, reduce: str = "umap") -> Config:
    """The project's default settings for a planted corpus held in memory: joint model, embeddings not cached."""
    return validate_config(
        {
            "name": "planted",
            "seed": seed,
            "corpus": {"path": "planted (in memory)", **CORPUS_MAPPING},
            "embed": {"cache": False},
            "reduce": {"method": reduce},
            "fit": {"modes": ["joint"], "sample_size": sample_size},
        },
        "planted benchmark",
    )


def fit_planted(corpus, encoder, seed: int, sample_size: int | None, work: Path, reduce: str = "umap") -> dict:
    """One fit of ``corpus``; its figures (the run folder is removed afterwards: 1M runs hold 1.5 GB)."""
    config = planted_config(seed, sample_size, reduce)
    folder = work / f"{len(corpus.frame)}-{seed}-{sample_size}"
    start = time.perf_counter()
    run = fit_run(config, out=folder, encoder=encoder, corpus=corpus_from_frame(corpus.frame, config.corpus))
    seconds = time.perf_counter() - start
    kept = run.kept
    metrics = run.metrics["joint"]
    topics, themes = kept["topic"].to_numpy(dtype=int), kept["meta_theme"].to_numpy(dtype=object)
    fitted = kept["in_sample"].to_numpy(dtype=bool) if "in_sample" in kept else np.ones(len(kept), dtype=bool)
    result = {
        "remarks": len(kept),
        "fitted": int(fitted.sum()),
        "sample_size": sample_size,
        "ari": metrics["ari_theme"],
        "junk": metrics["junk_share"],
        "outliers": metrics["outlier_share"],
        "topics": metrics["topic_count"],
        "recall": label_recall(topics, themes),
        # where the outliers are: the background (near no theme) should be, the themes' remarks should not
        "background_outliers": float(np.mean(topics[themes == BACKGROUND] == OUTLIER)),
        "theme_outliers": float(np.mean(topics[themes != BACKGROUND] == OUTLIER)),
        # how many of each theme's remarks the model was fitted on (all of them without a sample)
        "fitted_by_theme": pd.Series(themes[fitted]).value_counts().to_dict(),
        "seconds": seconds,
    }
    del run, kept
    shutil.rmtree(folder, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full-sizes", type=int, nargs="*", default=[40_000], help="sizes fitted whole and sampled")
    parser.add_argument("--sample-size", type=int, default=10_000, help="fit.sample_size at the full sizes")
    parser.add_argument("--large-sizes", type=int, nargs="*", default=[200_000, 1_000_000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3], help="corpus and fit seeds")
    parser.add_argument("--large-seeds", type=int, nargs="*", default=None, help="seeds at large sizes (--seeds)")
    parser.add_argument("--default-sample", type=int, default=DEFAULT_SAMPLE, help="fit.sample_size at large sizes")
    parser.add_argument("--spread", type=float, default=SPREAD, help="PlantedEncoder noise")
    parser.add_argument("--reduce", choices=["umap", "pca"], default="umap")
    parser.add_argument("--work", type=Path, default=None, help="run folders and results.jsonl (one line a fit)")
    parser.add_argument("--report", type=Path, nargs="*", default=None, help="only print the tables of these files")
    args = parser.parse_args()
    if args.report is not None:
        rows = [json.loads(line) for path in args.report for line in path.read_text().splitlines() if line]
        args.full_sizes = sorted({r["size"] for r in rows if r["kind"] == "full"})
        report(rows, args)
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="sampling-planted-"))
    work.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []

    def fit(size: int, seed: int, sample_size: int | None, kind: str) -> None:
        start = time.perf_counter()
        corpus = planted_corpus(size, seed=seed)
        encoder = corpus.encoder(args.spread)
        made = time.perf_counter() - start
        result = fit_planted(corpus, encoder, seed, sample_size, work, args.reduce)
        rows.append(result | {"size": size, "seed": seed, "kind": kind, "spread": args.spread})
        with (work / "results.jsonl").open("a") as file:
            file.write(json.dumps(rows[-1]) + "\n")
        print(
            f"[{kind} {size:,} seed {seed} sample {sample_size}] ARI {result['ari']:.3f}, junk {result['junk']:.3f}, "
            f"{result['topics']} topics, {result['seconds']:.0f} s (+{made:.0f} s corpus)",
            file=sys.stderr,
            flush=True,
        )

    for size in args.full_sizes:
        for seed in args.seeds:
            fit(size, seed, None, "full")
            fit(size, seed, args.sample_size, "sampled")
    for size in args.large_sizes:
        for seed in args.large_seeds if args.large_seeds is not None else args.seeds:
            fit(size, seed, args.default_sample, "sampled")
    report(rows, args)


def report(rows: list[dict], args: argparse.Namespace) -> None:
    """The tables: (a) and (b) per fit, the goal per full size, (c) recall per theme."""
    print(f"\nPlanted themes (spread {args.spread}, reduce {args.reduce}); ARI with the themes:")
    print(
        "| remarks | seed | fit | fitted remarks | ARI | junk share | outliers | background in no topic | "
        "themes' remarks in no topic | topics | wall time |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        where = [f"{r[key]:.3f}" if key in r else "n/a" for key in ("background_outliers", "theme_outliers")]
        print(
            f"| {r['size']:,} | {r['seed']} | {r['kind']} | {r['fitted']:,} | {r['ari']:.3f} | {r['junk']:.3f} | "
            f"{r['outliers']:.3f} | {where[0]} | {where[1]} | {r['topics']} | {r['seconds'] / 60:.1f} min |"
        )
    for size in args.full_sizes:
        pairs = [
            (f, s)
            for f in rows
            for s in rows
            if f["size"] == s["size"] == size
            and f["seed"] == s["seed"]
            and (f["kind"], s["kind"]) == ("full", "sampled")
        ]
        if not pairs:
            continue
        gaps = [f["ari"] - s["ari"] for f, s in pairs]
        junk = [s["junk"] - f["junk"] for f, s in pairs]
        met = all(abs(g) <= 0.05 for g in gaps) and all(abs(j) <= 0.02 for j in junk)
        print(
            f"\n{size:,} remarks, sample of {pairs[0][1]['sample_size']:,} vs full fit, same seed: ARI full - sampled "
            f"{', '.join(f'{g:+.3f}' for g in gaps)}; junk sampled - full {', '.join(f'{j:+.3f}' for j in junk)}. "
            f"Goal (ARI within 0.05, junk within 2 points): {'met' if met else 'NOT met'}."
        )
    runs = [r for r in rows if r["kind"] == "sampled" or r["fitted"] == r["remarks"]]
    themes = theme_names(len(SHARES))  # largest share first
    planted = dict(zip(themes, SHARES))
    print(
        f"\n(c) Recall per theme (share of its remarks in topics at least half that theme; found: >= {FOUND}), "
        "with the theme's remarks the model was fitted on in brackets:"
    )
    header = [
        f"{r['size'] // 1000}k {'full' if r['kind'] == 'full' else 'sample ' + format(r['fitted'], ',')} s{r['seed']}"
        for r in runs
    ]
    print(f"| theme | planted share | remarks in a sample of {args.default_sample:,} | " + " | ".join(header) + " |")
    print("|---|---|---|" + "---|" * len(runs))
    for theme in themes:
        cells = [  # nan: not in that corpus; in brackets: the theme's remarks the model was fitted on
            f"{r['recall'].get(theme, float('nan')):.2f}"
            + (f" ({r['fitted_by_theme'].get(theme, 0)})" if "fitted_by_theme" in r else "")
            for r in runs
        ]
        expected = planted[theme] * args.default_sample
        print(f"| {theme} | {planted[theme]:.2%} | {expected:,.0f} | " + " | ".join(cells) + " |")
    default = [r for r in rows if r["kind"] == "sampled" and r["sample_size"] == args.default_sample]
    if default:
        smallest = None
        for theme in themes:  # largest share first: stop at the first theme some default-size sample misses
            if all(r["recall"].get(theme, 0.0) >= FOUND for r in default):
                smallest = theme
            else:
                break
        found_any = [t for t in themes if all(r["recall"].get(t, 0.0) >= FOUND for r in default)]
        print(
            f"\nSamples of {args.default_sample:,} remarks ({len(default)} fits): every theme down to "
            f"{planted[smallest]:.2%} found in every fit"
            if smallest
            else "\nno theme found in every default-size fit",
            end="",
        )
        if found_any:
            print(f"; the smallest found in every fit: {planted[found_any[-1]]:.2%}.")
        else:
            print(".")


if __name__ == "__main__":
    main()
