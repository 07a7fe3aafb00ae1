"""Signed checkpoints outside the database: every seal appends one line to
``<DISPATCH_AUDIT_CHECKPOINT_DIR>/audit-<chain>.jsonl`` (``chain``: the start of the chain's
random first hash, so each database has its own file), a JSON object with the seal's number,
last id and hash, signed with HMAC-SHA256. Someone who rewrites the audit rows and the seal
table together cannot write matching lines without the key; ``audit verify`` compares.

The key is ``DISPATCH_AUDIT_KEY``, or when unset one derived from ``DISPATCH_SECRET_KEY`` (in dev
mode that is the built-in development key: dev checkpoints prove nothing). Outside dev, set
``DISPATCH_AUDIT_KEY`` of its own, so that changing the token key keeps old lines verifiable.

A restore (``python -m dispatch restore``) appends a signed ``restore`` line: the restored
database continues the chain from its last seal, and the lines of later seals written before
it no longer describe any database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from dispatch.audit.chain import Link
from dispatch.core.settings import Settings

_DERIVE = b"dispatch112 audit checkpoints"


def checkpoint_key(settings: Settings) -> bytes:
    """The key the checkpoint lines are signed with."""
    if settings.audit_key is not None:
        return settings.audit_key.get_secret_value().encode()
    secret = settings.secret_key.get_secret_value().encode()
    return hmac.new(secret, _DERIVE, hashlib.sha256).digest()


def checkpoint_path(folder: Path, chain: str) -> Path:
    """The file of the chain that starts with ``chain`` (seal 0's hash)."""
    return folder / f"audit-{chain[:16]}.jsonl"


def _mac(key: bytes, body: Mapping[str, Any]) -> str:
    payload = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def signed_line(key: bytes, kind: str, chain: str, link: Link, at: datetime) -> str:
    """One line (with its newline): ``kind`` is ``seal`` or ``restore``."""
    body: dict[str, Any] = {
        "v": 1,
        "kind": kind,
        "chain": chain,
        "seq": link.seq,
        "last_id": link.last_id,
        "hash": link.hash,
        "at": at.isoformat(),
    }
    return json.dumps({**body, "mac": _mac(key, body)}, sort_keys=True) + "\n"


def append(path: Path, line: str) -> None:
    """Add a line at the end of ``path`` in one write (made with its folder when missing),
    on a line of its own even after a write a crash cut short."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+b") as file:
        if file.tell() > 0:
            file.seek(-1, 2)
            if file.read(1) != b"\n":
                line = "\n" + line
        file.write(line.encode())


@dataclass(frozen=True)
class Checkpoint:
    """What a signed line says of one seal."""

    seq: int
    last_id: int
    hash: str
    at: str
    line: int


@dataclass
class Checkpoints:
    """The signed lines of one chain's file, as they stand after its restores."""

    path: Path
    seals: dict[int, Checkpoint] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    lines: int = 0

    @property
    def last(self) -> Checkpoint | None:
        """The highest seal a line vouches for."""
        return self.seals[max(self.seals)] if self.seals else None


def read(path: Path, key: bytes, chain: str) -> Checkpoints:
    """Read and check every line of ``path``: a line not signed with ``key``, of another chain,
    or contradicting an earlier line of the same seal is a problem. A line that is no JSON
    object at all is the rest of a write a crash cut short, and is skipped."""
    found = Checkpoints(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return found
    for number, raw in enumerate(text.splitlines(), start=1):
        try:
            body = json.loads(raw)
        except ValueError:
            continue
        found.lines += 1
        try:
            mac = body.pop("mac")
            valid = isinstance(mac, str) and hmac.compare_digest(mac, _mac(key, body))
        except (TypeError, AttributeError, KeyError):
            valid = False
        if not valid:
            found.problems.append(f"line {number} of {path} is not signed with the audit key")
            continue
        if body["chain"] != chain:
            found.problems.append(f"line {number} of {path} belongs to another chain")
            continue
        _take(found, body, number)
    return found


def _take(found: Checkpoints, body: dict[str, Any], number: int) -> None:
    seq = int(body["seq"])
    if body["kind"] == "restore":
        for later in [s for s in found.seals if s > seq]:
            del found.seals[later]
        return
    entry = Checkpoint(seq, int(body["last_id"]), str(body["hash"]), str(body["at"]), number)
    earlier = found.seals.get(seq)
    if earlier is not None and (earlier.hash, earlier.last_id) != (entry.hash, entry.last_id):
        found.problems.append(
            f"line {number} of {found.path} contradicts line {earlier.line} about seal {seq}"
        )
        return
    found.seals[seq] = entry
