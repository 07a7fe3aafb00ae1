"""Domain errors. Services raise them; the app turns them into HTTP answers.

Each carries a message a person can act on; ``code`` is a stable machine-readable tag. A
message a person meets in normal work also says which sentence it is (``said``): a stable
code and its particulars, which the consoles put in the UI's language (``detail_code`` and
``detail_params`` beside the English ``detail``).

The same pair names the other sentences the server writes for a person in English (an
automatic break's reason, an escalation's, a callback task's note): ``<field>_code`` and
``<field>_params`` beside the field. The consoles' texts hold each code as ``said_<code>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple


class Said(NamedTuple):
    """A sentence for a person by its stable code and particulars (JSON values; a particular
    that is itself a sentence is ``{code, params, text}``)."""

    code: str
    params: Mapping[str, Any]

    def stored(self) -> dict[str, Any]:
        """``{code, params}``, as a JSON column keeps it."""
        return {"code": self.code, "params": dict(self.params)}


def spoken(field: str, stored: Mapping[str, Any] | None) -> dict[str, Any]:
    """``<field>_code`` and ``<field>_params`` of a sentence kept as ``{code, params}`` (both
    None for a text a person wrote, or one stored before it had a code)."""
    return {
        f"{field}_code": stored["code"] if stored else None,
        f"{field}_params": dict(stored["params"]) if stored else None,
    }


def said(code: str, **params: Any) -> Said:
    """The sentence ``code`` with its particulars."""
    return Said(code, params)


def sentence(text: str, spoken: Said | Mapping[str, Any] | None) -> dict[str, Any]:
    """A sentence (as said or as stored) as a particular of another: ``{code, params, text}``,
    code null when the English text has none."""
    kept = spoken.stored() if isinstance(spoken, Said) else spoken
    return {
        "code": kept["code"] if kept else None,
        "params": dict(kept["params"]) if kept else {},
        "text": text,
    }


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, said: Said | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.said = said

    def body(self) -> dict[str, object]:
        """The refusal's JSON body: ``detail`` and ``code`` (with ``detail_code`` and
        ``detail_params`` when the sentence has a code), and what a subclass adds."""
        body: dict[str, object] = {"detail": self.message, "code": self.code}
        if self.said is not None:
            body["detail_code"] = self.said.code
            body["detail_params"] = dict(self.said.params)
        return body


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
        # Said in the UI's language by the codes of its reasons or warnings.
        codes = [item["code"] for item in (reasons or warnings)]
        super().__init__(message, said=said(code, **{"reasons" if reasons else "warnings": codes}))
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
        super().__init__(message, said=said("too_many_requests", retry_after_s=retry_after_s))
        self.retry_after_s = retry_after_s
