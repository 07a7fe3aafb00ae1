"""Callback tasks and their attempts: timers as rows, so a restart forgets none."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.callbacks.states import CallbackStatus
from dispatch.core.database import Base, JSONDocument, UTCDateTime
from dispatch.core.statuses import StatusString

OPEN_TASK = text("status IN ('pending', 'dialing')")
DIALING = text("status = 'dialing'")


class CallbackTask(Base):
    """One call to be called back: up to three attempts, then reached or unreachable."""

    __tablename__ = "callback_tasks"
    __table_args__ = (
        # The database refuses a second open task for one call and a second dial for one
        # operator, so two workers (or two operators) can never take one callback twice.
        Index(
            "uq_callback_tasks_open_call",
            "call_id",
            unique=True,
            sqlite_where=OPEN_TASK,
            postgresql_where=OPEN_TASK,
        ),
        # One open task per number: a later dropped or abandoned call from the same number
        # joins it (``CallbackJoin``), so one caller is never rung by two tasks.
        Index(
            "uq_callback_tasks_open_number",
            "number",
            unique=True,
            sqlite_where=OPEN_TASK,
            postgresql_where=OPEN_TASK,
        ),
        Index(
            "uq_callback_tasks_dialing_operator",
            "operator",
            unique=True,
            sqlite_where=DIALING,
            postgresql_where=DIALING,
        ),
        Index("ix_callback_tasks_status_due_at", "status", "due_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls.id"), index=True)
    card_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cards.id"))
    # dropped, abandoned (the call ended so) or operator (made by hand), and why.
    origin: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    number: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(3))
    queue: Mapped[str | None] = mapped_column(String(64))
    # Its moves: states.CALLBACK_TRANSITIONS, made by lifecycle.move only.
    status: Mapped[CallbackStatus] = mapped_column(StatusString(CallbackStatus, 16))
    # Higher first, like queue entries: 6 - incident priority (1..5), 0 when not classified.
    priority: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    # The next attempt is not offered before this instant.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The operator who took the call: offered the callback first while free.
    preferred_operator: Mapped[str | None] = mapped_column(String(64))
    # The operator dialling now (status dialing), and until when before the task is released.
    operator: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(64))
    # What happened to the card when the caller stayed unreachable (routed, or why not).
    card_note: Mapped[str | None] = mapped_column(Text)
    # The same as {code, params}, which the consoles say in the UI's language.
    card_note_said: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument, nullable=True)


class CallbackAttempt(Base):
    """One dial of a callback: from the ``originate`` to the outcome the operator records."""

    __tablename__ = "callback_attempts"
    __table_args__ = (
        UniqueConstraint("task_id", "number", name="uq_callback_attempts_task_id_number"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("callback_tasks.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    operator: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    # The gateway's originate command for this dial (None when dialled outside the ACD).
    command_id: Mapped[uuid.UUID | None] = mapped_column()


class CallbackJoin(Base):
    """A later call from a task's number that dropped or was abandoned while the task was
    open: it joined the task instead of making a second one."""

    __tablename__ = "callback_joins"

    task_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("callback_tasks.id"), primary_key=True)
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls.id"), primary_key=True)
    origin: Mapped[str] = mapped_column(String(16))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())
