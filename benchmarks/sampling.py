"""Benchmark: does a fit on a sample of sessions find the topics of the full fit? (issue 13, AnnoMI)

Fits AnnoMI's joint model on all kept remarks and on half of its sessions
(``fit.sample_size`` = half the kept remarks, the rest assigned), for several
seeds, and prints the agreement of each sampled fit with the full fit of the
same seed (ARI over every kept remark, outliers as one class), beside the
agreement of full fits with each other across seeds, and the junk shares.

    .venv/bin/python benchmarks/sampling.py [--seeds 42 43 44] [--fraction 0.5]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import topics  # noqa: E402,F401
from topics.core.config import load_config  # noqa: E402
from topics.core.run import EMBEDDINGS_FILE  # noqa: E402
from topics.fit.centroids import CuratedTopics  # noqa: E402
from topics.fit.pipeline import fit_run  # noqa: E402
from topics.fit.sample import settle  # noqa: E402


def main() -> None:
    from sklearn.metrics import adjusted_rand_score

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 43, 44])
    parser.add_argument("--fraction", type=float, default=0.5)
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpora" / "annomi" / "AnnoMI-simple.csv"))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sampling-"))
    base = ["fit.modes=[joint]", f"corpus.path={args.corpus}"]
    full, sampled = {}, {}
    for seed in args.seeds:
        full[seed] = fit_run(
            load_config(ROOT / "configs" / "annomi.yaml", base + [f"seed={seed}"]), out=work / f"full-{seed}"
        )
        size = int(len(full[seed].kept) * args.fraction)
        sampled[seed] = fit_run(
            load_config(ROOT / "configs" / "annomi.yaml", base + [f"seed={seed}", f"fit.sample_size={size}"]),
            out=work / f"sample-{seed}",
        )

    def topics_of(run):
        return run.kept["topic"].to_numpy(dtype=int)

    print(f"\nAnnoMI, fit on {args.fraction:.0%} of the kept remarks (whole sessions), the rest assigned:")
    print(
        "| seed | fitted remarks | ARI with the full fit | on the fitted half | on the assigned half | "
        "junk share full | junk share sampled | topics full | topics sampled |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    aris = []
    for seed in args.seeds:
        a, b = topics_of(full[seed]), topics_of(sampled[seed])
        inside = sampled[seed].kept["in_sample"].to_numpy(dtype=bool)
        ari = adjusted_rand_score(a, b)
        aris.append(ari)
        f, s = full[seed].metrics["joint"], sampled[seed].metrics["joint"]
        print(
            f"| {seed} | {sampled[seed].provenance['sample']['fitted_remarks']:,} | {ari:.3f} | "
            f"{adjusted_rand_score(a[inside], b[inside]):.3f} | {adjusted_rand_score(a[~inside], b[~inside]):.3f} | "
            f"{f['junk_share']:.3f} | {s['junk_share']:.3f} | {f['topic_count']} | {s['topic_count']} |"
        )
    across = [
        adjusted_rand_score(topics_of(full[a]), topics_of(full[b])) for a, b in itertools.combinations(args.seeds, 2)
    ]
    print(f"\nsampled vs full, same seed: ARI mean {np.mean(aris):.3f} (min {min(aris):.3f})")
    if across:
        print(f"full vs full, other seeds:  ARI mean {np.mean(across):.3f} (min {min(across):.3f})")
    ceiling, perfect = [], []
    for seed in args.seeds:
        run = full[seed]
        embeddings = np.load(run.path / EMBEDDINGS_FILE)
        labels = topics_of(run)
        floor = run.config["assign"]["min_similarity"]
        # the assignment rule applied to the full fit's own remarks: what assigning can keep
        targets = CuratedTopics.of_partition(labels, embeddings, floor)
        ceiling.append(adjusted_rand_score(labels, targets.assign(embeddings)[0]))
        # a perfect fit of the sample (the full fit's own topics there), the rest assigned as a sampled fit does
        inside = sampled[seed].kept["in_sample"].to_numpy(dtype=bool)
        rest = np.flatnonzero(~inside)
        assigned = labels.copy()
        assigned[rest], similarity = CuratedTopics.of_partition(labels[inside], embeddings[inside], floor).assign(
            embeddings[rest]
        )
        settle(assigned, np.zeros(len(labels), np.float32), rest, embeddings, floor)
        perfect.append(adjusted_rand_score(labels, assigned))
    print(f"full fit vs the assignment rule applied to its own remarks: ARI mean {np.mean(ceiling):.3f}")
    print(
        f"full fit vs its own topics on the sampled half, the rest assigned (a perfect fit of the sample): "
        f"ARI mean {np.mean(perfect):.3f} (min {min(perfect):.3f})"
    )


if __name__ == "__main__":
    main()
