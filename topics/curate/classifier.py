"""A classifier of the curated topics, checked on sessions it never saw.

The follow-up to the reference study (Vanin, Bolshev, Panfilova 2025) trained
a classifier on expert-curated topics to label new sessions. Done properly
that means: remarks of one session are never in both training and test data
(a session's remarks share a client, a problem and phrasings, so a random
split of remarks flatters any classifier), the outliers are a class of their
own (a classifier that must always name a topic is not comparable with the
assignment rules, which may say "no topic"), and the classifier is compared with
the curated rule of :mod:`topics.curate.assign` and the former one-centroid rule
on the *same* held-out sessions.

``topics classifier RUN`` fits :class:`TopicClassifier` (class-weighted
multinomial logistic regression on the kept remarks' unit embeddings) and
writes ``RUN/classifier/``: the weights as ``.npy`` (no pickles), the
cross-validated per-topic precision, recall and F1 and the confusion table of
the classifier and both assignment rules, and a fingerprint of the curated assignment it was trained on.
A classifier trained before later edits is refused by ``transform``: the
curated topic must be the topic everywhere.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from topics.core.errors import TopicsInputError
from topics.core.files import atomic_folder, write_text_atomic
from topics.core.run import OUTLIER, TopicRun
from topics.fit.centroids import DEFAULT_MIN_SIMILARITY, CuratedTopics, unit_rows

if TYPE_CHECKING:
    from topics.curate.editlog import Curator

FOLDER = "classifier"
MIN_SESSIONS = 3
#: the rules compared: the curated rule (the default of transform), one centroid per topic, the classifier
METHODS = ("curated", "centroid", "classifier")


def assignment_fingerprint(run: TopicRun) -> str:
    """A digest of the curated assignment of the kept remarks: changes with every edit that changes a topic."""
    kept = run.kept
    digest = hashlib.sha256()
    digest.update(kept["remark_id"].astype(str).str.cat(sep="\n").encode())
    digest.update(np.ascontiguousarray(kept["topic"].to_numpy(dtype=np.int64)).tobytes())
    return digest.hexdigest()[:16]


class TopicClassifier:
    """Class-weighted multinomial logistic regression from unit embeddings to curated topics (-1 = outlier).

    scikit-learn style: ``__init__`` stores parameters, ``fit`` returns self,
    fitted attributes end in ``_``. Prediction is a matrix product and an
    argmax over the stored weights, so a saved classifier needs numpy only.
    """

    def __init__(self, C: float = 1.0, max_iter: int = 2000, seed: int = 42) -> None:
        self.C = C
        self.max_iter = max_iter
        self.seed = seed

    def get_params(self) -> dict:
        """The constructor's parameters by name (stored with a saved classifier and passed back to :meth:`load`)."""
        return {"C": self.C, "max_iter": self.max_iter, "seed": self.seed}

    def fit(self, embeddings: np.ndarray, labels: np.ndarray) -> TopicClassifier:
        """Fit on the rows of ``embeddings`` (unit-normalised first) and their topic ids ``labels``; returns self."""
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=self.C, class_weight="balanced", max_iter=self.max_iter, random_state=self.seed)
        model.fit(unit_rows(embeddings), np.asarray(labels, dtype=int))
        self.classes_ = model.classes_.astype(int)
        coef, intercept = model.coef_, model.intercept_
        if len(self.classes_) == 2:  # scikit-learn keeps one row for two classes: make it one row per class
            coef, intercept = np.vstack([-coef / 2, coef / 2]), np.array([-intercept[0] / 2, intercept[0] / 2])
        self.coef_, self.intercept_ = coef.astype(np.float32), intercept.astype(np.float32)
        return self

    def predict(self, embeddings: np.ndarray, block: int = 65_536) -> np.ndarray:
        """The most probable class of each row (a topic id, or -1 for the outliers), in blocks."""
        out = np.empty(len(embeddings), dtype=int)
        for start in range(0, len(embeddings), block):
            scores = unit_rows(np.asarray(embeddings[start : start + block])) @ self.coef_.T + self.intercept_
            out[start : start + len(scores)] = self.classes_[scores.argmax(axis=1)]
        return out

    def save(self, folder: Path) -> None:
        """Write the fitted weights, intercepts and classes into ``folder`` as ``.npy`` files, without pickles."""
        np.save(folder / "coef.npy", self.coef_, allow_pickle=False)
        np.save(folder / "intercept.npy", self.intercept_, allow_pickle=False)
        np.save(folder / "classes.npy", self.classes_.astype(np.int64), allow_pickle=False)

    @classmethod
    def load(cls, folder: Path, params: dict) -> TopicClassifier:
        """A classifier made with ``params`` and the fitted arrays :meth:`save` wrote in ``folder``."""
        model = cls(**params)
        model.coef_ = np.load(folder / "coef.npy", allow_pickle=False)
        model.intercept_ = np.load(folder / "intercept.npy", allow_pickle=False)
        model.classes_ = np.load(folder / "classes.npy", allow_pickle=False).astype(int)
        return model


