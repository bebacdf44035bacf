"""Benchmark: how faithfully each assignment rule applies curated topics, after expert edits (issue 25, point 1).

Fits AnnoMI once (joint model; or opens ``--run``), then for the fit as it is and for ``--sequences`` random
sequences of real edits made through ``Curator.record`` (a rename, three merges of the most alike topics, two
merges of the least alike, two discards, and 60 remarks moved to the topic their centroid puts second), prints
for the curated rule (the default) and the former one-centroid rule, in the same run:

* **held out**: each session's kept remarks assigned with that session's remarks left out of the reference
  (leave-one-session-out, texts not looked up): the share that gets its curated topic (or outlier), overall,
  in merged topics, among moved remarks and among the remarks of discarded topics (goal: 93 %);
* **own corpus**: ``topics transform`` of the run's own corpus file (the real encoder, through the embedding
  cache): the share of kept remarks that get their curated topic (goal: 98 %);
* **macro-F1** of both rules and the classifier over five session-grouped folds (``topics classifier``'s figures);
* **speed**: assigning 100,000 remarks (AnnoMI's vectors with noise) with a reference of 100,000, each rule,
  and the curated rule's neighbour search alone.

    .venv/bin/python benchmarks/assignment.py [--run RUN] [--sequences 3]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from annomi_run import open_or_fit

ROOT = Path(__file__).resolve().parents[1]
MOVED = 60


def edit_sequence(curator, rng: np.random.Generator) -> None:
    """A rename, 3 merges of alike topics, 2 of unlike ones, 2 discards, then 60 remarks moved to their second
    topic by centroid: every kind of edit, through the log as the explorer makes them."""
    from topics.curate.assign import kept_embeddings
    from topics.fit.centroids import topic_centroids

    embeddings = np.asarray(kept_embeddings(curator))

    def similarities():
        ids = [t.id for t in curator.run.joint.topics]
        centroids = topic_centroids(curator.run.kept["topic"].to_numpy(dtype=int), embeddings, ids)
        scores = centroids @ centroids.T
        np.fill_diagonal(scores, np.nan)
        return ids, scores

    curator.record("rename", "bench", topics=(curator.run.joint.topics[0].id,), label="Renamed by the benchmark")
    for pick in (np.nanargmax,) * 3 + (np.nanargmin,) * 2:
        ids, scores = similarities()
        i, j = np.unravel_index(pick(scores), scores.shape)
        curator.record("merge", "bench", topics=(ids[i], ids[j]))
    for _ in range(2):
        ids = [t.id for t in curator.run.joint.topics]
        curator.record("discard", "bench", topics=(int(rng.choice(ids)),))
    ids, _ = similarities()
    kept = curator.run.kept
    labels = kept["topic"].to_numpy(dtype=int)
    chosen = rng.choice(np.flatnonzero(labels != -1), MOVED, replace=False)
    centroids = topic_centroids(labels, embeddings, ids)
    order = np.argsort(-(embeddings[chosen] @ centroids.T), axis=1)
    by_target: dict[int, list[str]] = {}
    for row, ranked in zip(chosen, order):
        target = next(ids[k] for k in ranked if ids[k] != labels[row])
        by_target.setdefault(target, []).append(str(kept["remark_id"].iloc[row]))
    for target, remarks in by_target.items():
        curator.record("move", "bench", remarks=tuple(remarks), to=target)


def kinds(curated, fitted) -> dict[str, np.ndarray]:
    """Which kept remarks an edit touched: in a merged topic, moved, of a discarded topic."""
    now, then = curated.kept["topic"].to_numpy(dtype=int), fitted.kept["topic"].to_numpy(dtype=int)
    current = {t.id for t in curated.joint.topics}
    origins = pd.Series(then[now != -1]).groupby(now[now != -1]).nunique()
    merged_topics = [
        t for t, n in origins.items() if n > 1 and (pd.Series(then[now == t]).value_counts() >= 10).sum() > 1
    ]
    moved = np.asarray(curated.kept["remark_id"].isin(set(curated_moves(curated))))
    return {
        "all": np.ones(len(now), dtype=bool),
        "in merged topics": np.isin(now, merged_topics) & ~moved,
        "moved": moved,
        "of discarded topics": (now == -1) & ~np.isin(then, list(current)) & (then != -1),
    }


def curated_moves(curated) -> list[str]:
    from topics.curate.editlog import LOG_NAME, EditLog

    entries, _, _ = EditLog(curated.path / LOG_NAME).read()
    return [r for _, edit in entries if edit.op == "move" for r in edit.remarks]


def measure(curator, label: str) -> dict:
    from topics.curate import classifier
    from topics.curate.assign import held_out_assignment, kept_embeddings, run_floor
    from topics.curate.transform import transform_file

    curated, fitted = curator.run, curator.fitted
    embeddings = np.asarray(kept_embeddings(curator))
    truth = curated.kept["topic"].to_numpy(dtype=int)
    floor = run_floor(curated)
    rows = {"edits": label}
    masks = kinds(curated, fitted)
    for rule in ("curated", "centroid"):
        start = time.perf_counter()
        predicted = held_out_assignment(curated, fitted, embeddings, rule, floor)
        rows[f"{rule} s"] = time.perf_counter() - start
        for kind, mask in masks.items():
            rows[f"{rule} held out, {kind}"] = float(np.mean(predicted[mask] == truth[mask])) if mask.any() else np.nan
    for method in ("curated", "centroid"):
        frame = transform_file(curator, ROOT / curated.config["corpus"]["path"], method=method)
        own = frame[frame["kept"]].set_index("remark_id")["topic"].astype(int)
        rows[f"{method} own corpus"] = float(np.mean(own.loc[curated.kept["remark_id"]].to_numpy() == truth))
    _, evaluation = classifier.train(curator)  # writes RUN/classifier into the benchmark's copy of the run
    rows.update({f"macro-F1 {m}": f for m, f in evaluation.macro_f1.items()})
    return rows


def speed(embeddings: np.ndarray, labels: np.ndarray, size: int = 100_000) -> dict:
    from topics.fit import centroids as rule

    rng = np.random.default_rng(0)
    rows = rng.integers(0, len(embeddings), size)
    vectors = rule.unit_rows(np.asarray(embeddings)[rows] + rng.normal(0, 0.02, (size, embeddings.shape[1])))
    reference = labels[rows]
    ids = np.unique(labels[labels != -1]).tolist()
    out = {}
    for name in ("centroid", "curated"):
        targets = rule.CuratedTopics.from_labels(reference, reference, ids, vectors, rule=name)
        start = time.perf_counter()
        targets.assign(vectors)
        out[f"assign {size:,} ({name}), s"] = time.perf_counter() - start
    start = time.perf_counter()
    targets._votes(vectors)
    out[f"neighbour search alone ({len(targets.reference):,} reference remarks), s"] = time.perf_counter() - start
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", help="an AnnoMI run folder (default: fit one)")
    parser.add_argument("--sequences", type=int, default=3, help="random edit sequences")
    args = parser.parse_args()
    from topics.curate.assign import kept_embeddings
    from topics.curate.editlog import LOG_NAME, Curator

    run = open_or_fit(args.run, "assignment-bench-")
    results = []
    work = Path(tempfile.mkdtemp(prefix="assignment-bench-"))
    for sequence in range(args.sequences + 1):
        folder = work / f"run{sequence}"
        shutil.copytree(run.path, folder, ignore=shutil.ignore_patterns(LOG_NAME))
        curator = Curator(folder)
        if sequence:
            edit_sequence(curator, np.random.default_rng(sequence))
        results.append(measure(curator, "none" if not sequence else f"sequence {sequence}"))
        print(pd.Series(results[-1]).drop("edits").astype(float).round(3).to_string(), flush=True)
    table = pd.DataFrame(results).set_index("edits").T
    pd.set_option("display.width", 200)
    print("\nAssignment of curated topics on AnnoMI (shares of kept remarks that get their curated topic):")
    print(table.round(3).to_string())
    base = Curator(run.path).fitted
    print("\nSpeed (2 cores):")
    figures = speed(np.asarray(kept_embeddings(Curator(run.path))), base.kept["topic"].to_numpy(dtype=int))
    print(pd.Series(figures).round(2).to_string())
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
