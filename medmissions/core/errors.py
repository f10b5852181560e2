"""Domain errors: what a service raises when a request cannot be carried out.

A domain error carries a message written for the person using the product, a stable machine
code, optional per-field messages and the HTTP status an API answer should use. HTML views show
the message on the form; the API answers ``{"error": {"code", "message", "fields"}}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: Any, *, code: str | None = None, fields: Mapping[str, Any] | None = None):
        super().__init__(str(message))
        self.message = str(message)
        if code:
            self.code = code
        self.fields = {name: str(text) for name, text in (fields or {}).items()}

    def as_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields}}


class ValidationFailed(DomainError):
    """Input is malformed or breaks a rule of the domain."""


class NotAllowed(DomainError):
    """The actor may see the object but lacks the role for this action."""

    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The action clashes with the object's current state (e.g. confirming a closed partnership)."""

    status = 409
    code = "conflict"


def refuse_if_not_allowed(error: DomainError) -> None:
    """Re-raise ``error`` when it is a ``NotAllowed``: in HTML views a role too low is a 403 page
    with the reason (core.middleware), never a message on a form or a redirect."""
    if isinstance(error, NotAllowed):
        raise error


def apply_to_form(form: Any, error: DomainError) -> None:
    """Show a domain error on a Django form: field messages on their fields, the rest on top."""
    placed = False
    for name, text in error.fields.items():
        if name in form.fields:
            form.add_error(name, text)
            placed = True
    if not placed or error.message not in error.fields.values():
        form.add_error(None, error.message)


class Throttled(DomainError):
    """Too many attempts; the person should wait before trying again."""

    status = 429
    code = "throttled"
