"""Expected, user-actionable errors: each carries a Chinese message a user can act on."""


class HotlineError(Exception):
    """Base of every expected error; ``str(err)`` is the message shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(HotlineError):
    """Input that does not satisfy a rule; ``field`` names the form field at fault, if any."""

    def __init__(self, message: str, field: str | None = None,
                 errors: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.errors = errors or ([(field, message)] if field else [])


class TransitionError(HotlineError):
    """A workflow step that is not allowed in the case's current state."""


class PermissionDenied(HotlineError):
    """The acting user's role does not allow the action."""


class ConflictError(HotlineError):
    """Someone else changed the record since it was read: refresh and try again. ``happened`` says what they did
    (工单…已被王芳于09:00签收), for a window that goes on from the record as it now stands."""

    def __init__(self, message: str, happened: str = "") -> None:
        super().__init__(message)
        self.happened = happened or message


class NotFound(HotlineError):
    """A case, unit, user or other record that does not exist."""


class DatabaseError(HotlineError):
    """The database file cannot be opened, is locked for too long, or is not ours."""
