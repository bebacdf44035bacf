"""Benchmark: expert edits on a run of 50,000+ remarks, against BERTopic's own merge in the same run.

Builds a large run from a fitted AnnoMI run (its remarks repeated with small
variations, each copy keeping its topic), then times:

* opening the run (load + replay of an empty log),
* 100 edits made through ``Curator.record`` (renames, merges, moves,
  discards, undos and redos), each appended with fsync, per kind,
* opening the run again: load + replay of those 100 edits,
* plain BERTopic: ``merge_topics`` and ``set_topic_labels`` on the same
  remarks with the fitted model loaded from its safetensors folder.

Goals: each edit under 300 ms, replay of 100 edits under 2 s; no re-embedding
or refitting for an edit (the explorer calls the same ``Curator``).

    .venv/bin/python benchmarks/edits.py [--copies 18]
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import topics  # noqa: E402,F401
from topics.core.config import load_config  # noqa: E402
from topics.core.files import atomic_folder  # noqa: E402
from topics.core.run import TopicRun, load_fitted_run  # noqa: E402
from topics.curate.editlog import Curator  # noqa: E402
from topics.fit.pipeline import fit_run  # noqa: E402
from topics.fit.topic_words import TopicWords  # noqa: E402

OPENERS = ["", "So ", "Well, ", "And ", "I hear that ", "Okay, so "]


def large_run(source: TopicRun, copies: int, target: Path) -> Path:
    """``copies`` variants of every remark, each keeping its topic; topic sizes scaled to match."""
    frames = []
    for i in range(copies):
        frame = source.remarks.copy()
        frame["remark_id"] = frame["remark_id"] + f"-{i}"
        frame["session"] = frame["session"] + f"-{i}"
        frame["text"] = OPENERS[i % len(OPENERS)] + frame["text"] + ("" if i < len(OPENERS) else f" ({i})")
        frames.append(frame)
    remarks = pd.concat(frames, ignore_index=True)
    joint = dataclasses.replace(
        source.joint,
        topics=[
            dataclasses.replace(
                t, size=t.size * copies, group_counts={g: n * copies for g, n in t.group_counts.items()}
            )
            for t in source.joint.topics
        ],
    )
    run = dataclasses.replace(source, remarks=remarks, joint=joint, groups={})
    with atomic_folder(target) as folder:
        run.write(folder)
        shutil.copytree(source.path / "model", folder / "model")
    return target


def count_words(folder: Path) -> float:
    """What ``topics fit`` does at the end of a fit: count and save the words of the kept remarks."""
    run = load_fitted_run(folder)
    _, seconds = timed(lambda: TopicWords.count(run.kept["text"].tolist(), run.config["words"]).save(folder))
    return seconds


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=18, help="copies of AnnoMI's 4,882 therapist remarks")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-edits-"))
    print("Fitting AnnoMI (cached embeddings and UMAP make this quick after the first time) ...", file=sys.stderr)
    source = fit_run(load_config(ROOT / "configs" / "annomi.yaml", ["fit.modes=[joint]"]), out=work / "annomi")
    folder = large_run(source, args.copies, work / "large")
    counting = count_words(folder)

    curator, open_seconds = timed(Curator, folder)
    n_remarks, n_kept = len(curator.run.remarks), len(curator.run.kept)
    times: dict[str, list[float]] = defaultdict(list)
    for i in range(100):
        ids = [t.id for t in curator.run.joint.topics]
        kind = ["rename", "rename", "merge", "move", "undo", "redo", "discard", "rename", "undo", "rename"][i % 10]
        fields = {
            "rename": {"topics": (ids[i % len(ids)],), "label": f"Expert label {i}"},
            "merge": {"topics": (ids[-1], ids[-2]), "label": f"Merged {i}"},
            "move": {"remarks": tuple(curator.run.kept["remark_id"].iloc[i * 37 : i * 37 + 20]), "to": ids[0]},
            "discard": {"topics": (ids[-1],)},
        }.get(kind, {})
        _, seconds = timed(curator.record, kind, "benchmark", **fields)
        times[kind].append(seconds)
    reopened, replay_seconds = timed(Curator, folder)
    assert reopened.run.joint.topics == curator.run.joint.topics

    from bertopic import BERTopic

    model = BERTopic.load(str(folder / "model"))
    kept = curator.fitted.kept
    docs, assigned = kept["text"].tolist(), kept["topic"].astype(int).tolist()
    model.topics_ = assigned
    ids = sorted(set(assigned) - {-1})
    _, bertopic_merge = timed(model.merge_topics, docs, [ids[-1], ids[-2]])
    _, bertopic_label = timed(model.set_topic_labels, {ids[0]: "Expert label"})

    print(f"\nRun of {n_remarks:,} remarks ({n_kept:,} in the model), {len(curator.fitted.joint.topics)} topics")
    print(f"word counts, once per run at fit time: {counting:.1f} s")
    print(f"open (load + empty log):           {1000 * open_seconds:8.0f} ms")
    for kind, values in sorted(times.items()):
        print(
            f"edit {kind:<8} x{len(values):<3}  median {1000 * statistics.median(values):6.0f} ms   "
            f"max {1000 * max(values):6.0f} ms"
        )
    slowest = max(max(v) for v in times.values())
    print(f"slowest edit: {1000 * slowest:.0f} ms (goal < 300 ms)")
    print(f"open + replay of 100 edits: {replay_seconds:.2f} s (goal < 2 s)")
    print(
        f"plain BERTopic merge_topics: {1000 * bertopic_merge:.0f} ms; set_topic_labels: {1000 * bertopic_label:.0f} ms"
    )
    merge_median = statistics.median(times["merge"])
    print(
        f"ratio BERTopic merge / our merge: {bertopic_merge / merge_median:.1f}x "
        "(ours also writes the log with fsync and keeps other topics' words)"
    )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
