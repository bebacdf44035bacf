"""Hand a curated run back to BERTopic, for people who keep working there.

The export is a BERTopic safetensors folder whose topics are the curated ones:
merged, renamed and discarded as the experts left them, with their labels as
BERTopic ``custom_labels_``. BERTopic needs topic ids 0..k-1, so curated ids
are renumbered in order; ``id_map.json`` says which BERTopic id is which of
ours. c-TF-IDF tensors are not exported: they describe the fitted topics.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from topics.errors import TopicsInputError
from topics.run import OUTLIER, TopicRun, atomic_folder


def export_bertopic(curated: TopicRun, fitted_model: Path, target: Path) -> Path:
    """Write a BERTopic model folder for ``curated`` at ``target``; returns ``target``."""
    from safetensors.numpy import load_file, save_file

    if curated.joint is None:
        raise TopicsInputError(f"{curated.path}: this run has no joint model to export.")
    if not (fitted_model / "config.json").exists():
        raise TopicsInputError(f"{fitted_model}: the saved BERTopic model is missing; refit the run.")
    topics = curated.joint.topics
    new_id = {t.id: i for i, t in enumerate(topics)}
    assignments = [OUTLIER if t == OUTLIER else new_id[int(t)] for t in curated.kept["topic"]]
    has_outliers = OUTLIER in assignments
    fitted_topics = json.loads((fitted_model / "topics.json").read_text(encoding="utf-8"))
    fitted_embeddings = load_file(str(fitted_model / "topic_embeddings.safetensors"))["topic_embeddings"]

    representations = {str(new_id[t.id]): [list(w) for w in t.words] for t in topics}
    labels = [t.label for t in topics]
    rows = [np.asarray(curated.joint.centroids, dtype=np.float32)]
    if has_outliers:
        representations = {"-1": fitted_topics["topic_representations"].get("-1", []), **representations}
        labels = ["Outliers", *labels]
        if "-1" in fitted_topics["topic_sizes"]:
            outlier_row = fitted_embeddings[:1]  # the fitted outlier centroid comes first
        else:  # outliers made by edits only: a centroid between all topics, close to none of them
            outlier_row = curated.joint.centroids.mean(axis=0, keepdims=True)
        rows.insert(0, np.asarray(outlier_row, dtype=np.float32))
    ids = ([OUTLIER] if has_outliers else []) + list(range(len(topics)))
    sizes = {str(i): int(sum(1 for a in assignments if a == i)) for i in ids}
    exported = {
        "topic_representations": representations,
        "topics": assignments,
        "topic_sizes": sizes,
        "topic_mapper": [[i, i, i] for i in ids],
        "topic_labels": {str(i): f"{i}_" + "_".join(w for w, _ in (representations[str(i)] or [])[:4]) for i in ids},
        "custom_labels": labels,
        "_outliers": int(has_outliers),
        "topic_aspects": {},
    }
    with atomic_folder(target) as folder:
        shutil.copy(fitted_model / "config.json", folder / "config.json")
        (folder / "topics.json").write_text(json.dumps(exported, indent=2, ensure_ascii=False), encoding="utf-8")
        save_file({"topic_embeddings": np.concatenate(rows)}, str(folder / "topic_embeddings.safetensors"))
        (folder / "id_map.json").write_text(json.dumps({str(v): k for k, v in new_id.items()}, indent=2), encoding="utf-8")
    return target
