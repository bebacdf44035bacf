"""Benchmark: every command on corpora of 10k, 100k and 1M therapist remarks (issue 13).

Builds corpora of sessions of 100 therapist remarks (plus one client turn per
two remarks, which the loader drops), from AnnoMI's and the demo's therapist
remarks recombined two by two so that every text is unique, then runs each
command in a new process and prints, per size and stage, wall time, peak RSS
and the growth exponent between sizes (time ~ n^k; n log n is k of about
1.1 here). Then the embedding throughput of a Dask LocalCluster with 1 and 2
workers (one thread each) on the real encoder, and plain BERTopic's fit on the
same 10k remarks for scale.

Sizes up to ``--real-up-to`` use the packaged MiniLM; larger ones use the
stand-in encoder (``embed.model: stand-in``, a hashed bag of words: MiniLM
needs about an hour to embed 1M remarks on two cores with ONNX Runtime, projected
from its rate). The stand-in is flagged in every line it affects. ``--fit-only``
measures each size's fit alone (wall time and peak memory).

    .venv/bin/python benchmarks/scale.py [--sizes 10000 100000 1000000] [--real-up-to 10000] [--fit-only]
        [--work /tmp/therapy-topics-scale] [--annomi ../shared/corpora/annomi/AnnoMI-simple.csv]

Needs Chromium and chromedriver for the explorer's first page (``./run setup``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
TOPICS = str(Path(sys.executable).parent / "topics")
SESSION = 100
GOALS = {
    "fit": "1M <= 20 min",
    "explorer first page": "<= 5 s",
    "edit (in process)": "<= 300 ms",
    "compare": "<= 2 min",
}


def remark_pool(annomi: Path) -> list[str]:
    """Therapist remarks of AnnoMI and the demo with at least four words: the material recombined."""
    frame = pd.read_csv(annomi)
    texts = frame.loc[frame["interlocutor"] == "therapist", "utterance_text"].astype(str).tolist()
    demo = pd.read_csv(ROOT / "corpora" / "demo" / "demo_sessions.csv")
    texts += demo.loc[demo["speaker"] == "therapist", "text"].astype(str).tolist()
    return sorted({t.strip() for t in texts if len(t.split()) >= 4})


def build_corpus(size: int, pool: list[str], path: Path, seed: int = 0) -> Path:
    """``size`` unique therapist remarks in sessions of 100 (two remarks joined), half the sessions "high"."""
    if path.exists():
        return path
    rng = np.random.default_rng(seed)
    texts: list[str] = []
    seen: set[str] = set()
    while len(texts) < size:
        first, second = rng.integers(0, len(pool), size=(2, size - len(texts)))
        for a, b in zip(first, second):
            text = f"{pool[a]} {pool[b]}"
            if a != b and text not in seen:
                seen.add(text)
                texts.append(text)
    sessions = np.arange(size) // SESSION
    therapist = pd.DataFrame(
        {
            "session": sessions,
            "turn": np.arange(size) % SESSION * 2,
            "speaker": "therapist",
            "text": texts[:size],
            "quality": np.where(sessions % 2 == 0, "high", "low"),
        }
    )
    client = therapist.iloc[::2].assign(speaker="client", text="Mm, I suppose so.", turn=lambda f: f["turn"] + 1)
    frame = pd.concat([therapist, client]).sort_values(["session", "turn"], kind="stable")
    temporary = path.with_suffix(".tmp")
    frame.to_csv(temporary, index=False)
    temporary.rename(path)
    return path


def write_config(corpus: Path, folder: Path, stand_in: bool) -> Path:
    config = {
        "name": corpus.stem,
        "seed": 42,
        "corpus": {
            "path": str(corpus),
            "format": "csv",
            "keep_roles": ["therapist"],
            "group_label": "quality",
            "columns": {"text": "text", "role": "speaker", "session": "session", "group": "quality", "order": "turn"},
        },
        "embed": {"model": "stand-in" if stand_in else "packaged"},
        "cluster": {"min_cluster_size": 30, "min_samples": 10},
        "fit": {"modes": ["joint"]},
        "output": {"dir": str(folder)},
    }
    path = folder / f"{corpus.stem}.yaml"
    import yaml

    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def measure(command: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """(wall seconds, peak RSS in MiB, result) of one command in a new process."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{stderr[-3000:]}")
    return wall, usage.ru_maxrss / 1024, subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def first_page_seconds(run: Path) -> float:
    """Seconds from opening the explorer on ``run`` in headless Chromium to its Overview's topic table
    (the server's own start, which opens the run, is printed beside it)."""
    from chromium import chromium  # benchmarks/chromium.py
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    port = 8790
    server = subprocess.Popen(
        [TOPICS, "explore", str(run), "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        launched = time.perf_counter()
        for _ in range(480):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.25)
        print(
            f"  explorer server ready {time.perf_counter() - launched:.1f} s after 'topics explore' started "
            "(imports and the run opened before the first visitor)",
            flush=True,
        )
        driver = chromium(Path(tempfile.mkdtemp()))
        try:
            started = time.perf_counter()
            driver.get(f"http://127.0.0.1:{port}/")
            WebDriverWait(driver, 600).until(lambda d: "Intertopic map" in d.find_element(By.TAG_NAME, "body").text)
            return time.perf_counter() - started
        finally:
            driver.quit()
    finally:
        server.terminate()
        server.wait(timeout=30)


EDIT = """
import sys, time
from topics.curate.editlog import Curator
curator = Curator(sys.argv[1])
started = time.perf_counter()
curator.prime_words()  # what the explorer does in the background when it opens a run
prime = time.perf_counter() - started
topics = [t.id for t in curator.run.joint.topics]

def timed(op, **fields):
    started = time.perf_counter()
    curator.record(op, "benchmark", **fields)
    return time.perf_counter() - started

print(timed("rename", topics=(topics[0],), label="renamed by the benchmark"), timed("merge", topics=tuple(topics[1:3])),
      timed("move", remarks=tuple(curator.run.kept["remark_id"].iloc[:50]), to=topics[3]), timed("undo"), prime)
"""


PLAIN = """
import sys, pandas as pd
from bertopic import BERTopic
from umap import UMAP
from topics.fit.embed import StandInEncoder
frame = pd.read_csv(sys.argv[1])
docs = frame.loc[frame["speaker"] == "therapist", "text"].tolist()
embeddings = StandInEncoder().encode(docs)  # the same vectors our stand-in fit used
BERTopic(umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=42),
         min_topic_size=30).fit_transform(docs, embeddings=embeddings)
"""

THROUGHPUT = """
import sys, time
from dask.distributed import Client, LocalCluster
from topics.fit.distributed import ClusterEncoder
from topics.fit.onnx_encoder import OnnxEncoder
texts = open(sys.argv[1], encoding="utf-8").read().split("\\n")
for workers in (1, 2):
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        encoder = ClusterEncoder(OnnxEncoder(progress=False, threads=1), client, partition=100)  # the CPU default
        encoder.encode(texts[:400])  # every worker loads the model before the clock starts
        started = time.perf_counter()
        encoder.encode(texts[400:])
        print(workers, (len(texts) - 400) / (time.perf_counter() - started), flush=True)
"""


def dask_throughput(pool: list[str], work: Path, count: int = 2_400) -> dict[int, float]:
    """Remarks per second embedded with MiniLM on ONNX Runtime by a LocalCluster of 1 and 2 workers (a thread each)."""
    path = work / "throughput.txt"
    path.write_text("\n".join(pool[:count]), encoding="utf-8")
    _, _, done = measure([sys.executable, "-c", THROUGHPUT, str(path)])
    return {int(w): float(rate) for w, rate in (line.split() for line in done.stdout.split("\n") if line.strip())}


def run_size(
    size: int, pool: list[str], work: Path, stand_in: bool, fit_only: bool = False
) -> dict[str, tuple[float, float]]:
    """Every stage (or the fit alone) on one corpus size: {stage: (seconds, peak MiB)}; a stage that fails is
    reported and skipped."""
    corpus = build_corpus(size, pool, work / f"scale-{size}.csv")
    config = write_config(corpus, work, stand_in)
    run = work / f"run-{size}"
    stages: dict[str, tuple[float, float]] = {}

    def stage(name: str, action) -> None:
        try:
            stages[name] = action()
            seconds, peak = stages[name]
            print(f"  {name}: {_seconds(seconds)}" + ("" if math.isnan(peak) else f", {peak:.0f} MiB"), flush=True)
        except Exception as error:  # noqa: BLE001 - the benchmark goes on and says what failed
            print(f"  {name}: FAILED {str(error)[-2000:]}", flush=True)

    def fit():
        wall, peak, _ = measure([TOPICS, "fit", str(config), "--out", str(run)])
        seconds = json.loads((run / "provenance.json").read_text())["seconds"]
        print(f"  fit stages: {', '.join(f'{k} {v:.0f} s' for k, v in seconds.items() if v >= 1)}", flush=True)
        return wall, peak

    def edit():
        wall, peak, done = measure([sys.executable, "-c", EDIT, str(run)])
        rename, merge, move, undo, prime = map(float, done.stdout.split())
        print(
            f"  edits: rename {rename * 1000:.0f} ms, merge {merge * 1000:.0f} ms, move of 50 remarks "
            f"{move * 1000:.0f} ms, undo {undo * 1000:.0f} ms (after priming the word counts: {prime:.1f} s, "
            "in the background in the explorer)",
            flush=True,
        )
        return max(rename, merge, move, undo), peak

    if not run.exists():
        stage("fit", fit)
    if fit_only:
        return stages
    if size <= 100_000:  # plain BERTopic with the same stand-in vectors, for scale (fit only, no embedding)
        stage(
            "plain BERTopic fit (stand-in vectors given)",
            lambda: measure([sys.executable, "-c", PLAIN, str(corpus)])[:2],
        )
    stage("explorer first page", lambda: (first_page_seconds(run), float("nan")))
    stage("edit (in process)", edit)
    for name, command in (
        ("compare", [TOPICS, "compare", str(run)]),
        ("evaluate", [TOPICS, "evaluate", str(run)]),
        ("report", [TOPICS, "report", str(run)]),
        (
            "stability (fit + 1 refit)",
            [
                TOPICS,
                "stability",
                str(config),
                "--seeds",
                "1",
                "--out",
                str(work / f"stability-{size}-{time.time_ns()}"),
            ],
        ),
    ):
        stage(name, lambda command=command: measure(command)[:2])
    (work / f"results-{size}.json").write_text(json.dumps(stages, indent=1))
    return stages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument(
        "--real-up-to",
        type=int,
        default=10_000,
        help="largest size embedded with the real MiniLM (default 10000; 100000 takes ~12 min more)",
    )
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "therapy-topics-scale")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="take a size's figures from an earlier run's results-<size>.json in --work when present",
    )
    parser.add_argument("--fit-only", action="store_true", help="each size's fit alone: no other command, no Dask")
    parser.add_argument(
        "--annomi", type=Path, default=ROOT.parent / "shared" / "corpora" / "annomi" / "AnnoMI-simple.csv"
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    pool = remark_pool(args.annomi)
    results = {}
    for size in args.sizes:
        stand_in = size > args.real_up_to
        saved = args.work / f"results-{size}.json"
        if args.reuse and saved.exists():
            results[size] = {k: tuple(v) for k, v in json.loads(saved.read_text()).items()}
            print(f"{size:,} remarks: figures from {saved}", flush=True)
            continue
        print(f"{size:,} remarks ({'stand-in encoder' if stand_in else 'MiniLM'})", flush=True)
        results[size] = run_size(size, pool, args.work, stand_in, args.fit_only)
    print_table(results, args.real_up_to)
    if args.fit_only:
        return
    rates = dask_throughput(pool, args.work)
    print(
        f"\nDask LocalCluster, MiniLM: 1 worker {rates[1]:.0f} remarks/s, 2 workers {rates[2]:.0f} remarks/s "
        f"({rates[2] / rates[1]:.2f}x; goal >= 1.7x)"
    )


def print_table(results: dict[int, dict[str, tuple[float, float]]], real_up_to: int) -> None:
    sizes = sorted(results)
    stages = list(dict.fromkeys(stage for size in sizes for stage in results[size]))
    header = "| stage | " + " | ".join(f"{s:,}{'*' if s > real_up_to else ''}" for s in sizes) + " | growth k | goal |"
    print("\n" + header + "\n|" + "---|" * (len(sizes) + 3))
    for stage in stages:
        cells = []
        for size in sizes:
            seconds, peak = results[size].get(stage, (math.nan, math.nan))
            cells.append(f"{_seconds(seconds)}" + ("" if math.isnan(peak) else f", {peak / 1024:.1f} GB"))
        growth = []
        for small, large in zip(sizes, sizes[1:]):
            a, b = results[small].get(stage, (math.nan,))[0], results[large].get(stage, (math.nan,))[0]
            growth.append(f"{math.log(b / a) / math.log(large / small):.2f}" if a > 0 and b > 0 else "-")
        print(f"| {stage} | " + " | ".join(cells) + f" | {', '.join(growth)} | {GOALS.get(stage, '')} |")
    print(
        "\n* stand-in encoder (hashed bag of words), not MiniLM. Peak RSS of the command's process "
        "(UMAP worker processes counted separately, each at most the largest shown)."
    )


def _seconds(value: float) -> str:
    if math.isnan(value):
        return "-"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.1f} s" if value < 120 else f"{value / 60:.1f} min"


if __name__ == "__main__":
    main()
