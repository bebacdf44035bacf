"""Benchmark: the encoder's backends (``embed.backend``: torch, onnx, onnx-int8) on AnnoMI (issue 26).

Prints, all measured in this one process (ratios: the machine is noisy):

1. **Throughput** on AnnoMI's distinct therapist remarks, backends alternated
   over ``--rounds``: the project's PyTorch path (sentence-transformers,
   unpadded equal-length batches), ONNX Runtime fp32, and int8 one remark per
   call (the only batch-independent int8), with dynamic int8 in batches beside
   them for reference (faster, but a remark's vector then depends on its batch
   mates, so no backend uses it).
2. **Vectors** against PyTorch's: median and lowest cosine, and the share of
   each remark's 10 nearest neighbours kept.
3. **Topics**: AnnoMI joint-model fits with each backend (seed 42) and with
   PyTorch at a second seed; each backend's ARI with the PyTorch fit against
   the seed-to-seed ARI of two PyTorch fits, with topic count, junk share and
   NMI with AnnoMI's session topic beside the two PyTorch fits' spread. A
   backend's topics are "as good" when its ARI is at least the seed-to-seed ARI
   and each of the other figures lies within the PyTorch seeds' spread (or
   within one topic / 0.01 / 0.01 of the PyTorch fit when the spread is
   smaller). ``auto`` picks the fastest backend that passes.
4. **Start**: a new process's wall time from start to its first vector, and
   ``topics transform`` of one AnnoMI session with a PyTorch run and an ONNX run.

    .venv/bin/python benchmarks/embedding_backends.py [--rounds 2] [--seeds 42 7 11] [--skip-fits]

The fits use a fresh cache folder, so each backend embeds AnnoMI once.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["THERAPY_TOPICS_CACHE"] = tempfile.mkdtemp(prefix="therapy-topics-backends-")

from topics.core.config import load_config  # noqa: E402
from topics.fit.embed import SentenceTransformerEncoder, length_batches  # noqa: E402
from topics.fit.onnx_encoder import INPUTS, OnnxEncoder  # noqa: E402

ANNOMI = ROOT.parent / "shared" / "corpora" / "annomi" / "AnnoMI-simple.csv"
TOPICS = str(Path(sys.executable).parent / "topics")


def batched_int8(encoder: OnnxEncoder, texts: list[str], batch_size: int = 64) -> np.ndarray:
    """Dynamic int8 in equal-length batches: the speed int8 would have if its vectors did not depend on the batch."""
    ids = [e.ids for e in encoder.tokenizer_.encode_batch(texts)]
    out = np.zeros((len(texts), 384), dtype=np.float32)
    for _, rows in length_batches([len(i) for i in ids], batch_size):
        tokens = np.array([ids[r] for r in rows], dtype=np.int64)
        vectors = encoder.model_.run(None, dict(zip(INPUTS, (tokens, np.ones_like(tokens), np.zeros_like(tokens)))))
        mean = vectors[0].mean(axis=1)
        out[rows] = mean / np.linalg.norm(mean, axis=1, keepdims=True)
    return out


def neighbours_kept(reference: np.ndarray, other: np.ndarray, k: int = 10) -> float:
    """Mean share of each row's ``k`` nearest rows (cosine) under ``reference`` that ``other`` keeps."""

    def nearest(matrix: np.ndarray) -> np.ndarray:
        similarity = matrix @ matrix.T
        np.fill_diagonal(similarity, -2)
        return np.argsort(-similarity, axis=1)[:, :k]

    ours, theirs = nearest(reference), nearest(other)
    return float(np.mean([len(set(a) & set(b)) / k for a, b in zip(ours, theirs, strict=True)]))


def throughput(texts: list[str], rounds: int) -> dict[str, np.ndarray]:
    int8 = OnnxEncoder(quantised=True, progress=False).load()
    encoders = {
        "torch (project path)": SentenceTransformerEncoder(progress=False, device="cpu").load(),
        "onnx fp32": OnnxEncoder(progress=False).load(),
        "onnx int8, one per call": int8,
        "int8 batched (reference only)": None,
    }
    rates: dict[str, list[float]] = {name: [] for name in encoders}
    vectors = {}
    for encoder in encoders.values():
        (encoder or int8).encode(texts[:32])  # warm-up: first calls allocate
    for _ in range(rounds):
        for name, encoder in encoders.items():
            start = time.perf_counter()
            vectors[name] = encoder.encode(texts) if encoder else batched_int8(int8, texts)
            rates[name].append(len(texts) / (time.perf_counter() - start))
    base = np.array(rates["torch (project path)"])
    print(f"\n## Throughput: {len(texts):,} distinct AnnoMI therapist remarks, {rounds} rounds alternated\n")
    print("| backend | remarks/s per round | x PyTorch (per round) | median cosine to PyTorch | lowest | 10-NN kept |")
    print("| --- | --- | --- | --- | --- | --- |")
    reference = vectors["torch (project path)"]
    for name, rate in rates.items():
        cosine = (vectors[name] * reference).sum(axis=1)
        ratio = np.array(rate) / base
        print(
            f"| {name} | {', '.join(f'{r:.0f}' for r in rate)} | {', '.join(f'{r:.2f}' for r in ratio)} | "
            f"{np.median(cosine):.5f} | {cosine.min():.4f} | {neighbours_kept(reference, vectors[name]):.3f} |"
        )
    return vectors


