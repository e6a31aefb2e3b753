"""Domain errors. Views turn them into German messages, the CLI into exit codes."""


class DomainError(Exception):
    """Base class: the message is German and safe to show to the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The record does not exist or is not visible to the acting user."""


class PermissionDenied(DomainError):
    pass


class ValidationFailed(DomainError):
    pass


class InvalidField(ValidationFailed):
    """A refused input that belongs to one form field; `field` is the field's name in the forms
    (views attach the message there with einkauf.web.refuse, the CLI prints it)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class StaleVersion(DomainError):
    """Someone else saved the record after it was loaded (R11)."""

    def __init__(self, message: str = "Der Datensatz wurde inzwischen von anderer Seite geändert. "
                                      "Bitte prüfen Sie die aktuellen Werte und speichern Sie erneut."):
        super().__init__(message)


class UnknownCpvCode(ValidationFailed):
    pass


class DeadlinePassed(DomainError):
    pass


class InvalidState(DomainError):
    """The action does not fit the record's current state (e.g. editing an opened round)."""
