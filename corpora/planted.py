"""A synthetic corpus with planted themes, and an encoder that knows them: where the truth is known.

NOT therapy talk. Every therapist remark belongs to one *theme* (or to the
background, no theme) by construction, so what a fit recovers can be checked
against the truth: ``benchmarks/sampling_planted.py`` checks a fit on a
sample of sessions this way, and ``tests/test_planted.py`` a small version.

* **Themes of very different sizes** (``shares``: 30 % down to 0.05 % by
  default) and a background of remarks near no theme (what is left).
* **Sessions that mix themes**: each session holds ``session_length`` remarks;
  it draws ``themes_per_session`` slots, each a theme with probability its
  share (the background too), weights the slots with a Dirichlet(``alpha``)
  draw and picks each remark's slot by those weights. A theme's expected
  share of the corpus is then its planted share, and a small theme sits in a
  few sessions, as a rare subject does in a clinic.
* **Texts**: a few words of a shared vocabulary and of the theme's own
  (made-up words, so no stop word or real subject leaks in; background
  remarks draw from every theme's words), lower case, single spaces, unique.
* **Vectors** (:class:`PlantedEncoder`): the theme's centre (a random unit
  vector) plus isotropic Gaussian noise, made unit length. A background
  remark's centre is a random direction of its own. The noise is seeded by
  the text's hash, so a text always gets the same vector, in any batch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Planted theme shares, 30 % down to 0.05 %; the background (no theme) is the rest, 5.4 %.
SHARES = (
    0.30,
    0.18,
    0.12,
    0.09,
    0.07,
    0.05,
    0.04,
    0.03,
    0.02,
    0.015,
    0.01,
    0.007,
    0.005,
    0.003,
    0.002,
    0.0015,
    0.001,
    0.0007,
    0.0005,
)
#: The label of remarks near no theme.
BACKGROUND = "background"
DIMENSIONS = 384
#: The encoder's noise: remarks of one theme meet at cosine about 0.31, as MiniLM's remarks of one subject do.
SPREAD = 1.5
_CONSONANTS, _VOWELS = "bdfgklmnprstvz", "aeiou"


#: How a config reads a planted corpus's frame (``corpus:`` without its ``path``): the fits of the benchmark and of
#: ``tests/test_planted.py`` keep the therapist rows and carry each remark's planted theme as metadata.
CORPUS_MAPPING = {
    "columns": {"text": "text", "role": "speaker", "session": "session", "order": "turn"},
    "keep_roles": ["therapist"],
    "metadata": ["theme"],
    "language": "en",
}


@dataclass
class PlantedCorpus:
    """A planted corpus: ``frame`` (columns session, turn, speaker, text, theme) and what it was drawn from."""

    frame: pd.DataFrame
    shares: tuple[float, ...]
    seed: int

    @property
    def themes(self) -> list[str]:
        """The theme names, largest share first: ``theme00``, ``theme01``, ..."""
        return theme_names(len(self.shares))

    def encoder(self, spread: float = SPREAD) -> PlantedEncoder:
        """The encoder of this corpus' remarks (:class:`PlantedEncoder`), with its centres drawn from ``seed``."""
        return PlantedEncoder(dict(zip(self.frame["text"], self.frame["theme"])), self.themes, spread, seed=self.seed)


def theme_names(count: int) -> list[str]:
    """``theme00`` ... : the names of ``count`` themes."""
    return [f"theme{i:02d}" for i in range(count)]


def planted_corpus(
    remarks: int,
    shares: Sequence[float] = SHARES,
    session_length: int = 50,
    themes_per_session: int = 3,
    alpha: float = 1.0,
    seed: int = 0,
) -> PlantedCorpus:
    """About ``remarks`` therapist remarks (whole sessions of ``session_length``, so a multiple of it) with
    themes planted at ``shares`` (their sum at most 1; the background is the rest).

    Seeded: the same arguments give the same corpus.
    """
    shares = tuple(float(s) for s in shares)
    background = 1.0 - sum(shares)
    if min(shares, default=0.0) <= 0 or background < -1e-9:
        raise ValueError("theme shares must be positive and sum to at most 1")
    rng = np.random.default_rng(seed)
    names = np.array([*theme_names(len(shares)), BACKGROUND], dtype=object)
    probabilities = np.array([*shares, max(background, 0.0)])
    probabilities /= probabilities.sum()
    sessions = max(1, round(remarks / session_length))
    slots = rng.choice(len(names), size=(sessions, themes_per_session), p=probabilities)
    weights = rng.dirichlet(np.full(themes_per_session, alpha), size=sessions)
    # each remark's slot by its session's weights (inverse CDF of one uniform draw per remark)
    cumulative = np.cumsum(weights, axis=1)
    draws = rng.random((sessions, session_length))
    chosen = np.minimum((draws[:, :, None] > cumulative[:, None, :]).sum(axis=2), themes_per_session - 1)
    theme = slots[np.arange(sessions)[:, None], chosen].ravel()
    texts = _texts(theme, len(shares), rng)
    frame = pd.DataFrame(
        {
            "session": np.repeat([f"s{i:06d}" for i in range(sessions)], session_length),
            "turn": np.tile(np.arange(session_length), sessions),
            "speaker": "therapist",
            "text": texts,
            "theme": names[theme],
        }
    )
    return PlantedCorpus(frame=frame, shares=shares, seed=seed)


