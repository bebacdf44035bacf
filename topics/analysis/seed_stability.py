"""Stability across seeds: the joint model refitted with other seeds, scored against the run's topics.

This is what ``topics stability`` measures: the seed-to-seed agreement a user
sees. The refits reuse the run's cached embeddings (nothing is re-embedded);
the scores (:func:`topics.fit.stability.score`) replace the fit-time
``stability.json`` that the consensus members gave.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from topics.core.config import Config
from topics.core.run import TopicRun, TopicSet
from topics.fit import stability
from topics.fit.distributed import compute_client
from topics.fit.pipeline import Prepared, fit_joint, fit_run, prepare


def refit_seeds(prepared: Prepared, config: Config, seeds: list[int]) -> dict[int, tuple[TopicSet, np.ndarray]]:
    """The joint model refitted with each seed on the prepared (already embedded) corpus."""
    refits = {}
    for seed in seeds:
        fitted = fit_joint(prepared, config.model_copy(update={"seed": seed}))
        refits[seed] = (fitted.topic_set, fitted.assignments)
    return refits


def measure(
    config: Config, config_path: Path, refits: int = 5, threshold: float = stability.STABLE, out: Path | None = None
) -> tuple[TopicRun, stability.Stability, Path]:
    """Fit the joint model of ``config``, refit it with ``refits`` other seeds and score each topic.

    Returns the run, its scores and the ``stability.json`` written into the run folder.
    """
    with compute_client(config.compute) as client:
        prepared = prepare(config, config_path, client=client)
        run = fit_run(config, out=out, prepared=prepared)
        seeds = [config.seed + i for i in range(1, refits + 1)]
        scored = refit_seeds(prepared, config, seeds)
    result = stability.score(run.joint, run.kept["topic"].to_numpy(dtype=int), scored, config.seed, threshold)
    return run, result, stability.write(result, run.path)
