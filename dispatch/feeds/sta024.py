"""NENA STA-024 websocket messages between 112 (the notifier) and a service (the subscriber).

Pure data, no I/O. ``parse_client_message`` reads one frame from a subscriber into a frozen
dataclass, or raises ``Sta024Error`` saying what is wrong; the builders return the JSON object of
a message from 112, ready for ``json.dumps``. Every message is an object with one member that
names its type, as in the NENA-STA-024.1a samples: ``{"subscribe": {...}}``.

A subscription names what it wants in ``requestType``: ``"EIDO"`` gets EIDO JSON documents, the
call-card type ``"urn:uz:112:call-card:1"`` (alias ``"CallCard"``) gets the XML call card.
Either way an ``event`` carries its documents in ``notification``, a list as in the standard's
sample: EIDO objects, or XML cards each as one string (the UTF-8 XML text of ``cardschema.build``).
An empty list is the empty notification that answers a new subscription with nothing to send.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeAlias

import cardschema

MAX_MESSAGE_BYTES = 65_536
"""STA-024 requires subscription requests up to 64 KiB to be accepted; larger ones are refused."""
MAX_ID_LENGTH = 256


def _show(value: Any) -> str:
    """A JSON value for an error message, cut short: frames may be 64 KiB."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


class Sta024Error(ValueError):
    """A subscriber's message that cannot be used; the text names what is wrong."""


class RequestType(StrEnum):
    """What a subscription delivers."""

    EIDO = "EIDO"
    CALL_CARD = cardschema.NAMESPACE


REQUEST_TYPE_ALIASES: Mapping[str, RequestType] = {"CallCard": RequestType.CALL_CARD}


def request_type(value: str) -> RequestType:
    """Read a ``requestType`` (``EIDO``, ``urn:uz:112:call-card:1`` or ``CallCard``)."""
    if value in REQUEST_TYPE_ALIASES:
        return REQUEST_TYPE_ALIASES[value]
    try:
        return RequestType(value)
    except ValueError:
        raise Sta024Error(
            f"requestType must be 'EIDO' or '{RequestType.CALL_CARD}' (alias 'CallCard'), "
            f"got {_show(value)}"
        ) from None


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscribe:
    """A request for notifications (``new`` incidents, or the sub-type the subscriber names)."""

    request_id: str
    request_type: RequestType
    request_sub_type: str | None = None
    request_accepts: str | None = None
    qual_filter: str | None = None
    min_rate: int | None = None
    max_rate: int | None = None
    expires: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Unsubscribe:
    """The subscriber ends one of its subscriptions."""

    request_id: str
    subscription_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class NotifyResponse:
    """The subscriber's answer to one event: its status code for that transaction."""

    transaction_id: str
    status_code: int
    status_text: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TerminateResponse:
    """The subscriber's answer to a terminate request from 112."""

    request_id: str
    subscription_id: str
    status_code: int
    status_text: str | None = None


ClientMessage: TypeAlias = Subscribe | Unsubscribe | NotifyResponse | TerminateResponse
Payload: TypeAlias = Mapping[str, Any] | str


class _Body:
    """The members of one message, read with checks whose errors name the message and member."""

    def __init__(self, message: str, members: Mapping[str, Any]) -> None:
        self.message, self.members = message, members

    def error(self, key: str, problem: str) -> Sta024Error:
        return Sta024Error(f"{self.message}: {key} {problem}")

    def text(self, key: str, *, limit: int | None = None) -> str | None:
        value = self.members.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"must be a non-empty string, got {_show(value)}")
        if limit is not None and len(value) > limit:
            raise self.error(key, f"is longer than {limit} characters")
        return value

    def ident(self, key: str) -> str:
        value = self.text(key, limit=MAX_ID_LENGTH)
        if value is None:
            raise self.error(key, "is missing")
        return value

    def integer(self, key: str, low: int, high: int | None = None) -> int | None:
        value = self.members.get(key)
        if value is None:
            return None
        is_int = isinstance(value, int) and not isinstance(value, bool)
        if is_int and value >= low and (high is None or value <= high):
            return int(value)
        bounds = f"at least {low}" if high is None else f"from {low} to {high}"
        raise self.error(key, f"must be an integer {bounds}, got {_show(value)}")

    def status_code(self) -> int:
        code = self.integer("statusCode", 100, 699)
        if code is None:
            raise self.error("statusCode", "is missing")
        return code


def _subscribe(body: _Body) -> Subscribe:
    kind = body.text("requestType")
    if kind is None:
        raise body.error("requestType", "is missing")
    try:
        wanted = request_type(kind)
    except Sta024Error as exc:
        raise Sta024Error(f"subscribe: {exc}") from None
    return Subscribe(
        request_id=body.ident("requestId"),
        request_type=wanted,
        request_sub_type=body.text("requestSubType"),
        request_accepts=body.text("requestAccepts"),
        qual_filter=body.text("qualFilter"),
        min_rate=body.integer("minRate", 0),
        max_rate=body.integer("maxRate", 0),
        expires=body.integer("expires", 1),
    )