@dataclass
class Evaluation:
    """Session-grouped cross-validation of the classifier and both assignment rules on the same folds."""

    folds: int
    sessions: int
    remarks: int
    macro_f1: dict[str, float]
    fold_macro_f1: dict[str, list[float]]
    recommended: str
    per_topic: pd.DataFrame
    confusion: pd.DataFrame


def _scores(truth: np.ndarray, predicted: np.ndarray, topics: list[int]) -> tuple[np.ndarray, ...]:
    from sklearn.metrics import precision_recall_fscore_support

    # averaged over the real topics only; a remark put among the outliers still costs its topic recall
    return precision_recall_fscore_support(truth, predicted, labels=topics, zero_division=0)


def session_folds(sessions: np.ndarray, folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) row indices; every session's remarks fall in exactly one test fold."""
    from sklearn.model_selection import GroupKFold

    splitter = GroupKFold(n_splits=min(folds, len(np.unique(sessions))))
    return list(splitter.split(np.zeros(len(sessions)), groups=sessions))


def cross_validate(
    embeddings: np.ndarray,
    labels: np.ndarray,
    sessions: np.ndarray,
    topics: list[int],
    classifier: TopicClassifier,
    min_similarity: float = DEFAULT_MIN_SIMILARITY,
    folds: int = 5,
    fitted: np.ndarray | None = None,
) -> Evaluation:
    """Out-of-fold predictions of the classifier and of both assignment rules, folds grouped by session.

    ``fitted``: the fitted topics of the same remarks (the curated rule keeps a merged topic's parts); None when
    the labels are the fit's own. Held-out remarks are assigned from their vectors alone: a text that another
    session also holds is not looked up, so the figures measure the geometry."""
    fitted = labels if fitted is None else fitted
    predicted = {method: np.full(len(labels), OUTLIER, dtype=int) for method in METHODS}
    fold_f1: dict[str, list[float]] = {method: [] for method in METHODS}
    splits = session_folds(sessions, folds)
    for train, test in splits:
        for rule in ("curated", "centroid"):
            targets = CuratedTopics.from_labels(
                labels[train], fitted[train], topics, embeddings[train], min_similarity, rule=rule
            )
            predicted[rule][test] = targets.assign(embeddings[test])[0]
        fold_model = TopicClassifier(**classifier.get_params()).fit(embeddings[train], labels[train])
        predicted["classifier"][test] = fold_model.predict(embeddings[test])
        held_out = [t for t in topics if (labels[test] == t).any()]  # a topic absent from the fold has no F1
        for method in METHODS:
            fold_f1[method].append(float(np.mean(_scores(labels[test], predicted[method][test], held_out)[2])))
    rows = []
    for method in METHODS:
        precision, recall, f1, support = _scores(labels, predicted[method], topics)
        rows += [
            {"method": method, "topic": t, "precision": p, "recall": r, "f1": f, "support": int(s)}
            for t, p, r, f, s in zip(topics, precision, recall, f1, support)
        ]
    per_topic = pd.DataFrame(rows)
    macro = {m: float(per_topic.loc[per_topic["method"] == m, "f1"].mean()) for m in METHODS}
    # "measurably better": a higher macro-F1 in every held-out fold, not only on average
    beats = all(c > k for c, k in zip(fold_f1["classifier"], fold_f1["curated"]))
    confusion = pd.crosstab(pd.Series(labels, name="curated"), pd.Series(predicted["classifier"], name="predicted"))
    return Evaluation(
        folds=len(splits),
        sessions=len(np.unique(sessions)),
        remarks=len(labels),
        macro_f1=macro,
        fold_macro_f1=fold_f1,
        recommended="classifier" if beats else "curated",
        per_topic=per_topic,
        confusion=confusion,
    )