def _words(count: int, rng: np.random.Generator, taken: set[str]) -> list[str]:
    """``count`` made-up words of three syllables, none in ``taken`` (which gains them)."""
    words: list[str] = []
    while len(words) < count:
        word = "".join(rng.choice(list(_CONSONANTS)) + rng.choice(list(_VOWELS)) for _ in range(3))
        if word not in taken:
            taken.add(word)
            words.append(word)
    return words


def _texts(theme: np.ndarray, themes: int, rng: np.random.Generator) -> list[str]:
    """One unique text per remark: two shared words and five of its theme's (background: of any theme)."""
    taken: set[str] = set()
    shared = np.array(_words(30, rng, taken), dtype=object)
    own = np.array([_words(40, rng, taken) for _ in range(themes)], dtype=object)
    texts = np.empty(len(theme), dtype=object)
    todo = np.arange(len(theme))
    seen: set[str] = set()
    while len(todo):
        common = shared[rng.integers(0, len(shared), size=(len(todo), 2))]
        source = np.where(theme[todo] < themes, theme[todo], rng.integers(0, themes, size=len(todo)))
        words = own[source[:, None], rng.integers(0, own.shape[1], size=(len(todo), 5))]
        again = []
        for i, row in enumerate(np.concatenate([common, words], axis=1)):
            text = " ".join(row)
            if text in seen:
                again.append(todo[i])
            else:
                seen.add(text)
                texts[todo[i]] = text
        todo = np.array(again, dtype=int)
    return texts.tolist()


class PlantedEncoder:
    """NOT a sentence encoder: a planted corpus' vectors, one per text it knows (``themes``: text -> theme).

    A remark's vector is its theme's centre (unit length; for the background, a random direction of the
    remark's own) plus ``spread`` times isotropic Gaussian noise of expected length 1, made unit length:
    remarks of one theme meet at cosine about 1 / (1 + spread²) (0.31 at the default 1.5), remarks of two
    themes or of the background at about 0, and a remark meets its theme's centre at about
    1 / sqrt(1 + spread²) (0.55). The noise is seeded by the text's hash, so the vector depends on the text
    alone. A text it does not know is an error (KeyError).
    """

    backend = "numpy"

    def __init__(
        self,
        themes: dict[str, str],
        names: Sequence[str],
        spread: float = SPREAD,
        dimensions: int = DIMENSIONS,
        seed: int = 0,
    ) -> None:
        self.themes = themes
        self.names = list(names)
        self.spread = spread
        self.dimensions = dimensions
        self.seed = seed
        rng = np.random.default_rng([seed, 384])
        centres = rng.standard_normal((len(self.names), dimensions))
        self.centres_ = centres / np.linalg.norm(centres, axis=1, keepdims=True)
        self.index_ = {name: i for i, name in enumerate(self.names)}

    @property
    def identity(self) -> str:
        """What it is and every setting that changes its vectors (it keys the embedding cache)."""
        digest = hashlib.sha256(repr(sorted(self.themes.items())[:1000]).encode()).hexdigest()[:12]
        return (
            f"planted-{len(self.names)}-themes-{self.dimensions}:spread={self.spread}:"
            f"seed={self.seed}:{digest} (not a sentence encoder)"
        )

    def encode(self, texts: list[str]) -> np.ndarray:
        """One unit-length float32 row per text of ``texts``, in their order."""
        out = np.empty((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            theme = self.themes[text]
            key = int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")
            rng = np.random.default_rng([self.seed, key])
            noise = rng.standard_normal(self.dimensions)
            if theme in self.index_:
                centre = self.centres_[self.index_[theme]]
            else:
                centre = rng.standard_normal(self.dimensions)
                centre = centre / np.linalg.norm(centre)
            vector = centre + self.spread * noise / np.sqrt(self.dimensions)
            out[row] = vector / np.linalg.norm(vector)
        return out
