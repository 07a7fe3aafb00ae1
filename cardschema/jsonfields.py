"""Typed, path-aware reading of one JSON object, for ``card_from_dict``, and ``iso``, the
timestamps' one JSON form, for ``card_to_dict``."""

from __future__ import annotations

import enum
import re
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from cardschema import rules
from cardschema.errors import CardDataError

T = TypeVar("T")
E = TypeVar("E", bound=enum.StrEnum)

_UUID = re.compile(rules.UUID_PATTERN, re.IGNORECASE)
_MISSING = object()


class Fields:
    """Typed reads from one JSON object whose errors name the path of the field.

    A plain read requires the key; an ``opt_`` read returns None for a missing or null key;
    ``make`` refuses keys that were never read and constructs the model object.
    """

    def __init__(self, data: object, path: str) -> None:
        if not isinstance(data, Mapping):
            raise CardDataError(path or "card", f"must be an object, got {_kind(data)}")
        self._data: Mapping[str, Any] = data
        self._path = path
        self._read: set[str] = set()

    def path(self, key: str) -> str:
        return f"{self._path}.{key}" if self._path else key

    def _get(self, key: str, required: bool) -> Any:
        self._read.add(key)
        value = self._data.get(key, _MISSING)
        if value is _MISSING and required:
            raise CardDataError(self.path(key), "is required")
        return value

    def _typed(self, key: str, required: bool, kind: str, check: Callable[[Any], bool]) -> Any:
        value = self._get(key, required)
        if value is _MISSING or (value is None and not required):
            return None
        if not check(value):
            raise CardDataError(self.path(key), f"must be {kind}, got {_kind(value)}")
        return value

    def text(self, key: str) -> str:
        value: str = self._typed(key, True, "a string", _is_str)
        return value

    def opt_text(self, key: str) -> str | None:
        value: str | None = self._typed(key, False, "a string", _is_str)
        return value

    def integer(self, key: str) -> int:
        value: int = self._typed(key, True, "an integer", _is_int)
        return value

    def opt_integer(self, key: str) -> int | None:
        value: int | None = self._typed(key, False, "an integer", _is_int)
        return value

    def number(self, key: str) -> float:
        value = self._typed(key, True, "a number", _is_number)
        return float(value)

    def opt_number(self, key: str) -> float | None:
        value = self._typed(key, False, "a number", _is_number)
        return None if value is None else float(value)

    def boolean(self, key: str) -> bool:
        """A boolean that must be given."""
        value: bool = self._typed(key, True, "a boolean", _is_bool)
        return value

    def flag(self, key: str, default: bool) -> bool:
        """A boolean that may be left out (then ``default``); null is refused."""
        value = self._get(key, False)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            raise CardDataError(self.path(key), f"must be a boolean, got {_kind(value)}")
        return value

    def timestamp(self, key: str) -> datetime:
        value = self._typed(key, True, "a timestamp string", _is_timestamp)
        return _to_datetime(self.path(key), value)

    def opt_timestamp(self, key: str) -> datetime | None:
        value = self._typed(key, False, "a timestamp string", _is_timestamp)
        return None if value is None else _to_datetime(self.path(key), value)

    def ident(self, key: str) -> uuid.UUID:
        value = self._typed(key, True, "a UUID string", _is_uuid)
        return _to_uuid(self.path(key), value)

    def opt_ident(self, key: str) -> uuid.UUID | None:
        value = self._typed(key, False, "a UUID string", _is_uuid)
        return None if value is None else _to_uuid(self.path(key), value)

    def choice(self, key: str, enum_type: type[E]) -> E:
        return _to_enum(self.path(key), self.text(key), enum_type)

    def opt_choice(self, key: str, enum_type: type[E]) -> E | None:
        value = self.opt_text(key)
        return None if value is None else _to_enum(self.path(key), value, enum_type)

    def group(self, key: str, read: Callable[[Fields], T], default: T) -> T:
        value = self._get(key, False)
        return default if value is _MISSING else read(Fields(value, self.path(key)))

    def obj(self, key: str, read: Callable[[Fields], T]) -> T | None:
        value = self._get(key, False)
        if value is _MISSING or value is None:
            return None
        return read(Fields(value, self.path(key)))

    def items(self, key: str, read: Callable[[Fields], T]) -> tuple[T, ...]:
        path = self.path(key)
        return tuple(read(Fields(item, f"{path}[{i}]")) for i, item in enumerate(self._list(key)))

    def strings(self, key: str) -> tuple[str, ...]:
        values = self._list(key)
        for index, item in enumerate(values):
            if not isinstance(item, str):
                raise CardDataError(
                    f"{self.path(key)}[{index}]", f"must be a string, got {_kind(item)}"
                )
        return tuple(values)

    def choices(self, key: str, enum_type: type[E]) -> tuple[E, ...]:
        """A list of enumeration values; a missing key is the empty list."""
        path = self.path(key)
        return tuple(
            _to_enum(f"{path}[{index}]", value, enum_type)
            for index, value in enumerate(self.strings(key))
        )

    def _list(self, key: str) -> list[Any] | tuple[Any, ...]:
        value = self._get(key, False)
        if value is _MISSING:
            return ()
        if not isinstance(value, list | tuple):
            raise CardDataError(self.path(key), f"must be a list, got {_kind(value)}")
        return value

    def make(self, build: Callable[..., T], **values: Any) -> T:
        """Refuse unknown keys, then construct, placing rule errors under this path."""
        unknown = sorted(set(self._data) - self._read, key=str)
        if unknown:
            raise CardDataError(self.path(str(unknown[0])), "unknown field")
        try:
            return build(**values)
        except CardDataError as exc:
            raise (exc.within(self._path) if self._path else exc) from None


def iso(value: datetime | None) -> str | None:
    """The timestamp as ISO 8601 text for JSON, or None (JSON null) when it is absent."""
    return None if value is None else value.isoformat()


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}.get(
        type(value), type(value).__name__
    )


def _is_str(value: object) -> bool:
    return isinstance(value, str)


def _is_bool(value: object) -> bool:
    return isinstance(value, bool)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_timestamp(value: object) -> bool:
    return isinstance(value, str | datetime)


def _is_uuid(value: object) -> bool:
    return isinstance(value, str | uuid.UUID)


def _to_datetime(path: str, value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return rules.parse_timestamp(path, value)


def _to_uuid(path: str, value: str | uuid.UUID) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    if _UUID.fullmatch(value) is None:
        raise CardDataError(path, f"{value!r} is not a UUID (8-4-4-4-12 hexadecimal digits)")
    return uuid.UUID(value)


def _to_enum(path: str, value: str, enum_type: type[E]) -> E:
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum_type)
        raise CardDataError(path, f"must be one of {allowed}; got {value!r}") from None
