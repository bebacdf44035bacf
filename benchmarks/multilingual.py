"""Benchmark: the multilingual encoder against the packaged MiniLM, in one run (issue 14).

1. AnnoMI (English), each encoder with the default config and two seeds:
   topics, junk share, NMI with AnnoMI's session topic, seed-to-seed ARI.
2. The bundled multilingual demo (Russian and Spanish sessions on the same
   six themes): NMI of the topics with the written theme and with the
   language, for both encoders (MiniLM fitted with ``embed.language_check:
   warn``, to show what the check prevents).
3. Embedding throughput on this machine, each encoder on the same 600 AnnoMI
   remarks, cache off.

    .venv/bin/python benchmarks/multilingual.py [--seeds 42 43]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import topics  # noqa: E402,F401
from topics.core.config import load_config  # noqa: E402
from topics.fit.pipeline import fit_run, make_encoder  # noqa: E402

ENCODERS = {"MiniLM (packaged)": "packaged", "multilingual USE v3": "multilingual"}


def fit(config: str, out: Path, overrides: list[str]):
    return fit_run(load_config(ROOT / "configs" / config, ["fit.modes=[joint]", *overrides]), out=out)


def main() -> None:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 43])
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpora" / "annomi" / "AnnoMI-simple.csv"))
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="multilingual-"))

    print("\nAnnoMI (English), default config:")
    print("| encoder | topics | junk share | NMI with session topic | ARI between seeds |")
    print("|---|---|---|---|---|")
    for name, model in ENCODERS.items():
        runs = [
            fit(
                "annomi.yaml",
                work / f"annomi-{model}-{seed}",
                [f"embed.model={model}", f"seed={seed}", f"corpus.path={args.corpus}"],
            )
            for seed in args.seeds
        ]
        metrics = [run.metrics["joint"] for run in runs]
        labels = [run.kept["topic"].to_numpy(dtype=int) for run in runs]
        aris = [adjusted_rand_score(a, b) for i, a in enumerate(labels) for b in labels[i + 1 :]]
        print(
            f"| {name} | {' / '.join(str(m['topic_count']) for m in metrics)} | "
            f"{np.mean([m['junk_share'] for m in metrics]):.3f} | {np.mean([m['nmi_topic'] for m in metrics]):.3f} | "
            f"{f'{np.mean(aris):.3f}' if aris else '-'} |"
        )

    print("\nMultilingual demo (Russian and Spanish), configs/demo_multilingual.yaml:")
    print("| encoder | topics | junk share | NMI with theme | NMI with language |")
    print("|---|---|---|---|---|")
    for name, model in ENCODERS.items():
        for seed in args.seeds:
            run = fit(
                "demo_multilingual.yaml",
                work / f"demo-{model}-{seed}",
                [f"embed.model={model}", "embed.language_check=warn", f"seed={seed}"],
            )
            kept = run.kept
            placed = kept["topic"].to_numpy(dtype=int)
            m = run.metrics["joint"]
            print(
                f"| {name}, seed {seed} | {m['topic_count']} | {m['junk_share']:.3f} | "
                f"{normalized_mutual_info_score(kept['meta_presenting_problem'], placed):.3f} | "
                f"{normalized_mutual_info_score(kept['language'], placed):.3f} |"
            )

    print("\nEmbedding throughput (600 AnnoMI remarks, no cache):")
    import pandas as pd

    frame = pd.read_csv(args.corpus)
    texts = frame.loc[frame["interlocutor"] == "therapist", "utterance_text"].astype(str).tolist()[:600]
    for name, model in ENCODERS.items():
        encoder = make_encoder(load_config(ROOT / "configs" / "annomi.yaml", [f"embed.model={model}"]))
        encoder.encode(texts[:10])  # loading the model is not embedding
        started = time.perf_counter()
        encoder.encode(texts)
        print(f"  {name}: {len(texts) / (time.perf_counter() - started):.0f} remarks/s")


if __name__ == "__main__":
    main()
