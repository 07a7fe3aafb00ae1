"""The append-only audit log (the database refuses UPDATE and DELETE on it, see migration 0001)
and its seals: the hash chain over the committed rows (migration 0017, ``audit/chain.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.core.database import Base, JSONDocument, UTCDateTime


class AuditEntry(Base):
    """Who (and in which role) did what to which thing, when, and from where."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str] = mapped_column(String(64), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONDocument, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))


class AuditSeal(Base):
    """One link of the chain: the rows with ids after the previous seal's ``last_id`` up to
    this ``last_id`` (ids in between that hold no row are gaps), hashed onto the previous
    link. Seal 0 is the chain's start, made by the migration with a random ``hash``."""

    __tablename__ = "audit_seals"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    last_id: Mapped[int] = mapped_column(BigInteger)
    row_count: Mapped[int] = mapped_column(Integer)
    # The sealed rows' ids as ranges ("1-40,42-97") and each row's digest (16 hex characters,
    # in id order): what lets verify name the row that changed, vanished or appeared.
    ids: Mapped[str] = mapped_column(Text)
    digests: Mapped[str] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime())
