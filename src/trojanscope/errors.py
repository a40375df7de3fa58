"""Exception types. ``UserInputError`` is the one the CLI turns into a single line and exit 2."""


class TrojanscopeError(Exception):
    """Base class of every error trojanscope raises on purpose."""


class UserInputError(TrojanscopeError, ValueError):
    """Bad input from a user: a file, a name, an option. The message names what is wrong.

    The CLI prints ``error: <message>`` and exits with code 2, without a traceback.
    """


class DataInputError(UserInputError):
    """User data that cannot be used as given: a file the loaders refuse, or data that does not
    fit the model (input shape, classes, too few samples per class).

    The audit refuses it before writing anything, rather than recording a step error in an
    incomplete report: the user's file is wrong, not the model (docs/audit.md).
    """


class TooFewPerClass(DataInputError):
    """Too few clean samples of some class for a method (``detect.base.check_per_class``).
    ``needed``: how many of each class it needs, so a caller that split the data (``mitigate``'s
    ``--holdout``) can say what share would do, without reading the message (stop 73, hrev).
    ``method`` and ``shortage`` (the message after "method 'NAME' "): the detector that asked
    and what it lacked, so a mitigation that runs a detector can say which step needs the
    samples in its own words (stop 73, hfix)."""

    def __init__(self, message: str, needed: int, method: str = "", shortage: str = "") -> None:
        super().__init__(message)
        self.needed = needed
        self.method = method
        self.shortage = shortage or message
