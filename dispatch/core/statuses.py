"""A lifecycle's status stored as its plain string, read back as its enum (issue 30).

``mapped_column(StatusString(CallbackStatus, 16))`` keeps the column a ``VARCHAR(16)`` (the
migrations and the database are unchanged) while the attribute is typed ``Mapped[CallbackStatus]``:
the type checker sees a wrong status, and a string that is no member is refused on the way in
(``ValueError`` before the database is reached) instead of being stored.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import Dialect, String
from sqlalchemy.types import TypeDecorator

E = TypeVar("E", bound=StrEnum)


class StatusString(TypeDecorator[E], Generic[E]):
    """A ``String(length)`` column holding the values of ``enum``."""

    impl = String
    cache_ok = True

    def __init__(self, enum: type[E], length: int) -> None:
        super().__init__(length)
        self.enum = enum
        self.length = length

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return self.enum(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> E | None:
        if value is None:
            return None
        return self.enum(value)

    @property
    def python_type(self) -> type[E]:
        return self.enum
