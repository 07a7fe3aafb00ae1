"""Hardened XML loading and validation of call cards against the XSD, and of the one rule the
model keeps that the XSD cannot express (a transfer leg has a mode, a conference leg none)."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, cast

from lxml import etree

from cardschema.errors import CardInvalid, CardTooLarge, MalformedXML, Problem, UnsafeXML

NAMESPACE = "urn:uz:112:call-card:1"
SCHEMA_VERSION = "1"
ROOT_ELEMENT = "callCard"
MAX_CARD_BYTES = 1024 * 1024
XSD_FILE = "call-card-1.xsd"


class _LogEntry(Protocol):
    """What is read from an lxml error-log entry (lxml-stubs 0.5 does not declare it)."""

    line: int
    column: int
    message: str
    type: int


def _entries(log: object) -> list[_LogEntry]:
    return list(cast(Iterable[_LogEntry], log))


_NO_DTD = (
    "a DOCTYPE (DTD, entity declarations) is not allowed in a call card; "
    "send the card without <!DOCTYPE ...>"
)

# One compiled schema is shared; its error log is too, so validations take turns.
_SCHEMA_LOCK = threading.Lock()


def xsd_path() -> Path:
    """Return the path of the root XSD file (it includes call-card-1-types.xsd beside it)."""
    return Path(str(resources.files("cardschema") / "xsd" / XSD_FILE))


@functools.cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(xsd_path())))


def _parser() -> etree.XMLParser:
    # A fresh parser per document: a parser's error log accumulates across documents.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


def load(data: bytes) -> etree._Element:
    """Parse untrusted bytes safely; refuse oversize input, DTDs, entities and bad XML."""
    if len(data) > MAX_CARD_BYTES:
        raise CardTooLarge(len(data), MAX_CARD_BYTES)
    parser = _parser()
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        entries = _entries(parser.error_log)
        # A DTD can make parsing itself fail (libxml2 stops entity amplification), so any
        # failure of a document that declares one is reported as unsafe, not as malformed.
        if b"<!DOCTYPE" in data:
            raise UnsafeXML(_NO_DTD) from None
        for entry in entries:
            if entry.type == etree.ErrorTypes.ERR_UNDECLARED_ENTITY:
                raise UnsafeXML(
                    f"line {entry.line}: entity references are not allowed ({entry.message})"
                ) from None
        line, column = exc.position
        message = entries[0].message if entries else exc.msg
        raise MalformedXML(line, column, message.strip()) from None
    docinfo: Any = root.getroottree().docinfo  # lxml-stubs 0.5 lacks DocInfo.doctype
    if docinfo.doctype:
        raise UnsafeXML(_NO_DTD)
    return root


def check(root: etree._Element) -> None:
    """Refuse a parsed document that is not a valid version 1 call card."""
    name = etree.QName(root)
    if name.namespace != NAMESPACE or name.localname != ROOT_ELEMENT:
        found = f"{name.localname} in namespace {name.namespace or '(none)'}"
        expected = f"the root element must be {ROOT_ELEMENT} in namespace {NAMESPACE}"
        raise CardInvalid((_problem_at(root, f"{expected}, found {found}"),))
    with _SCHEMA_LOCK:
        schema = _schema()
        if not schema.validate(root):
            raise CardInvalid(
                tuple(
                    Problem(entry.line, entry.column, entry.message)
                    for entry in _entries(schema.error_log)
                )
            )
    problems = _mode_problems(root)
    if problems:
        raise CardInvalid(problems)


def content(element: etree._Element) -> str:
    """The text of a simple element as the XSD sees it (comments may split it)."""
    return (element.text or "") + "".join(child.tail or "" for child in element)


def _mode_problems(root: etree._Element) -> tuple[Problem, ...]:
    # Revision 1.4: XSD 1.0 cannot make kind decide whether mode may appear, and the model
    # cannot hold a leg that breaks it, so a valid document is checked here as well.
    problems: list[Problem] = []
    for leg in root.iterfind(f"{{{NAMESPACE}}}callControl/{{{NAMESPACE}}}leg"):
        kind = leg.find(f"{{{NAMESPACE}}}kind")
        mode = leg.find(f"{{{NAMESPACE}}}mode")
        assert kind is not None  # required by the XSD
        transfer = content(kind) == "transfer"
        if transfer and mode is None:
            problems.append(_problem(leg, "leg", "a transfer needs a mode (blind or attended)"))
        elif not transfer and mode is not None:
            problems.append(_problem(mode, "mode", "a conference has no mode"))
    return tuple(problems)


def _problem(element: etree._Element, name: str, message: str) -> Problem:
    return _problem_at(element, f"Element '{{{NAMESPACE}}}{name}': {message}.")


def _problem_at(element: etree._Element, message: str) -> Problem:
    # The element's line (1 when lxml does not know it); the package's own checks give no column.
    line = cast("int | None", element.sourceline) or 1
    return Problem(line, 0, message)


def validate(data: bytes) -> None:
    """Raise a CardSchemaError unless ``data`` is a safe, valid call card."""
    check(load(data))
