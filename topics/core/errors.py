"""The one exception type a user is meant to read, and the one warning channel.

Every problem with the user's input (files, columns, config keys, data that
cannot be clustered) is raised as :class:`TopicsInputError` with a message that
names the file, row, column or key and says what to do. The CLI turns it into
exit code 2 without a traceback; anything else is a bug and keeps its traceback.

Everything a user should know but that does not stop the work (a language the
encoder does not cover, a group too small to model, a damaged edit-log line)
goes through :func:`warn` as a :class:`TopicsWarning`, Python's own warning
machinery: the CLI prints each as one ``warning:`` line, the explorer shows it
on the page, and a notebook shows it as Python shows any warning.
"""

import warnings


class TopicsInputError(Exception):
    """Bad input from the user: a message for a person, not a stack trace."""


class TopicsWriteError(TopicsInputError):
    """A file or folder could not be written (a full disk, no permission, a missing folder): the message names
    the path and what to do, and nothing half-written was left (:mod:`topics.core.files`)."""


class TopicsWarning(UserWarning):
    """Something a user should know that does not stop the work; the message says what to do about it."""


def warn(message: str, category: type[TopicsWarning] = TopicsWarning) -> None:
    """Tell the user ``message`` through the one warning channel (see the module's docstring)."""
    warnings.warn(message, category, stacklevel=3)
