"""``TopicModel``: fit, apply and read topic models from Python, the way scikit-learn and BERTopic users do.

::

    from topics import TopicModel

    model = TopicModel(text="utterance_text", role="interlocutor", keep_roles=["therapist"],
                       session="transcript_id", group="mi_quality", consensus={"members": 3})
    model.fit(frame)                     # a pandas DataFrame, or a list of remarks
    model.topic_info()                   # one row per topic: label, size, shares, top words
    model.plot_map()                     # plotly figures display inline in Jupyter
    model.save("outputs/my-run")         # the usual run folder: topics explore outputs/my-run

The estimator follows scikit-learn's rules: ``__init__`` stores its
parameters, ``fit`` returns ``self``, fitted attributes end in ``_``, and the
seed is a parameter (``random_state``). Every fit writes a complete run folder,
as ``topics fit`` does; until :meth:`TopicModel.save` copies it where you want
it, that folder is a temporary one, removed when the Python process ends.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from corpora import IN_MEMORY, corpus_from_frame
from topics.analysis import seed_stability
from topics.analysis.compare import DRAWS, GroupFindings, group_findings
from topics.analysis.evaluate import evaluate
from topics.analysis.profile import Profile, profile_file
from topics.core.config import Config, load_config, validate_config
from topics.core.corpus import COLUMNS, META_PREFIX, Corpus
from topics.core.errors import TopicsInputError
from topics.core.facts import group_sizes, topic_frame
from topics.core.files import atomic_folder
from topics.core.run import TopicRun
from topics.curate.editlog import Curator
from topics.curate.transform import transform_corpus
from topics.fit import stability
from topics.fit.embed import Encoder
from topics.fit.encoders import run_encoder
from topics.fit.pipeline import fit_run, prepare
from topics.share import plots
from topics.share.report import write_report

if TYPE_CHECKING:
    import plotly.graph_objects as go

#: The column a list of remarks is given under.
TEXT = "text"


def _merged(base: dict, updates: dict) -> dict:
    """``base`` with ``updates`` merged in, section by section (``{"cluster": {"min_cluster_size": 10}}``
    changes that one setting and keeps the section's others)."""
    merged = dict(base)
    for key, value in updates.items():
        merged[key] = (
            _merged(merged[key], value) if isinstance(value, dict) and isinstance(merged.get(key), dict) else value
        )
    return merged


class TopicModel:
    """A topic model of therapist remarks: BERTopic with a seeded consensus, curated topics and honest statistics.

    Parameters
    ----------
    text, role, session, group, therapist, order, id:
        Column names of the DataFrame given to :meth:`fit` (``text`` only is required; ``therapist``: who held
        each session, so that comparisons resample whole therapists). A list of remarks
        has no such columns: each remark is then its own row of one corpus without sessions or groups.
    keep_roles:
        Values of ``role`` whose remarks are modelled (``["therapist"]``); None keeps every row.
    metadata:
        Further columns kept with each remark (behaviour codes, labels): stored as ``meta_<name>``.
    turn_metadata:
        Columns kept with the turns of the roles left out by ``keep_roles`` only (a client turn's talk label):
        they travel with the run in ``client_turns``.
    config:
        A :class:`topics.core.config.Config`, a dict of config sections, or the path of a YAML config
        (``configs/demo.yaml``); None starts from the defaults. Of its corpus section only ``language``,
        ``group_label`` and ``group_names`` are used: the data and their columns come from :meth:`fit`.
    random_state:
        The seed of every random step (the config's ``seed``); None keeps the config's.
    encoder:
        An object with ``encode(texts) -> array`` and an ``identity`` string, used instead of the
        config's ``embed.model`` (a fake encoder in tests, your own in research).
    **settings:
        Config sections as keyword arguments, merged into ``config``: ``consensus={"members": 3}``,
        ``cluster={"min_cluster_size": 10}``, ``fit={"modes": ["joint"]}``, ``name="my-run"``.

    Attributes
    ----------
    run_ : TopicRun
        The fitted (and, after edits in the explorer, curated) run.
    topics_ : numpy.ndarray
        Each remark's topic, -1 for outliers and remarks set aside, in the order of ``run_.remarks``
        (the rows of the DataFrame whose role was kept, or the list as given).
    config_ : Config
        The validated config the model was fitted with.
    """

    def __init__(
        self,
        *,
        text: str = TEXT,
        role: str | None = None,
        session: str | None = None,
        group: str | None = None,
        therapist: str | None = None,
        order: str | None = None,
        id: str | None = None,
        keep_roles: Sequence[str] | None = None,
        metadata: Sequence[str] = (),
        turn_metadata: Sequence[str] = (),
        config: Config | dict | str | Path | None = None,
        random_state: int | None = None,
        encoder: Encoder | None = None,
        **settings: Any,
    ) -> None:
        self.text = text
        self.role = role
        self.session = session
        self.group = group
        self.therapist = therapist
        self.order = order
        self.id = id
        self.keep_roles = keep_roles
        self.metadata = metadata
        self.turn_metadata = turn_metadata
        self.config = config
        self.random_state = random_state
        self.encoder = encoder
        self.settings = settings

    # -- fitting -------------------------------------------------------------------------------------
    def _resolved_config(self, columns: dict[str, str | None]) -> Config:
        if isinstance(self.config, Config):
            base = self.config.to_dict()
        elif isinstance(self.config, (str, Path)):
            base = load_config(self.config).to_dict()
        else:
            base = dict(self.config or {})
        corpus = {
            "path": str(IN_MEMORY),
            "format": "csv",
            "columns": columns,
            "keep_roles": list(self.keep_roles) if self.keep_roles is not None else None,
            "metadata": list(self.metadata),
            "turn_metadata": list(self.turn_metadata),
        }
        # the user's sections first (a corpus section may name group_label or language), then the data's own
        base = _merged(_merged(base, self.settings), {"corpus": corpus})
        if self.random_state is not None:
            base["seed"] = self.random_state
        return validate_config(base, source="TopicModel parameters")

    def _frame(self, X: pd.DataFrame | Sequence[str]) -> tuple[pd.DataFrame, dict[str, str | None]]:
        """``X`` as a DataFrame and the column mapping that reads it."""
        if isinstance(X, pd.DataFrame):
            return X, {
                "text": self.text,
                "role": self.role,
                "session": self.session,
                "group": self.group,
                "therapist": self.therapist,
                "order": self.order,
                "id": self.id,
            }
        if isinstance(X, str) or not isinstance(X, Sequence):
            raise TopicsInputError(
                f"TopicModel.fit: give a pandas DataFrame or a list of remarks (strings), not {type(X).__name__}."
            )
        return pd.DataFrame({TEXT: list(X)}), {
            "text": TEXT,
            "role": None,
            "session": None,
            "group": None,
            "therapist": None,
            "order": None,
            "id": None,
        }

    def fit(self, X: pd.DataFrame | Sequence[str], y: None = None) -> TopicModel:
        """Fit the topic models the config asks for (joint, and per group when ``group`` is set) on ``X``."""
        frame, columns = self._frame(X)
        if not isinstance(X, pd.DataFrame) and (self.role or self.session or self.group):
            raise TopicsInputError(
                "TopicModel.fit: role, session and group name DataFrame columns; a list of "
                "remarks has none. Pass a DataFrame, or leave them out."
            )
        config = self._resolved_config(columns)
        if not isinstance(X, pd.DataFrame) or self.group is None:
            config = config.model_copy(update={"fit": config.fit.model_copy(update={"modes": ["joint"]})})
        corpus = corpus_from_frame(frame, config.corpus)
        folder = Path(tempfile.mkdtemp(prefix="therapy-topics-fit-"))
        # removed when the process ends, not with the model: a run taken from it (model.run_) reads its folder
        # lazily (members, stability) and must outlive the model
        atexit.register(shutil.rmtree, folder, True)
        fit_run(config, out=folder / "run", encoder=self.encoder, corpus=corpus)
        self._open(folder / "run", config)
        self._corpus = corpus
        return self

    def fit_transform(self, X: pd.DataFrame | Sequence[str], y: None = None) -> np.ndarray:
        """Fit on ``X`` and return each remark's topic (``topics_``), as BERTopic's ``fit_transform`` does."""
        return self.fit(X).topics_

    def _open(self, folder: Path, config: Config) -> None:
        self.curator_ = Curator(folder, final=True, warn=True)
        self.config_ = config

    @classmethod
    def load(cls, path: str | Path, encoder: Encoder | None = None) -> TopicModel:
        """A fitted model from a run folder (written by ``topics fit`` or :meth:`save`), its edits replayed."""
        model = cls(encoder=encoder)
        curator = Curator(path, final=True, warn=True)
        model._open(Path(path), validate_config(curator.run.config, source=f"{path}/config.yaml"))
        model._corpus = None
        return model

    def save(self, path: str | Path) -> Path:
        """Write the run folder to ``path`` (a new folder; written whole or not at all) and use it from now on:
        edits made afterwards (explorer, ``topics edit``) land there."""
        self._check_fitted()
        target = Path(path)
        with atomic_folder(target) as temporary:
            shutil.copytree(self.curator_.path, temporary, dirs_exist_ok=True)
        self._open(target, self.config_)
        return target

    def _check_fitted(self) -> None:
        if not hasattr(self, "curator_"):
            raise TopicsInputError("This TopicModel is not fitted yet: call fit(remarks) or TopicModel.load(folder).")

    @property
    def run_(self) -> TopicRun:
        """The curated run: the fit with every edit of its edit log applied."""
        self._check_fitted()
        self.curator_.refresh(final=True)
        return self.curator_.run

    @property
    def topics_(self) -> np.ndarray:
        """Each remark's topic (-1: outlier or set aside), in the order of ``run_.remarks``."""
        return self.run_.remarks["topic"].fillna(-1).to_numpy(dtype=int)

    # -- applying ------------------------------------------------------------------------------------
    def transform(self, X: pd.DataFrame | Sequence[str]) -> pd.DataFrame:
        """The curated topics of new remarks: one row per remark with ``topic``, ``label``, ``similarity``
        and what cleaning made of it (``kept``, ``set_aside``, ``attached``), by the rule ``topics transform``
        uses."""
        self._check_fitted()
        frame, _ = self._frame(X)
        corpus_config = self.config_.corpus
        if not isinstance(X, pd.DataFrame):
            corpus_config = corpus_config.model_copy(
                update={
                    "columns": corpus_config.columns.model_copy(update=self._frame(X)[1]),
                    "keep_roles": None,
                    "metadata": [],
                    "turn_metadata": [],
                }
            )
        corpus = corpus_from_frame(frame, corpus_config, run=self.curator_.path)
        return transform_corpus(self.curator_, corpus, self.encoder)

    # -- reading -------------------------------------------------------------------------------------
    def topic_info(self, model: str = "joint", words: int = 8) -> pd.DataFrame:
        """One row per topic: id, label, size, its share of the remarks and of each group's, top words."""
        return topic_frame(self.run_, model, words)

    def compare(self, draws: int = DRAWS, seed: int = 0) -> GroupFindings:
        """The groups compared: shares with intervals, calibrated tests, and the findings in words."""
        run = self.run_
        if len(group_sizes(run)) < 2:
            raise TopicsInputError("compare needs remarks of at least two groups: fit with group= naming a column.")
        return group_findings(run, draws, seed)

    def evaluate(self, baselines: bool = False) -> pd.DataFrame:
        """Quality measures of each model (coherence, diversity, outliers, junk), optionally beside plain
        BERTopic and LDA fitted on the same remarks."""
        return evaluate(self.run_, baselines=baselines, encoder=self.encoder)

    def stability(self, refits: int = 5, threshold: float = stability.STABLE) -> stability.Stability:
        """Refit the joint model with ``refits`` other seeds (embeddings are reused) and score each topic:
        the share of refits in which it reappears. Written into the run folder, as ``topics stability`` does."""
        self._check_fitted()
        run = self.curator_.fitted
        if run.joint is None:
            raise TopicsInputError(
                "stability refits the joint model, and this run has none: fit with "
                'fit={"modes": ["joint"]} (the default).'
            )
        # the remarks as the run holds them (a loaded model's corpus file may be gone, or a DataFrame)
        metadata = [c for c in run.remarks.columns if c.startswith(META_PREFIX)]
        corpus = self._corpus or Corpus(
            frame=run.remarks[[*COLUMNS, *metadata]].copy(), source=IN_MEMORY, sha256=run.provenance["corpus"]["sha256"]
        )
        prepared = prepare(self.config_, encoder=self.encoder or run_encoder(run)[1], corpus=corpus)  # run's backend
        seeds = [self.config_.seed + i for i in range(1, refits + 1)]
        result = stability.score(
            run.joint,
            run.kept["topic"].to_numpy(dtype=int),
            seed_stability.refit_seeds(prepared, self.config_, seeds),
            self.config_.seed,
            threshold,
        )
        stability.write(result, self.curator_.path)
        return result

    def profile(self, path: str | Path, session: str | None = None) -> list[Profile]:
        """Session profiles of a transcript file against the run's groups (``topics profile``)."""
        self._check_fitted()
        return profile_file(self.curator_, Path(path), session, encoder=self.encoder)

    def report(self, path: str | Path, fmt: str = "html", redacted: bool = True, group: str | None = None) -> Path:
        """Write a report for supervision (``html``, ``md`` or ``csv`` tables), de-identified unless
        ``redacted`` is False."""
        self._check_fitted()
        return write_report(self.curator_, fmt, Path(path), redacted=redacted, group=group)

    # -- figures (plotly: they display inline in Jupyter) --------------------------------------------
    def plot_map(self, model: str = "joint") -> go.Figure:
        """The intertopic map: each topic a circle sized by its remarks, close when worded alike."""
        return plots.intertopic_map(self.run_.model(model))

    def plot_sizes(self, model: str = "joint") -> go.Figure:
        """Topics by number of remarks."""
        return plots.topic_sizes(self.run_.model(model))

    def plot_words(self, topic: int, model: str = "joint") -> go.Figure:
        """A topic's words by c-TF-IDF weight."""
        return plots.topic_words(self.run_.model(model).topic(topic).words)

    def plot_groups(self) -> go.Figure:
        """Each topic's share of each group's remarks."""
        run = self.run_
        return plots.group_shares(topic_frame(run), list(group_sizes(run)))
