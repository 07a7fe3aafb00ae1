"""Where an attachment's bytes live: the database row, or a file in the attachments folder.

A file is named by its SHA-256 (``<folder>/ab/abcdef...``), never by anything a sender
wrote; it is written to a temporary name in the same folder, fsynced, renamed into place and
the folder fsynced, so a crash leaves either the whole file or none. The same bytes sent
twice are one file. A file written by a transaction that then rolled back stays, unnamed by
any row (it is the same file the next sender of those bytes would write).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from pathlib import Path

from dispatch.errors import Conflict, said


def path_of(directory: Path, sha256: str) -> Path:
    """Where the file with this checksum is kept."""
    if len(sha256) != 64 or any(ch not in "0123456789abcdef" for ch in sha256):
        raise ValueError(f"not a SHA-256 in hex: {sha256!r}")
    return directory / sha256[:2] / sha256


def _write(directory: Path, sha256: str, content: bytes) -> None:
    target = path_of(directory, sha256)
    if target.is_file() and target.stat().st_size == len(content):
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


async def write(directory: Path, sha256: str, content: bytes) -> None:
    """Keep ``content`` as the file of ``sha256`` (off the event loop)."""
    await asyncio.to_thread(_write, directory, sha256, content)


def _read(directory: Path, sha256: str) -> bytes:
    try:
        content = path_of(directory, sha256).read_bytes()
    except FileNotFoundError as exc:
        raise Conflict(
            f"the file of attachment {sha256} is missing from {directory}",
            said=said("attachment_missing"),
        ) from exc
    check(content, sha256)
    return content


async def read(directory: Path, sha256: str) -> bytes:
    """The file of ``sha256``, checked against it (off the event loop)."""
    return await asyncio.to_thread(_read, directory, sha256)


def check(content: bytes, sha256: str) -> None:
    """Refuse bytes that are no longer what was stored."""
    if hashlib.sha256(content).hexdigest() != sha256:
        raise Conflict(
            f"the stored attachment {sha256} is damaged (its checksum differs)",
            said=said("attachment_damaged"),
        )
