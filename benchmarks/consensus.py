"""Benchmark: does the run a user gets depend on the seed? Consensus fits against single fits and plain BERTopic.

On AnnoMI's therapist remarks, in one process (embeddings cached once):

* ``consensus`` (the default: 10 seeded members): the joint model fitted with
  config seeds 42, 43, ... (their members share no seed);
* ``single fit``: the same config with ``consensus.members: 1``;
* ``plain BERTopic``: ``BERTopic(embedding_model=<packaged MiniLM>, umap_model=UMAP(random_state=seed))``
  on all therapist remarks with the same embeddings.

Prints pairwise ARI of the assignments (outliers as one class), topic counts,
junk share and NMI with AnnoMI's session topic, seconds per fit with the UMAP layouts
computed afresh (embeddings cached), and the time of a warm refit (layouts cached).

    .venv/bin/python benchmarks/consensus.py [--seeds 5]
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def pairwise_ari(assignments: list[np.ndarray]) -> list[float]:
    from sklearn.metrics import adjusted_rand_score

    return [adjusted_rand_score(a, b) for a, b in itertools.combinations(assignments, 2)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()

    from topics.core.config import load_config
    from topics.fit.pipeline import fit_joint, prepare

    seeds = [42 + i for i in range(args.seeds)]
    config = load_config(ROOT / "configs" / "annomi.yaml", ["fit.modes=[joint]"])
    # embeddings from the usual cache; layouts computed afresh, so "s / fit" includes UMAP
    prepared = dataclasses.replace(prepare(config), reduce_cache=Path(tempfile.mkdtemp(prefix="bench-consensus-")))
    rows = {}
    for name, overrides in (("consensus (default)", {}), ("single fit", {"members": 1})):
        fits, seconds = [], []
        for seed in seeds:
            variant = config.model_copy(
                update={"seed": seed, "consensus": config.consensus.model_copy(update=overrides)}
            )
            started = time.perf_counter()
            fits.append(fit_joint(prepared, variant))
            seconds.append(time.perf_counter() - started)
        metrics = [f.topic_set.metrics for f in fits]
        rows[name] = {
            "ari": pairwise_ari([f.assignments for f in fits]),
            "topics": [m["topic_count"] for m in metrics],
            "junk": [m["junk_share"] for m in metrics],
            "nmi": [m["nmi_topic"] for m in metrics],
            "seconds": seconds,
        }
    started = time.perf_counter()
    warm = config.model_copy(update={"cluster": config.cluster.model_copy(update={"min_cluster_size": 16})})
    fit_joint(prepared, warm)
    fit_joint(prepared, config)  # cached layouts: only clustering, consensus and words run
    warm_refit = (time.perf_counter() - started) / 2

    import pandas as pd
    from bertopic import BERTopic
    from sklearn.metrics import normalized_mutual_info_score
    from umap import UMAP

    from topics.fit.embed import SentenceTransformerEncoder, embed_texts

    frame = pd.read_csv(config.corpus.path)
    therapist = frame[frame["interlocutor"] == "therapist"]
    documents = therapist["utterance_text"].astype(str).tolist()
    embeddings, _ = embed_texts(documents, SentenceTransformerEncoder(progress=False), None)
    plain, seconds = [], []
    for seed in seeds:
        started = time.perf_counter()
        model = BERTopic(
            embedding_model=SentenceTransformerEncoder().path.as_posix(),
            umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=seed),
        )
        topics, _ = model.fit_transform(documents, embeddings=embeddings)
        plain.append(np.asarray(topics))
        seconds.append(time.perf_counter() - started)
    truth = therapist["topic"].astype(str).str.strip().to_numpy()
    rows["plain BERTopic"] = {
        "ari": pairwise_ari(plain),
        "topics": [len(set(p) - {-1}) for p in plain],
        "junk": [float(np.mean(p == -1)) for p in plain],
        "nmi": [normalized_mutual_info_score(truth, p) for p in plain],
        "seconds": seconds,
    }

    print(f"AnnoMI, seeds {seeds}; ARI between every pair of runs (goal for the default: >= 0.85)")
    print(f"{'':<22}{'ARI mean':>9}{'ARI min':>9}{'topics':>12}{'junk':>13}{'NMI topic':>14}{'s / fit':>9}")
    for name, r in rows.items():
        print(
            f"{name:<22}{np.mean(r['ari']):>9.3f}{np.min(r['ari']):>9.3f}{min(r['topics']):>6}-{max(r['topics']):<5}"
            f"{min(r['junk']):>6.3f}-{max(r['junk']):.3f}{min(r['nmi']):>7.3f}-{max(r['nmi']):.3f}"
            f"{np.mean(r['seconds']):>9.1f}"
        )
    print(
        "junk: outliers plus filler-only topics over modelled remarks (plain BERTopic: outliers only, of all remarks)"
    )
    print(f"warm refit of the default (layouts cached, another min_cluster_size): {warm_refit:.1f} s (goal <= 30 s)")


if __name__ == "__main__":
    main()
