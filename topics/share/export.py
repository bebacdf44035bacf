"""Hand a curated run back to BERTopic, for people who keep working there.

The export is a BERTopic safetensors folder whose topics are the curated ones:
merged, renamed and discarded as the experts left them, with their labels as
BERTopic ``custom_labels_``. BERTopic needs topic ids 0..k-1, so curated ids
are renumbered in order; ``id_map.json`` says which BERTopic id is which of
ours. c-TF-IDF tensors are not exported: they describe the fitted topics.

Topic embeddings are the curated centroids of :mod:`topics.curate.assign` (a merged
topic's is the mean of all its remarks, moved remarks count where they were
moved to), and the outlier row is the mean of the curated outliers, so
BERTopic's ``transform`` assigns what ours assigns, except where ours applies
its similarity floor or a discarded topic's sink, which BERTopic's
nearest-topic rule cannot express: on AnnoMI the two agree on 99 % of the
remarks ours puts in a topic and 91.5 % of all kept remarks.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np

from topics.core.errors import TopicsInputError
from topics.core.files import atomic_folder
from topics.core.output_log import record_output
from topics.core.run import OUTLIER
from topics.curate.assign import kept_embeddings
from topics.curate.editlog import Curator
from topics.fit.centroids import CuratedTopics
from topics.share.redact import redact_label, redact_words


def export_bertopic(curator: Curator, target: Path, redacted: bool = True) -> Path:
    """Write a BERTopic model folder for ``curator.run`` at ``target``; returns ``target``.

    The export leaves our hands, so labels and topic words are redacted
    (:mod:`topics.share.redact`) unless ``redacted`` is False. It holds no remark text.
    """
    from safetensors.numpy import save_file

    curated, fitted_model = curator.run, curator.path / "model"
    if curated.joint is None:
        raise TopicsInputError(f"{curated.path}: this run has no joint model to export.")
    if not (fitted_model / "config.json").exists():
        raise TopicsInputError(f"{fitted_model}: the saved BERTopic model is missing; refit the run.")
    topics = curated.joint.topics
    new_id = {t.id: i for i, t in enumerate(topics)}
    kept_topics = curated.kept["topic"].to_numpy(dtype=int)
    assignments = [OUTLIER if t == OUTLIER else new_id[int(t)] for t in kept_topics]
    has_outliers = OUTLIER in assignments
    fitted_topics = json.loads((fitted_model / "topics.json").read_text(encoding="utf-8"))
    embeddings = kept_embeddings(curator)
    # BERTopic's format holds one centroid per topic: the one-centroid rule's targets, without the curated rule's
    # parts, neighbours and placed texts
    targets = CuratedTopics.of(curated, curator.fitted, embeddings, rule="centroid")
    centroid_of = dict(zip(targets.ids.tolist(), targets.centroids))
    rows = [np.stack([centroid_of.get(t.id, curated.joint.centroids[i]) for i, t in enumerate(topics)])]

    label, words = (redact_label, redact_words) if redacted else (lambda text: text, lambda items: items)
    representations = {
        str(new_id[t.id]): [[word, weight] for word, (_, weight) in zip(words(t.top_words(len(t.words))), t.words)]
        for t in topics
    }
    labels = [label(t.label) for t in topics]
    if has_outliers:
        outlier_words = fitted_topics["topic_representations"].get("-1", [])
        representations = {
            "-1": [[word, weight] for word, (_, weight) in zip(words([w for w, _ in outlier_words]), outlier_words)],
            **representations,
        }
        labels = ["Outliers", *labels]
        rows.insert(0, np.asarray(embeddings[kept_topics == OUTLIER], dtype=np.float32).mean(axis=0, keepdims=True))
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
        save_file(
            {"topic_embeddings": np.concatenate(rows).astype(np.float32)}, str(folder / "topic_embeddings.safetensors")
        )
        (folder / "id_map.json").write_text(
            json.dumps({str(v): k for k, v in new_id.items()}, indent=2), encoding="utf-8"
        )
    record_output(curator.path, target, "BERTopic export", redacted)
    return target
