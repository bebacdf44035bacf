"""The core of therapy-topics: what every stage shares.

The run data model and its folder (:mod:`topics.core.run`), the corpus record
(:mod:`topics.core.corpus`), the validated config (:mod:`topics.core.config`),
the one error type (:mod:`topics.core.errors`), writes that are never half
done (:mod:`topics.core.files`), progress on long work
(:mod:`topics.core.progress`) and facts about a run said the same way
everywhere (:mod:`topics.core.facts`). The core imports no other stage.
"""
