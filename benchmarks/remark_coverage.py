"""Benchmark: which therapist remarks end in a topic on AnnoMI, before and after (issue 21, point 3).

Fits AnnoMI's joint model with the former floors (``outliers.threshold`` and ``assign.min_similarity`` 0.4)
and with today's defaults, each with two seeds whose consensus members are disjoint, in one process (the
embeddings come from the cache after the first fit). Prints, per setting:

* the share of remarks that say something (not empty, not a backchannel) in no topic, overall and among
  remarks of 4 words or more;
* the share of 4+-word remarks in a topic by AnnoMI's therapist behaviour code;
* for the stated ruler-question and asking-permission patterns (:data:`topics.fit.metrics.INTERVENTIONS`): how many
  remarks match, the share in a topic, and the topics they land in;
* topics, filler topics, junk share, and the ARI between the two seeds' topics of the kept remarks.

    .venv/bin/python benchmarks/remark_coverage.py [--corpus ../shared/corpora/annomi/AnnoMI-simple.csv]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = {"former floors (0.4)": ["outliers.threshold=0.4", "assign.min_similarity=0.4"], "today's defaults": []}
SEEDS = (42, 7)


def measure(run) -> dict:
    from topics.fit.metrics import coverage, coverage_by, intervention_coverage

    remarks = run.remarks
    labels = {t.id: t.label for t in run.joint.topics}
    return {
        **coverage(remarks),
        "by_code": coverage_by(remarks, "meta_main_therapist_behaviour").to_dict(),
        "interventions": intervention_coverage(remarks, labels),
        "metrics": run.metrics["joint"],
        "kept_topics": remarks.loc[remarks["kept"], "topic"].to_numpy(dtype=int),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared/corpora/annomi/AnnoMI-simple.csv"))
    args = parser.parse_args()
    from sklearn.metrics import adjusted_rand_score

    from topics.core.config import load_config
    from topics.fit.pipeline import fit_run

    results: dict[str, list[dict]] = {}
    for name, overrides in SETTINGS.items():
        for seed in SEEDS:
            config = load_config(
                ROOT / "configs/annomi.yaml",
                ["fit.modes=[joint]", f"corpus.path={args.corpus}", f"seed={seed}", *overrides],
            )
            started = time.perf_counter()
            with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
                run = fit_run(config, config_file=None, out=Path(tempfile.mkdtemp()) / "run")
            results.setdefault(name, []).append(measure(run))
            print(f"fitted {name}, seed {seed} in {time.perf_counter() - started:.0f} s", flush=True)

    print(
        "\n| setting | seed | no topic (all with content) | no topic (4+ words) | topics | filler topics | junk share |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, fits in results.items():
        for seed, r in zip(SEEDS, fits):
            m = r["metrics"]
            print(
                f"| {name} | {seed} | {r['no_topic_share']:.3f} of {r['remarks_with_content']:,} | "
                f"{r['substantive_no_topic_share']:.3f} of {r['substantive_remarks']:,} | {m['topic_count']} | "
                f"{m['filler_topics']} | {m['junk_share']:.3f} |"
            )
    print("\nARI between the two seeds (kept remarks' topics, outliers as one class):")
    for name, fits in results.items():
        print(f"  {name}: {adjusted_rand_score(fits[0]['kept_topics'], fits[1]['kept_topics']):.3f}")
    print("\nShare of 4+-word remarks in a topic, by AnnoMI's therapist behaviour code (mean of the seeds):")
    codes = sorted(results[next(iter(results))][0]["by_code"])
    print("| setting | " + " | ".join(codes) + " |\n|---|" + "---|" * len(codes))
    for name, fits in results.items():
        print(f"| {name} | " + " | ".join(f"{np.mean([f['by_code'][c] for f in fits]):.3f}" for c in codes) + " |")
    print("\nStated intervention patterns (seed 42):")
    for name, fits in results.items():
        table: pd.DataFrame = fits[0]["interventions"]
        for row in table.itertuples():
            print(
                f"  {name}: {row.intervention}: {row.remarks} remarks, {row.in_topic_share:.3f} in a topic; "
                f"topics: {row.topics}"
            )


if __name__ == "__main__":
    main()
