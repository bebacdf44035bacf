"""The one exception type a user is meant to read.

Every problem with the user's input (files, columns, config keys, data that
cannot be clustered) is raised as :class:`TopicsInputError` with a message that
names the file, row, column or key and says what to do. The CLI turns it into
exit code 2 without a traceback; anything else is a bug and keeps its traceback.
"""


class TopicsInputError(Exception):
    """Bad input from the user: a message for a person, not a stack trace."""


class TopicsWriteError(TopicsInputError):
    """A file or folder could not be written (a full disk, no permission, a missing folder): the message names
    the path and what to do, and nothing half-written was left (:mod:`topics.core.files`)."""
