"""The one error hierarchy: each subclass carries the exit code the CLI uses."""


class TherapyError(Exception):
    """A request that cannot be done. The message is shown as `Error: <message>`."""

    exit_code = 1


class InvalidValue(TherapyError):
    """A value out of range or of the wrong form, found after parsing."""


class WrongForm(InvalidValue):
    """A value that cannot be read at all (a date, a week, a span): a usage error, exit 2 (SPEC)."""

    exit_code = 2


class NotFound(TherapyError):
    """No record matches."""


class Ambiguous(TherapyError):
    """A name fragment matches more than one record."""


class Conflict(TherapyError):
    """The change clashes with what is already recorded (e.g. double booking)."""


class Refused(TherapyError):
    """The request needs confirmation or a stronger flag."""


class DatabaseError(TherapyError):
    """The database file cannot be used."""


class CheckFailed(TherapyError):
    """An integrity or consistency check found problems."""
