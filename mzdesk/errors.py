"""Domain errors: each carries one Simplified Chinese sentence for the user.

Messages must not contain ID numbers, bank accounts or names, because they
can end up in log files (DESIGN: personal data never goes to disk in logs).
"""


class DomainError(Exception):
    """A refusal the clerk can act on; str() is the Chinese message."""

    def __init__(self, message: str, *, records=None):
        super().__init__(message)
        self.message = message
        self.records = records or []

    def __str__(self) -> str:
        return self.message


class ValidationError(DomainError):
    """Bad input: a field that is missing, malformed or out of range."""


class ConflictError(DomainError):
    """A rule of DESIGN §4 would be broken (低保 and 特困 at once, …)."""


class NotFoundError(DomainError):
    """The record asked for does not exist."""


class DatabaseVersionError(DomainError):
    """The database file was written by a newer mzdesk."""
