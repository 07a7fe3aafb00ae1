"""ACD tables: queues, operators, calls in queues, offers, the queue log and its statistics."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.calls.models import SerialId
from dispatch.core.database import Base, JSONDocument, UTCDateTime
from dispatch.core.statuses import StatusString
from dispatch.queues.states import EntryStatus, OfferStatus, OperatorState


class Queue(Base):
    """A queue as data: which calls it takes, the skills it needs, how it hands calls out."""

    __tablename__ = "queues"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # The queue's name by UI language (uz, ru, en) as an admin gave it; the consoles show it
    # first, then their own texts' name of a seeded queue, then ``title``.
    names: Mapped[dict[str, str]] = mapped_column(
        JSONDocument, default=dict, server_default=text("'{}'")
    )
    # A call enters the active queue with the lowest match_rank whose channels hold its channel
    # and whose languages hold its language (an empty list takes every language).
    channels: Mapped[list[str]] = mapped_column(JSONDocument)
    languages: Mapped[list[str]] = mapped_column(JSONDocument)
    match_rank: Mapped[int] = mapped_column(Integer)
    # Skill keys (``lang:uz``, ``channel:voice``, ``sign_language``; ``lang:{call}`` is the
    # call's own language) an operator needs, each with the operator's penalty for it.
    required_skills: Mapped[list[str]] = mapped_column(JSONDocument)
    strategy: Mapped[str] = mapped_column(String(16))
    # [{"after_s": 0, "max_penalty": 0}, ...]: the skills strategy's widening window.
    penalty_steps: Mapped[list[dict[str, int]]] = mapped_column(JSONDocument)
    offer_timeout_s: Mapped[int] = mapped_column(Integer)
    wrap_up_s: Mapped[int] = mapped_column(Integer)
    # [{"seconds": 10, "percent": 90}, ...]: answered within ``seconds`` for ``percent`` of calls.
    sl_targets: Mapped[list[dict[str, float]]] = mapped_column(JSONDocument)
    # The round-robin strategy's memory: the last operator offered a call of this queue.
    rr_last: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Operator(Base):
    """An operator's place in the ACD: state, skills, queues, counters of the current shift."""

    __tablename__ = "operators"

    username: Mapped[str] = mapped_column(
        String(64), ForeignKey("users.username"), primary_key=True
    )
    state: Mapped[OperatorState] = mapped_column(StatusString(OperatorState, 16), index=True)
    reason: Mapped[str | None] = mapped_column(String(200))
    # The reason the system gave (an automatic break or sign-out) as {code, params}, which the
    # consoles say in the UI's language; None for a reason a person wrote.
    reason_said: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument, nullable=True)
    state_since: Mapped[datetime] = mapped_column(UTCDateTime())
    skills: Mapped[dict[str, int]] = mapped_column(JSONDocument)
    # None: every queue the skills allow; else only these queues.
    queues: Mapped[list[str] | None] = mapped_column(JSONDocument, nullable=True)
    # The call offered to, taken or wrapped up by the operator, and its queue.
    call_id: Mapped[uuid.UUID | None] = mapped_column()
    queue: Mapped[str | None] = mapped_column(String(64))
    wrap_up_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Longest-idle counts from here: sign-in, or the end of the last call's wrap-up.
    idle_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # After a decline no offer comes before this instant.
    offer_not_before: Mapped[datetime | None] = mapped_column(UTCDateTime())
    no_answer_count: Mapped[int] = mapped_column(Integer, default=0)
    # Since sign-in: for the fewest-calls and least-talk-time strategies.
    calls_taken: Mapped[int] = mapped_column(Integer, default=0)
    talk_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class QueueEntry(Base):
    """A call's stay in the ACD; ``id`` is the arrival order (ties of ``entered_at``)."""

    __tablename__ = "queue_entries"
    __table_args__ = (Index("ix_queue_entries_target_operator", "target_operator", "status"),)

    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls.id"), unique=True)
    queue: Mapped[str] = mapped_column(ForeignKey("queues.name"))
    # Its moves: states.ENTRY_TRANSITIONS, made in lifecycle only.
    status: Mapped[EntryStatus] = mapped_column(StatusString(EntryStatus, 16))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    channel: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(3))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # A supervisor's move to one operator: only they are offered the call.
    target_operator: Mapped[str | None] = mapped_column(String(64))
    operator: Mapped[str | None] = mapped_column(String(64))
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    no_answers: Mapped[int] = mapped_column(Integer, default=0)