def _unsubscribe(body: _Body) -> Unsubscribe:
    return Unsubscribe(
        request_id=body.ident("requestId"), subscription_id=body.ident("subscriptionId")
    )


def _notify_response(body: _Body) -> NotifyResponse:
    return NotifyResponse(
        transaction_id=body.ident("transactionId"),
        status_code=body.status_code(),
        status_text=body.text("statusText"),
    )


def _terminate_response(body: _Body) -> TerminateResponse:
    return TerminateResponse(
        request_id=body.ident("requestId"),
        subscription_id=body.ident("subscriptionId"),
        status_code=body.status_code(),
        status_text=body.text("statusText"),
    )


_CLIENT_MESSAGES: Mapping[str, Callable[[_Body], ClientMessage]] = {
    "subscribe": _subscribe,
    "unsubscribe": _unsubscribe,
    "eventResponse": _notify_response,
    "terminateResponse": _terminate_response,
}
_SERVER_MESSAGES = frozenset({"subscribeResponse", "unsubscribeResponse", "event", "terminate"})


def parse_client_message(raw: str | bytes) -> ClientMessage:
    """Read one subscriber frame; raise Sta024Error naming what is wrong with it."""
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "replace"))
    if size > MAX_MESSAGE_BYTES:
        raise Sta024Error(f"the message has {size} bytes; at most {MAX_MESSAGE_BYTES} are read")
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise Sta024Error("the message is not UTF-8 text") from None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise Sta024Error(f"the message is not JSON: {exc}") from None
    expected = ", ".join(_CLIENT_MESSAGES)
    if not isinstance(data, dict) or len(data) != 1:
        shape = "an object" if isinstance(data, dict) else type(data).__name__
        raise Sta024Error(
            "a message is a JSON object with exactly one member naming its type "
            f"({expected}), got {shape}"
            + (f" with members {sorted(data)}" if isinstance(data, dict) else "")
        )
    ((name, members),) = data.items()
    parse = _CLIENT_MESSAGES.get(name)
    if parse is None:
        sender = " (that one is sent by 112, not by a subscriber)"
        raise Sta024Error(
            f"unknown message type {_show(name)}{sender if name in _SERVER_MESSAGES else ''}; "
            f"a subscriber sends one of {expected}"
        )
    if not isinstance(members, dict):
        raise Sta024Error(f"{name} must be a JSON object, got {_show(members)}")
    return parse(_Body(name, members))


def _status(code: int, text: str) -> dict[str, Any]:
    if isinstance(code, bool) or not 100 <= code <= 699:
        raise ValueError(f"a status code is from 100 to 699, got {code}")
    return {"statusCode": code, "statusText": text}


def subscribe_response(
    request_id: str,
    subscription_id: str | None,
    expires: int | None,
    status_code: int = 200,
    status_text: str = "OK",
) -> dict[str, Any]:
    """Answer a subscribe; a refusal (status 4xx/5xx) has no subscription id or expiry."""
    body: dict[str, Any] = {"requestId": request_id}
    if subscription_id is not None:
        body["subscriptionId"] = subscription_id
    if expires is not None:
        body["expires"] = expires
    return {"subscribeResponse": body | _status(status_code, status_text)}


def notify(
    subscription_id: str,
    transaction_id: str,
    payload: Payload | Sequence[Payload],
    content_type: RequestType | str,
) -> dict[str, Any]:
    """Build an event carrying EIDO objects or XML cards (one, or a list, possibly empty)."""
    kind = request_type(content_type)
    items = [payload] if isinstance(payload, str | Mapping) else list(payload)
    expected: type = Mapping if kind is RequestType.EIDO else str
    for index, item in enumerate(items):
        if not isinstance(item, expected):
            what = "an EIDO object" if kind is RequestType.EIDO else "an XML card as a string"
            raise TypeError(f"notification[{index}] must be {what}, got {type(item).__name__}")
    notification = [item if isinstance(item, str) else dict(item) for item in items]
    return {
        "event": {
            "subscriptionId": subscription_id,
            "transactionId": transaction_id,
            "notification": notification,
        }
    }


def unsubscribe_response(
    subscription_id: str, status_code: int = 200, status_text: str = "Unsubscribed"
) -> dict[str, Any]:
    """Answer an unsubscribe."""
    return {
        "unsubscribeResponse": {"subscriptionId": subscription_id}
        | _status(status_code, status_text)
    }


def terminate_request(
    request_id: str, subscription_id: str, reason: str | None = None
) -> dict[str, Any]:
    """Ask the subscriber to end a subscription (112 ends it, e.g. on expiry or shutdown).

    ``reason`` is our addition for people reading logs; it is left out when None.
    """
    body: dict[str, Any] = {"requestId": request_id, "subscriptionId": subscription_id}
    if reason is not None:
        body["reason"] = reason
    return {"terminate": body}
