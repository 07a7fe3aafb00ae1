"""The transfer directory is data: the shipped file loads, and a broken one stops the server's
start naming the entry and field at fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatch.app import create_app
from dispatch.control import directory
from dispatch.core.settings import Settings
from dispatch.errors import Invalid

ENTRY = """
  - id: desk-101
    kind: service_desk
    service: "101"
    name: {en: Fire desk, ru: Пожарные, uz: Yong'in}
    number: "+998712391101"
"""


def test_the_shipped_directory_has_desks_specialists_and_interpreters() -> None:
    shipped = directory.of(None)
    kinds = {entry.kind for entry in shipped.entries}
    assert kinds == set(directory.EntryKind)
    assert [e.id for e in shipped.find(region="UZ-QR", service="103")] == ["desk-103-qr"]
    assert shipped.find(language="sgn")[0].id == "interpreter-sign"


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("entries:" + ENTRY + ENTRY, "desk-101 is used twice"),
        ("entries:" + ENTRY.replace('    service: "101"\n', ""), "needs its service"),
        ("entries:" + ENTRY.replace("+998712391101", "call me"), "entries.0.number"),
        ("entries: [", "is not YAML"),
    ],
)
def test_a_broken_directory_stops_the_start_naming_its_fault(
    tmp_path: Path, settings: Settings, text: str, fault: str
) -> None:
    path = tmp_path / f"directory-{abs(hash(text))}.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(Invalid, match=fault):
        create_app(settings.model_copy(update={"transfer_directory": path}))
