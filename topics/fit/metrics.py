"""Quality measures of a topic set, computed from the corpus itself.

* **NPMI coherence** of each topic's top words, with document co-occurrence
  counts from the fitted remarks (tokenised like the vectorizer), averaged over
  word pairs and then topics. Range -1..1; higher means the words occur together.
* **Topic diversity**: unique words among all topics' top-k over ``k * n_topics``.
* **C_V coherence**: for each topic, the mean cosine between each top word's
  NPMI vector (against the topic's other top words) and the topic's summed
  vector (Röder et al. 2015), with remarks as the co-occurrence windows.
* **Outlier share**: share of the model's remarks in no topic (-1).
* **Filler topics**: topics whose top words are all stop words or fillers.
* **Filler share**: share of all top-word slots taken by stop words or fillers.
* **Junk share**: share of the model's remarks that are outliers or sit in a
  filler topic: remarks the model says nothing about.
* **Coverage**: of the therapist remarks that say something (all but the
  empty ones and backchannels), the share that ends in a topic, clustered or
  attached, overall and among remarks of 4 words or more: what a supervisor
  browsing by topic will not find (:func:`coverage`).
* **NMI / ARI** between topic assignments (outliers as one class) and a label
  column of the corpus, where it has one; per label, the share of its remarks
  in topics it dominates (:func:`label_recall`).

NPMI alone misleads on short spoken remarks: filler words co-occur in almost
every remark, so a model of fillers scores high. Read it with the filler and
junk shares.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import CountVectorizer

from topics.core.run import OUTLIER, Topic
from topics.fit.stopwords import STOP_WORDS, TOKEN_PATTERN, is_uninformative


def topic_diversity(top_words: Sequence[Sequence[str]]) -> float:
    """Unique words among all topics' top words over the number of top-word slots; 0.0 without any word."""
    total = sum(len(words) for words in top_words)
    return len({w for words in top_words for w in words}) / total if total else 0.0


def _present_words(vocabulary: Sequence[str]):
    """An analyzer yielding the words and n-grams of ``vocabulary`` that a document holds, tokenised as the
    vectorizer does: n-grams are built only where one of the vocabulary's n-grams starts, so a million
    remarks are read in seconds rather than by building every n-gram of every remark."""
    tokenize = CountVectorizer(token_pattern=TOKEN_PATTERN).build_tokenizer()
    words = set(vocabulary)
    grams = {
        w.split()[0]: sorted({len(v.split()) for v in vocabulary if v.split()[0] == w.split()[0] and " " in v})
        for w in vocabulary
        if " " in w
    }

    def analyze(document: str) -> list[str]:
        tokens = tokenize(document.lower())
        found = [t for t in tokens if t in words]
        for i, token in enumerate(tokens):
            for n in grams.get(token, ()):
                gram = " ".join(tokens[i : i + n])
                if gram in words:
                    found.append(gram)
        return found

    return analyze


def _npmi_matrix(top_words: Sequence[Sequence[str]], documents: Sequence[str]) -> tuple[dict[str, int], np.ndarray]:
    """NPMI of every pair of top words, from document co-occurrence; -1 where a pair never meets."""
    vocabulary = sorted({w for words in top_words for w in words})
    vectorizer = CountVectorizer(vocabulary=vocabulary, analyzer=_present_words(vocabulary), binary=True)
    presence = vectorizer.transform(documents).tocsc().astype(np.float64)
    n_docs = presence.shape[0]
    p_word = np.asarray(presence.sum(axis=0)).ravel() / n_docs
    p_joint = (presence.T @ presence).toarray() / n_docs
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(p_joint / np.outer(p_word, p_word))
        npmi = pmi / -np.log(p_joint)
    npmi[p_joint == 0] = -1.0
    npmi[p_joint == 1] = 1.0
    return {w: i for i, w in enumerate(vocabulary)}, npmi


def coherence(top_words: Sequence[Sequence[str]], documents: Sequence[str]) -> tuple[float, float]:
    """(NPMI, C_V) of a topic set, from one count of its top words in ``documents``: counting them is the
    slow part on a large corpus, so both measures share it.

    NPMI: mean over topics of the mean NPMI over their top-word pairs. C_V: mean over topics and words of
    cos(NPMI vector of the word, NPMI vector of the topic)."""
    top_words = [list(words) for words in top_words if len(words) > 1]
    if not top_words or not documents:
        return float("nan"), float("nan")
    index, npmi = _npmi_matrix(top_words, documents)
    pairs, cosines = [], []
    for words in top_words:
        rows = [index[w] for w in words]
        pairs.append(np.mean([npmi[a, b] for a, b in itertools.combinations(rows, 2)]))
        vectors = npmi[np.ix_(rows, rows)]
        topic = vectors.sum(axis=0)
        norms = np.linalg.norm(vectors, axis=1) * np.linalg.norm(topic)
        cosines.append(np.divide(vectors @ topic, norms, out=np.zeros(len(rows)), where=norms > 0).mean())
    return float(np.mean(pairs)), float(np.mean(cosines))


