"""therapy-topics: topic models of what therapists say.

Importing the package first applies :mod:`topics.runtime` (offline mode and
the numba compile cache), because both must precede the heavy imports.
"""

from topics import runtime as _runtime

_runtime.configure()

from topics.run import Topic, TopicRun, TopicSet, load_run  # noqa: E402

__all__ = ["Topic", "TopicRun", "TopicSet", "load_run"]
__version__ = "0.1.0"