# The first waiting calls of a queue (and of a queue for one language: queues whose skills
# depend on the caller's language) in offering order — priority, then age, ``id`` breaking
# ties —, read without touching the others: a tick costs the same with 100 or 10,000 waiting.
OFFER_ORDER = (QueueEntry.priority.desc(), QueueEntry.entered_at, QueueEntry.id)
Index("ix_queue_entries_offer_order", QueueEntry.status, QueueEntry.queue, *OFFER_ORDER)
Index(
    "ix_queue_entries_offer_language",
    QueueEntry.status,
    QueueEntry.queue,
    QueueEntry.language,
    *OFFER_ORDER,
)

ACTIVE_OFFER = text("status = 'active'")


class Offer(Base):
    """A call offered to one operator until accepted, declined, expired or cancelled."""

    __tablename__ = "queue_offers"
    __table_args__ = (
        # The database itself refuses a second active offer of a call or to an operator, so
        # two assigning processes can never hand out one call twice or one operator two calls.
        Index(
            "uq_queue_offers_active_call",
            "call_id",
            unique=True,
            sqlite_where=ACTIVE_OFFER,
            postgresql_where=ACTIVE_OFFER,
        ),
        Index(
            "uq_queue_offers_active_operator",
            "operator",
            unique=True,
            sqlite_where=ACTIVE_OFFER,
            postgresql_where=ACTIVE_OFFER,
        ),
        Index("ix_queue_offers_status_expires_at", "status", "expires_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls.id"), index=True)
    operator: Mapped[str] = mapped_column(ForeignKey("operators.username"))
    queue: Mapped[str] = mapped_column(String(64))
    # Its moves: states.OFFER_TRANSITIONS, made in lifecycle only.
    status: Mapped[OfferStatus] = mapped_column(StatusString(OfferStatus, 16))
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    command_id: Mapped[uuid.UUID | None] = mapped_column()
    # Which server process made the offer (host:pid), for tracing work across workers.
    offered_by: Mapped[str] = mapped_column(String(100))


class QueueLogEntry(Base):
    """One line of the queue log (like Asterisk's queue_log); append-only in the database."""

    __tablename__ = "queue_log"

    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    queue: Mapped[str | None] = mapped_column(String(64))
    call_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    operator: Mapped[str | None] = mapped_column(String(64), index=True)
    event: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(JSONDocument)


class QueueStat(Base):
    """Counters of one queue in one interval, kept from the queue log (and rebuilt from it)."""

    __tablename__ = "queue_stats"

    queue: Mapped[str] = mapped_column(String(64), primary_key=True)
    interval_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    entered: Mapped[int] = mapped_column(Integer, default=0)
    transferred: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    abandoned: Mapped[int] = mapped_column(Integer, default=0)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    ring_no_answer: Mapped[int] = mapped_column(Integer, default=0)
    wrap_ups: Mapped[int] = mapped_column(Integer, default=0)
    wait_sum: Mapped[float] = mapped_column(Float, default=0.0)
    max_wait: Mapped[float] = mapped_column(Float, default=0.0)
    abandon_wait_sum: Mapped[float] = mapped_column(Float, default=0.0)
    talk_sum: Mapped[float] = mapped_column(Float, default=0.0)
    wrap_sum: Mapped[float] = mapped_column(Float, default=0.0)
    # {"10": n}: calls answered (abandoned) within 10 s, for every service-level threshold.
    answered_within: Mapped[dict[str, int]] = mapped_column(JSONDocument)
    abandoned_within: Mapped[dict[str, int]] = mapped_column(JSONDocument)


class SurgeState(Base):
    """The centre's surge policy (one row, ``id`` 1): the mode a supervisor set (``auto``:
    judged from staffing; ``on``/``off`` by hand) and the latest judgement the ACD acts on."""

    __tablename__ = "queue_surge"
    __table_args__ = (
        CheckConstraint("id = 1", name="ck_queue_surge_one_row"),
        CheckConstraint("mode IN ('auto', 'on', 'off')", name="ck_queue_surge_mode"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    mode: Mapped[str] = mapped_column(String(8))
    mode_reason: Mapped[str | None] = mapped_column(String(500))
    mode_set_by: Mapped[str | None] = mapped_column(String(64))
    mode_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    # Why it is (not) in surge: a code the consoles say in their language, and its figures.
    why: Mapped[str] = mapped_column(String(32))
    figures: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    # When ``active`` last changed, and when the ACD last judged.
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    judged_at: Mapped[datetime] = mapped_column(UTCDateTime())
