"""Domain errors. Services raise them; the app turns them into HTTP answers.

Each carries a message a person can act on; ``code`` is a stable machine-readable tag.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, object]:
        """The refusal's JSON body: ``detail`` and ``code``, and what a subclass adds."""
        return {"detail": self.message, "code": self.code}


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the caller)."""

    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    """The change is not allowed in the current state (an illegal transition, a duplicate)."""

    status_code = 409
    code = "conflict"


class Invalid(DomainError):
    """The input is well-formed but makes no sense for the domain."""

    status_code = 422
    code = "invalid"


class Inconsistent(Invalid):
    """A card that contradicts itself (``reasons``) or has warnings nobody acknowledged.

    Both lists hold ``{code, message}`` items; ``code`` says which of the two refused.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str,
        reasons: list[dict[str, str]],
        warnings: list[dict[str, str]],
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reasons = reasons
        self.warnings = warnings

    def body(self) -> dict[str, object]:
        """The refusal with its reasons and warnings."""
        return {**super().body(), "reasons": self.reasons, "warnings": self.warnings}


class PermissionDenied(DomainError):
    """The caller's role may not do this."""

    status_code = 403
    code = "forbidden"


class PayloadTooLarge(DomainError):
    """The request body is bigger than this endpoint accepts."""

    status_code = 413
    code = "too_large"


class UnsupportedMediaType(DomainError):
    """The request body's content type is not one this endpoint reads."""

    status_code = 415
    code = "unsupported_media_type"


class TooManyRequests(DomainError):
    """Too many attempts of this kind; the answer says when to try again (``Retry-After``)."""

    status_code = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
