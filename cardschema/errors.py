"""Errors raised by cardschema; every one is a ValueError with a message a person can act on."""

from __future__ import annotations

from dataclasses import dataclass


class CardSchemaError(ValueError):
    """Base class of every error cardschema raises."""


class CardTooLarge(CardSchemaError):
    """The input is over the size limit and was not parsed."""

    def __init__(self, size: int, limit: int) -> None:
        self.size = size
        self.limit = limit
        super().__init__(
            f"card is {size} bytes, over the limit of {limit} bytes; it was not parsed"
        )


class UnsafeXML(CardSchemaError):
    """The input uses an XML feature that is refused for safety (DTDs, entities)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"unsafe XML refused: {reason}")


class MalformedXML(CardSchemaError):
    """The input is not well-formed XML."""

    def __init__(self, line: int, column: int, message: str) -> None:
        self.line = line
        self.column = column
        self.message = message
        super().__init__(f"line {line}, column {column}: malformed XML: {message}")


@dataclass(frozen=True, slots=True)
class Problem:
    """One schema violation, located in the input."""

    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class CardInvalid(CardSchemaError):
    """The input is well-formed XML but not a valid call card."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(problem) for problem in problems))


class CardDataError(CardSchemaError):
    """A card value (from code or from a JSON mapping) breaks the contract."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")

    def within(self, parent: str) -> CardDataError:
        """Return the same error with its path placed under ``parent``."""
        separator = "" if self.path.startswith("[") else "."
        return CardDataError(f"{parent}{separator}{self.path}", self.reason)