def _training_data(run: TopicRun, source: Path) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Curated labels, sessions and topic ids of the kept remarks; refuses what cannot be validated."""
    if run.joint is None:
        raise TopicsInputError(
            f"{source}: this run has no joint model to train a classifier on (fit it with fit.modes: [joint])."
        )
    kept = run.kept
    labels = kept["topic"].to_numpy(dtype=int)
    topics = [t.id for t in run.joint.topics if (labels == t.id).any()]
    if len(topics) < 2:
        raise TopicsInputError(
            f"{source}: the curated run has {len(topics)} topic(s) with remarks; a classifier "
            "needs at least 2. Undo merges or discards, or refit with smaller clusters."
        )
    sessions = kept["session"]
    if sessions.isna().any():
        raise TopicsInputError(
            f"{source}: {int(sessions.isna().sum())} kept remark(s) have no session; the "
            "classifier is validated on whole held-out sessions. Set corpus.columns.session."
        )
    if sessions.nunique() < MIN_SESSIONS:
        raise TopicsInputError(
            f"{source}: {sessions.nunique()} session(s); validating on held-out sessions needs at least {MIN_SESSIONS}."
        )
    return labels, sessions.astype(str).to_numpy(), topics


def train(
    curator: Curator, folds: int = 5, C: float = 1.0, min_similarity: float | None = None
) -> tuple[Path, Evaluation]:
    """Cross-validate the classifier and both assignment rules, fit the classifier on every kept remark, write
    ``RUN/classifier/``."""
    from topics.curate.assign import kept_embeddings, run_floor

    if folds < 2:
        raise TopicsInputError(f"--folds {folds}: cross-validation needs at least 2 folds.")
    run = curator.run
    labels, sessions, topics = _training_data(run, curator.path)
    embeddings = np.asarray(kept_embeddings(curator), dtype=np.float32)
    floor = run_floor(run, min_similarity)
    classifier = TopicClassifier(C=C, seed=int(run.config.get("seed", 42)))
    fitted = curator.fitted.kept["topic"].to_numpy(dtype=int)
    evaluation = cross_validate(embeddings, labels, sessions, topics, classifier, floor, folds, fitted)
    classifier.fit(embeddings, labels)
    info = {
        "trained_on": assignment_fingerprint(run),
        "params": classifier.get_params(),
        "min_similarity": floor,
        **{k: v for k, v in asdict(evaluation).items() if k not in ("per_topic", "confusion")},
    }
    target = curator.path / FOLDER
    with atomic_folder(target, replace=True) as staging:
        classifier.save(staging)
        evaluation.per_topic.to_csv(staging / "scores.csv", index=False)
        evaluation.confusion.to_csv(staging / "confusion.csv")
        write_text_atomic(staging / "classifier.json", json.dumps(info, indent=2) + "\n")
    return target, evaluation


@dataclass
class Trained:
    """A classifier as stored in a run, and whether it was trained on the run's current curation."""

    model: TopicClassifier
    info: dict
    scores: pd.DataFrame
    current: bool


def load(curator: Curator) -> Trained | None:
    """The run's classifier, or None when ``topics classifier`` has not been run on it."""
    folder = curator.path / FOLDER
    if not (folder / "classifier.json").exists():
        return None
    info = json.loads((folder / "classifier.json").read_text(encoding="utf-8"))
    return Trained(
        model=TopicClassifier.load(folder, info["params"]),
        info=info,
        scores=pd.read_csv(folder / "scores.csv"),
        current=info["trained_on"] == assignment_fingerprint(curator.run),
    )


def require_current(curator: Curator) -> TopicClassifier:
    """The run's classifier for ``transform --method classifier``; a clear error if missing or stale."""
    trained = load(curator)
    if trained is None:
        raise TopicsInputError(
            f"{curator.path}: no classifier in this run. Train one with 'topics classifier {curator.path}' first."
        )
    if not trained.current:
        raise TopicsInputError(
            f"{curator.path}: the classifier was trained before later expert edits, so it would "
            f"assign topics that no longer exist. Retrain it with 'topics classifier {curator.path}'."
        )
    return trained.model


def topic_f1(curator: Curator) -> dict[int, float] | None:
    """Per-topic cross-validated F1 of a current classifier, for the explorer; None without one."""
    trained = load(curator)
    if trained is None or not trained.current:
        return None
    rows = trained.scores[trained.scores["method"] == "classifier"]
    return dict(zip(rows["topic"].astype(int), rows["f1"].astype(float)))


def summary(evaluation: Evaluation, run: TopicRun) -> str:
    """Both methods side by side, the verdict, and the topics a machine recognises worst."""
    labels = {t.id: t.label for t in run.joint.topics}
    folds = evaluation.fold_macro_f1
    lines = [
        f"Cross-validated on {evaluation.remarks:,} remarks of {evaluation.sessions} sessions, "
        f"{evaluation.folds} folds grouped by session (no session in both training and test).",
        f"{'method':<12}{'macro-F1':>10}   per fold",
    ]
    for method in METHODS:
        lines.append(
            f"{method:<12}{evaluation.macro_f1[method]:>10.3f}   " + " ".join(f"{value:.3f}" for value in folds[method])
        )
    if evaluation.recommended == "classifier":
        lines.append("The classifier beats the curated rule in every fold: use transform --method classifier.")
    else:
        lines.append(
            "The classifier does not beat the curated rule in every fold: keep the default "
            "(transform --method curated)."
        )
    scores = evaluation.per_topic[evaluation.per_topic["method"] == "classifier"].sort_values("f1").head(5)
    lines.append("Topics the classifier recognises worst (F1):")
    lines += [f"  {row.f1:.2f}  [{row.topic}] {labels.get(int(row.topic), '?')}" for row in scores.itertuples()]
    return "\n".join(lines)
