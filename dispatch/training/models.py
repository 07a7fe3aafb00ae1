"""Training tables: programmes, their sessions, each trainee of a session, the schedules that
make a programme due again; the regulations library and who acknowledged each version."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.core.database import Base, JSONDocument, UTCDateTime
from dispatch.core.statuses import StatusString
from dispatch.training.schemas import SessionStatus


class Programme(Base):
    """A training programme; changed only until a session uses it (then a new one is made)."""

    __tablename__ = "training_programmes"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    # {uz, ru, en} each.
    title: Mapped[dict[str, str]] = mapped_column(JSONDocument)
    goals: Mapped[dict[str, str]] = mapped_column(JSONDocument)
    # [{title: {uz, ru, en}, content, materials: [{attachment_id} | {url, title}]}]
    modules: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument)
    # The standard's task codes (standard.TASKS) it serves.
    functions: Mapped[list[str]] = mapped_column(JSONDocument)
    # The QA scorecard (key) and its items the programme targets.
    scorecard: Mapped[str] = mapped_column(String(64))
    items: Mapped[list[str]] = mapped_column(JSONDocument)
    # {pass_mark: percent, questions: [{text: {...}, choices: [{...}], answer: index}]}
    test: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(64))


class TrainingSession(Base):
    """A session of a programme: planned, then held (attendance recorded) or cancelled."""

    __tablename__ = "training_sessions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    programme_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("training_programmes.id"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    minutes: Mapped[int] = mapped_column(Integer)
    place: Mapped[str | None] = mapped_column(String(200))
    trainer: Mapped[str] = mapped_column(String(64), index=True)
    # planned → held | cancelled (``sessions.TRANSITIONS``).
    status: Mapped[SessionStatus] = mapped_column(StatusString(SessionStatus, 16), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Trainee(Base):
    """A person invited to a session: why, whether they came, their test and feedback."""

    __tablename__ = "training_trainees"

    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("training_sessions.id"), primary_key=True
    )
    username: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    # qa (from open training topics), schedule (due again by a schedule) or hand.
    source: Mapped[str] = mapped_column(String(16))
    topic_ids: Mapped[list[str]] = mapped_column(JSONDocument)
    # The schedule that made them due (source schedule).
    schedule_id: Mapped[uuid.UUID | None] = mapped_column()
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime())
    invited_by: Mapped[str] = mapped_column(String(64))
    attended: Mapped[bool | None] = mapped_column(Boolean)
    attendance_by: Mapped[str | None] = mapped_column(String(64))
    test_answers: Mapped[list[int] | None] = mapped_column(JSONDocument)
    test_score: Mapped[float | None] = mapped_column(Float)
    test_passed: Mapped[bool | None] = mapped_column(Boolean)
    tested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    tested_by: Mapped[str | None] = mapped_column(String(64))
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TrainingSchedule(Base):
    """A programme due again every ``interval_months`` for the people in its scope (their roles
    and/or the ACD skills they hold), suggested ``lead_days`` before it falls due; kept until
    ended."""

    __tablename__ = "training_schedules"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    programme_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("training_programmes.id"), index=True
    )
    # Roles (operator, supervisor) and skill keys; empty: any.
    roles: Mapped[list[str]] = mapped_column(JSONDocument)
    skills: Mapped[list[str]] = mapped_column(JSONDocument)
    interval_months: Mapped[int] = mapped_column(Integer)
    lead_days: Mapped[int] = mapped_column(Integer)
    # Earlier editions of the programme whose sessions count as done too.
    counts_also: Mapped[list[str]] = mapped_column(JSONDocument)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(64))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    ended_by: Mapped[str | None] = mapped_column(String(64))


class Regulation(Base):
    """One version of a law, order or instruction (D2.02), announced to the roles it concerns;
    never changed (a change is the next version of the same code)."""

    __tablename__ = "training_regulations"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # law | order | instruction
    number: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[dict[str, str]] = mapped_column(JSONDocument)
    summary: Mapped[dict[str, str]] = mapped_column(JSONDocument)
    issued_on: Mapped[date] = mapped_column(Date)
    in_force_from: Mapped[date] = mapped_column(Date)
    in_force_to: Mapped[date | None] = mapped_column(Date)
    attachment_id: Mapped[uuid.UUID | None] = mapped_column()
    url: Mapped[str | None] = mapped_column(String(2000))
    roles: Mapped[list[str]] = mapped_column(JSONDocument)
    # {protocols: [codes], scripts: [incident types or "general"], routing: [incident types]}
    affects: Mapped[dict[str, list[str]]] = mapped_column(JSONDocument)
    acknowledge_within_days: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    published_by: Mapped[str] = mapped_column(String(64))


class Acknowledgement(Base):
    """Someone read a regulation's version."""

    __tablename__ = "training_acknowledgements"

    regulation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("training_regulations.id"), primary_key=True
    )
    username: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Competency(Base):
    """A labour task of the standard a person has shown at its level, recorded by a supervisor
    with the evidence as it stood then (tests, trainings, QA)."""

    __tablename__ = "training_competencies"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    code: Mapped[str] = mapped_column(String(16))
    level: Mapped[int] = mapped_column(Integer)
    suggested: Mapped[bool] = mapped_column(Boolean)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(64))