def fit_figures(seeds: list[int]) -> dict[tuple[str, int], object]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from topics.fit.pipeline import fit_run

    plan = [("torch", seed) for seed in seeds] + [("onnx", seeds[0]), ("onnx-int8", seeds[0])]
    runs, seconds = {}, {}
    out = Path(tempfile.mkdtemp(prefix="therapy-topics-backend-fits-"))
    for backend, seed in plan:
        config = load_config(
            ROOT / "configs" / "annomi.yaml", ["fit.modes=[joint]", f"embed.backend={backend}", f"seed={seed}"]
        )
        start = time.perf_counter()
        runs[backend, seed] = fit_run(config, out=out / f"{backend}-{seed}")
        seconds[backend, seed] = time.perf_counter() - start

    def figures(run) -> dict:
        kept = run.remarks[run.remarks["kept"]]
        topics = kept["topic"].to_numpy(dtype=int)
        return {
            "topics": topics,
            "count": len(run.joint.topics),
            "junk": run.metrics["joint"]["junk_share"],
            "nmi": normalized_mutual_info_score(kept["meta_topic"].astype(str), topics),
        }

    measured = {key: figures(run) for key, run in runs.items()}
    reference = measured["torch", seeds[0]]
    torch_runs = [measured["torch", seed] for seed in seeds]
    seed_ari = min(
        adjusted_rand_score(a["topics"], b["topics"]) for i, a in enumerate(torch_runs) for b in torch_runs[i + 1 :]
    )
    spread = {
        name: max(max(r[name] for r in torch_runs) - min(r[name] for r in torch_runs), floor)
        for name, floor in (("count", 1), ("junk", 0.01), ("nmi", 0.01))
    }
    print(f"\n## Topics: AnnoMI joint fits (PyTorch seeds {seeds}; other backends seed {seeds[0]})\n")
    print(f"| fit | seconds | ARI with PyTorch seed {seeds[0]} | topics | junk | NMI with session topic | as good |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for (backend, seed), m in measured.items():
        ari = adjusted_rand_score(reference["topics"], m["topics"])
        good = backend == "torch" or (
            ari >= seed_ari and all(abs(m[n] - reference[n]) <= spread[n] for n in ("count", "junk", "nmi"))
        )
        print(
            f"| {backend}, seed {seed} | {seconds[backend, seed]:.0f} | {ari:.3f} | {m['count']} | {m['junk']:.3f} | "
            f"{m['nmi']:.3f} | {'yes' if good else 'no'} |"
        )
    print(
        f"\nSeed-to-seed ARI of the PyTorch fits: {seed_ari:.3f}; the PyTorch seeds' spread: topics {spread['count']}, "
        f"junk {spread['junk']:.3f}, NMI {spread['nmi']:.3f} (floors 1 / 0.01 / 0.01)."
    )
    return runs


def start_times(runs: dict, rounds: int, seed: int) -> None:
    first_vector = (
        "from topics.fit.encoders import make_encoder\n"
        "from topics.core.config import load_config\n"
        "import sys\n"
        "config = load_config('configs/demo.yaml', ['embed.backend=' + sys.argv[1]])\n"
        "make_encoder(config).encode(['How have you been sleeping since we last met?'])\n"
    )
    annomi = pd.read_csv(ANNOMI)
    session = Path(tempfile.mkdtemp(prefix="therapy-topics-session-")) / "session.csv"
    annomi[annomi["transcript_id"] == annomi["transcript_id"].iloc[0]].to_csv(session, index=False)
    # every command starts from a cache that holds the exported graph and no vectors: the session is embedded anew
    exported = Path(os.environ["THERAPY_TOPICS_CACHE"]) / "onnx"
    timings: dict[str, list[float]] = {}
    for _ in range(rounds):
        for backend in ("torch", "onnx"):
            fresh = Path(tempfile.mkdtemp(prefix="therapy-topics-fresh-cache-"))
            (fresh / "onnx").symlink_to(exported, target_is_directory=True)
            env = {**os.environ, "THERAPY_TOPICS_CACHE": str(fresh)}
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", first_vector, backend], check=True, cwd=ROOT, capture_output=True, env=env
            )
            timings.setdefault(f"new process to first vector, {backend}", []).append(time.perf_counter() - start)
            if (backend, seed) in runs:
                start = time.perf_counter()
                out = f"{session}.{backend}.csv"
                subprocess.run(
                    [TOPICS, "transform", str(runs[backend, seed].path), str(session), "--out", out],
                    check=True,
                    cwd=ROOT,
                    capture_output=True,
                    env=env,
                )
                timings.setdefault(f"topics transform of one session, {backend} run", []).append(
                    time.perf_counter() - start
                )
    print(f"\n## Start: wall seconds of a new process, {rounds} rounds alternated (the ONNX graph already exported)\n")
    print("| what | seconds per round | median |")
    print("| --- | --- | --- |")
    for name, values in timings.items():
        print(f"| {name} | {', '.join(f'{v:.2f}' for v in values)} | {statistics.median(values):.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 7, 11], help="PyTorch fits' seeds (first: all)")
    parser.add_argument("--skip-fits", action="store_true", help="throughput, vectors and start times only")
    args = parser.parse_args()
    frame = pd.read_csv(ANNOMI)
    texts = frame.loc[frame["interlocutor"] == "therapist", "utterance_text"].drop_duplicates().tolist()
    print(f"{os.cpu_count()} cores; onnxruntime and torch in one process; {time.strftime('%Y-%m-%d %H:%M')}")
    throughput(texts, args.rounds)
    runs = {} if args.skip_fits else fit_figures(args.seeds)
    start_times(runs, args.rounds + 1, args.seeds[0])


if __name__ == "__main__":
    main()
