"""One exception type per kind of user error.

Each carries a message meant to be shown as one line at the edge (CLI, app): it names the
file or field and what is wrong. Anything else that escapes is a bug, not a user error.
"""


class PolicyQAError(Exception):
    """Base of every error a user can cause and fix."""


class UnreadableFileError(PolicyQAError):
    """A corpus file that cannot be read: encrypted, no text layer, corrupt, empty, not text."""

    def __init__(self, name: str, reason: str):
        self.name = name
        self.reason = reason
        super().__init__(f"{name}: {reason}")


class SettingsError(PolicyQAError):
    """A setting (flag or environment variable) with a value that cannot be used."""


class IndexNotFoundError(PolicyQAError):
    """No index where one was expected."""


class IndexMismatchError(PolicyQAError):
    """An index that cannot serve these settings: other model, other format."""


class NothingIndexedError(PolicyQAError):
    """A build in which no file could be read; the previous index is left as it was."""

    def __init__(self, message: str, rejected: tuple = ()):
        super().__init__(message)
        # The files and their reasons (`Rejected` records): the message only counts them, and
        # a user whose every file was refused needs to see why, one line a file.
        self.rejected = tuple(rejected)


class InputFileError(PolicyQAError):
    """A questions/queries file with a line that is not what the command expects."""


class IndexDamagedError(IndexMismatchError):
    """An index whose files do not match its manifest (deleted, cut short, replaced). A build
    does not trust any of it: it reads the corpus again instead of saying "up to date"."""


class QuestionError(PolicyQAError):
    """A question or query that cannot be asked: empty, or not valid UTF-8 text."""


class UnknownDocumentError(PolicyQAError):
    """A document named to limit a question or search to, which the index does not hold."""


class UnknownChunkError(PolicyQAError):
    """A chunk id the index does not hold (an id from another build, or a typo)."""
