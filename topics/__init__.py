"""therapy-topics: topic models of what therapists say.

The public objects are imported on first use, so ``import topics`` is cheap
and changes nothing in other libraries (no numba, torch or BERTopic until a
fit needs them)::

    import topics

    model = topics.TopicModel(text="text", session="session_id").fit(frame)   # from memory
    run = topics.load_run("outputs/demo")       # a run folder, curated
    run.joint.topics[0].label
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_EXPORTS = {
    "TopicModel": "topics.estimator",
    "load_config": "topics.core.config",
    "Topic": "topics.core.run",
    "TopicRun": "topics.core.run",
    "TopicSet": "topics.core.run",
    "TopicsInputError": "topics.core.errors",
    "TopicsWarning": "topics.core.errors",
    "load_run": "topics.curate.editlog",
    "forget_session": "topics.curate.forget",
    "merge_suggestions": "topics.curate.suggest",
    "draft_labels": "topics.curate.label_drafts",
    "session_dynamics": "topics.analysis.session_dynamics",
    "session_sequence": "topics.analysis.session_sequence",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:
    from topics.analysis.session_dynamics import session_dynamics as session_dynamics
    from topics.analysis.session_sequence import session_sequence as session_sequence
    from topics.core.config import load_config as load_config
    from topics.core.errors import TopicsInputError as TopicsInputError
    from topics.core.errors import TopicsWarning as TopicsWarning
    from topics.core.run import Topic as Topic
    from topics.core.run import TopicRun as TopicRun
    from topics.core.run import TopicSet as TopicSet
    from topics.curate.editlog import load_run as load_run
    from topics.curate.forget import forget_session as forget_session
    from topics.curate.label_drafts import draft_labels as draft_labels
    from topics.curate.suggest import merge_suggestions as merge_suggestions
    from topics.estimator import TopicModel as TopicModel


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'topics' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
