"""The audit chain's arithmetic, pure: a row's canonical bytes and digest, a seal's hash, and
the ranges of ids a seal names. Nothing here touches the database or the clock.

A seal's hash is SHA-256 over the previous seal's hash, its own number and last id, and the
full digest of every row it covers in id order (a row's digest covers its id, so the gaps
between ids are part of what is sealed). The seal also keeps a short digest of each row, only
to name the row that no longer matches; the hash is what the chain and the signed
checkpoints rest on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# The columns of audit_log, in the order they are hashed.
COLUMNS = (
    "id",
    "at",
    "actor",
    "role",
    "action",
    "target_type",
    "target_id",
    "detail",
    "ip",
    "request_id",
)
SHORT_HEX = 16  # hex characters of a row's digest kept in its seal
_ROW = b"dispatch112.audit.row\x00"
_SEAL = b"dispatch112.audit.seal\x00"


@dataclass(frozen=True)
class Link:
    """A seal as stored: it covers the ids after the previous link's ``last_id`` up to its own."""

    seq: int
    last_id: int
    row_count: int
    ids: str
    digests: str
    hash: str
    sealed_at: datetime

    def as_row(self) -> dict[str, Any]:
        """The values of its ``audit_seals`` row."""
        return {
            "seq": self.seq,
            "last_id": self.last_id,
            "row_count": self.row_count,
            "ids": self.ids,
            "digests": self.digests,
            "hash": self.hash,
            "sealed_at": self.sealed_at,
        }


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat(timespec="microseconds")
    return value


def canonical(row: Mapping[Any, Any]) -> bytes:
    """The row's content as bytes that depend only on its values (JSON, keys sorted)."""
    values = [_plain(row[column]) for column in COLUMNS]
    return json.dumps(
        values, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=repr
    ).encode()


def row_digest(content: bytes) -> bytes:
    """SHA-256 of a row's canonical bytes."""
    return hashlib.sha256(_ROW + content).digest()


def seal_hash(previous: str, seq: int, last_id: int, digests: Iterable[bytes]) -> str:
    """The link's hash: the previous hash, its number and last id, its rows' full digests."""
    hasher = hashlib.sha256(_SEAL + f"{previous}\x00{seq}\x00{last_id}\x00".encode())
    for digest in digests:
        hasher.update(digest)
    return hasher.hexdigest()


def link(
    previous: Link, rows: Sequence[tuple[int, bytes]], last_id: int, sealed_at: datetime
) -> Link:
    """The next link after ``previous`` over ``rows`` (id and full digest, in id order)."""
    seq = previous.seq + 1
    return Link(
        seq=seq,
        last_id=last_id,
        row_count=len(rows),
        ids=encode_ids([row_id for row_id, _ in rows]),
        digests="".join(digest.hex()[:SHORT_HEX] for _, digest in rows),
        hash=seal_hash(previous.hash, seq, last_id, (digest for _, digest in rows)),
        sealed_at=sealed_at,
    )


def encode_ids(ids: Sequence[int]) -> str:
    """Ascending ids as ranges: ``[1, 2, 3, 5]`` → ``"1-3,5"``."""
    parts: list[str] = []
    start = end = None
    for row_id in ids:
        if end is not None and row_id == end + 1:
            end = row_id
            continue
        if start is not None:
            parts.append(f"{start}-{end}" if start != end else f"{start}")
        start = end = row_id
    if start is not None:
        parts.append(f"{start}-{end}" if start != end else f"{start}")
    return ",".join(parts)


def decode_ids(text: str) -> list[int]:
    """The ids of :func:`encode_ids`'s ranges; ``ValueError`` when it is not such a text."""
    ids: list[int] = []
    for part in filter(None, text.split(",")):
        first, _, last = part.partition("-")
        ids.extend(range(int(first), int(last or first) + 1))
    return ids


def short_digests(text: str) -> list[str]:
    """A seal's kept digests, one per row."""
    return [text[i : i + SHORT_HEX] for i in range(0, len(text), SHORT_HEX)]
