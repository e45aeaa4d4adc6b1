"""Errors that services raise. Each carries a message for people, in their language."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A refusal that the user can act on. Views show `message`; the API answers `status`."""

    status = 400
    code = "invalid"

    def __init__(self, message: Any, *, field: str | None = None, details: dict | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.details = details or {}


class ValidationFailed(ServiceError):
    status = 400
    code = "invalid"


class InvalidTransition(ServiceError):
    """The action is not allowed from the current state (HTTP 409)."""

    status = 409
    code = "invalid_transition"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class PermissionDenied(ServiceError):
    status = 403
    code = "permission_denied"


class IdempotencyMismatch(ServiceError):
    status = 422
    code = "idempotency_key_reused"