def label_agreement(assignments: np.ndarray, labels: Sequence) -> dict[str, float]:
    """NMI and ARI between topics (outliers as one class) and a label column; missing labels are left out."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    labels = np.asarray(labels, dtype=object)
    known = np.array([bool(pd.notna(label)) and str(label).strip() != "" for label in labels], dtype=bool)
    if known.sum() < 2:
        return {"nmi": float("nan"), "ari": float("nan")}
    truth = [str(label).strip() for label in labels[known]]
    return {
        "nmi": float(normalized_mutual_info_score(truth, assignments[known])),
        "ari": float(adjusted_rand_score(truth, assignments[known])),
    }


def label_recall(assignments: np.ndarray, labels: Sequence, purity: float = 0.5) -> dict[str, float]:
    """Per label, the share of its remarks that sit in topics it dominates: how well topics recover a known
    partition, label by label (planted themes, a session topic), where ARI gives one figure for all of them.

    A topic *belongs to* a label when at least ``purity`` of the topic's remarks carry it (``purity`` above
    0.5 gives each topic at most one label; 0.5 exactly, one unless two labels tie); a label's recall is the
    share of its remarks in topics that belong to it, however many (a theme split in two topics is still
    recovered); outliers belong to no label. Remarks with a missing label are left out, as in
    :func:`label_agreement`. Labels in order of their first remark.
    """
    labels = np.asarray(labels, dtype=object)
    known = np.array([bool(pd.notna(label)) and str(label).strip() != "" for label in labels], dtype=bool)
    table = pd.crosstab(np.asarray(assignments)[known], np.array([str(x).strip() for x in labels[known]]))
    placed = table.drop(index=OUTLIER, errors="ignore")
    owned = placed.div(placed.sum(axis=1), axis=0) >= purity
    recovered = placed.where(owned, 0).sum(axis=0) / table.sum(axis=0)
    order = pd.unique(np.array([str(x).strip() for x in labels[known]]))
    return {str(label): float(recovered[label]) for label in order}


def topic_set_metrics(
    topics: list[Topic],
    assignments: np.ndarray,
    documents: Sequence[str],
    top_n: int = 10,
    initial_assignments: np.ndarray | None = None,
    stop_words: frozenset[str] = STOP_WORDS,
    labels: dict[str, Sequence] | None = None,
) -> dict[str, float | int]:
    """The measures stored in ``metrics.json`` for one model; ``labels``: name -> one label per remark."""
    top_words = [t.top_words(top_n) for t in topics]
    n = len(assignments)
    filler = [t for t in topics if all(is_uninformative(w, stop_words) for w in t.top_words(top_n))]
    slots = [w for words in top_words for w in words]
    outlier_share = float(np.mean(assignments == OUTLIER)) if n else 0.0
    filler_topic_share = float(sum(t.size for t in filler) / n) if n else 0.0
    npmi, c_v = coherence(top_words, documents)
    metrics = {
        "remarks": n,
        "topic_count": len(topics),
        "outlier_share": outlier_share,
        "topic_diversity": topic_diversity(top_words),
        "npmi": npmi,
        "c_v": c_v,
        "filler_topics": len(filler),
        "filler_topic_share": filler_topic_share,
        "filler_share": float(np.mean([is_uninformative(w, stop_words) for w in slots])) if slots else 0.0,
        "junk_share": outlier_share + filler_topic_share,
    }
    for name, values in (labels or {}).items():
        agreement = label_agreement(assignments, values)
        metrics[f"nmi_{name}"], metrics[f"ari_{name}"] = agreement["nmi"], agreement["ari"]
    if initial_assignments is not None:
        metrics["outlier_share_before_reduction"] = float(np.mean(initial_assignments == OUTLIER)) if n else 0.0
    return metrics


#: Remarks of at least this many words are "substantive" in the coverage figures: short enough to hold a
#: ruler question ("Why a six and not a two?"), long enough to leave out "Okay, so." and "Right, yeah."
SUBSTANTIVE_WORDS = 4


def content_mask(remarks: pd.DataFrame) -> np.ndarray:
    """Mask of the remarks that say something: all but the empty ones and backchannels."""
    return ~remarks["set_aside"].astype("string").fillna("").isin(["empty", "backchannel"]).to_numpy()


def substantive_mask(remarks: pd.DataFrame) -> np.ndarray:
    """Mask of the remarks that say something in :data:`SUBSTANTIVE_WORDS` words or more."""
    return content_mask(remarks) & (remarks["text"].astype(str).str.split().str.len().to_numpy() >= SUBSTANTIVE_WORDS)


def topic_mask(remarks: pd.DataFrame) -> np.ndarray:
    """Mask of the remarks that end in a topic of the joint model (clustered or attached)."""
    return pd.to_numeric(remarks["topic"], errors="coerce").fillna(OUTLIER).to_numpy() != OUTLIER


def coverage_by(remarks: pd.DataFrame, column: str) -> pd.Series:
    """Share of the substantive remarks in a topic, per value of ``column`` (AnnoMI: the behaviour code)."""
    long = substantive_mask(remarks)
    return pd.Series(topic_mask(remarks)[long]).groupby(remarks[column].to_numpy()[long]).mean()


def coverage(remarks: pd.DataFrame, substantive: bool = True) -> dict[str, float | int]:
    """How many of the remarks that say something end in a topic of the joint model.

    ``remarks``: a run's remark table (``set_aside``, ``topic``, ``text``), fitted or curated (a discarded
    topic's remarks count as without one). Counted: every remark that is not empty and not a backchannel
    (clustered or attached); ``no_topic_share``: the share of them in no topic; ``substantive_*``: the same
    among those of :data:`SUBSTANTIVE_WORDS` words or more (left out with ``substantive=False``, which reads
    no text: cheap enough for every page view of a million remarks).
    """
    says = content_mask(remarks)
    placed = topic_mask(remarks) & says
    figures: dict[str, float | int] = {
        "remarks_with_content": int(says.sum()),
        "no_topic_share": float(1 - placed.sum() / says.sum()) if says.any() else 0.0,
    }
    if substantive:
        long = substantive_mask(remarks)
        figures |= {
            "substantive_remarks": int(long.sum()),
            "substantive_no_topic_share": float(1 - (placed & long).sum() / long.sum()) if long.any() else 0.0,
        }
    return figures


#: Short motivational-interviewing interventions that supervisors look for, as stated patterns (lower-case
#: regular expressions on a remark's text): the coverage benchmark and the AnnoMI tests check that they
#: end in a topic. Written from MI training material, not tuned on AnnoMI's remarks.
INTERVENTIONS = {
    "ruler question": r"on a scale|scale of (?:zero|one|0|1)|(?:zero|one|0|1) to (?:ten|10)|why an? \w+ and not|"
    r"(?:rather than|why not) an? (?:zero|one|two|three|four|five|six|seven|eight|nine|ten)\b",
    "asking permission": r"is it (?:okay|ok|alright|all right) (?:if|with you if)|"
    r"would it be (?:okay|ok|alright|all right) (?:if|with you if)|(?:do|would) you mind if i|"
    r"mind if i|can i (?:share|tell|give|offer|ask)|may i (?:share|tell|give|offer|ask)|"
    r"would you like (?:me to|to hear)",
}


def intervention_coverage(remarks: pd.DataFrame, topic_labels: dict[int, str] | None = None) -> pd.DataFrame:
    """Per pattern of :data:`INTERVENTIONS`: how many remarks match, the share of them in a topic, and the
    topics they land in (most frequent first, with counts)."""
    text = remarks["text"].astype(str).str.lower()
    topic = pd.to_numeric(remarks["topic"], errors="coerce").fillna(OUTLIER).astype(int)
    placed = pd.Series(topic_mask(remarks), index=remarks.index)
    rows = []
    for name, pattern in INTERVENTIONS.items():
        said = text.str.contains(pattern, regex=True)
        landed = topic[said & placed].value_counts()
        rows.append(
            {
                "intervention": name,
                "remarks": int(said.sum()),
                "in_topic_share": float(placed[said].mean()) if said.any() else float("nan"),
                "topics": "; ".join(f"{(topic_labels or {}).get(t, t)} ({n})" for t, n in landed.head(4).items()),
            }
        )
    return pd.DataFrame(rows)
