"""QA tables: scorecards, sampling plans and their calls, evaluations with every revision,
calibration sessions and training topics."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.calls.models import SerialId
from dispatch.core.database import Base, JSONDocument, UTCDateTime
from dispatch.core.statuses import StatusString
from dispatch.qa.schemas import TopicStatus

OFFICIAL = text("calibration_id IS NULL")


class Scorecard(Base):
    """One version of a scorecard; a version with evaluations is never changed again."""

    __tablename__ = "qa_scorecards"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    key: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    # Sections with weights, items with points and deviation classes, the deviation weights
    # and the compliance levels (``schemas.ScorecardDefinition``).
    definition: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(String(64))


class Plan(Base):
    """A sampling plan: its inputs (the seed too, so the draw can be repeated) and size."""

    __tablename__ = "qa_plans"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    date_from: Mapped[date] = mapped_column(Date)
    date_to: Mapped[date] = mapped_column(Date)
    share: Mapped[float] = mapped_column(Float)
    min_per_operator: Mapped[int] = mapped_column(Integer)
    min_per_stratum: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer)
    long_handle_s: Mapped[float] = mapped_column(Float)
    # Calls over in the period (the population the sample was drawn from).
    population: Mapped[int] = mapped_column(Integer)
    # {stratum: calls in the period}, for the plan's summary.
    strata: Mapped[dict[str, int]] = mapped_column(JSONDocument)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    created_by: Mapped[str] = mapped_column(String(64))


class PlanCall(Base):
    """A call a plan chose, with the facts it was chosen on and every reason it was chosen."""

    __tablename__ = "qa_plan_calls"

    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("qa_plans.id"), primary_key=True)
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls.id"), primary_key=True, index=True)
    call_at: Mapped[datetime] = mapped_column(UTCDateTime())
    operator: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))
    incident_type: Mapped[str | None] = mapped_column(String(64))
    stratum: Mapped[str] = mapped_column(String(80))
    # random, stratum, minimum, flag:abandoned, flag:callback_exhausted,
    # flag:supervisor_takeover, flag:long_handle.
    reasons: Mapped[list[str]] = mapped_column(JSONDocument)


class Calibration(Base):
    """A calibration session: several specialists score the same calls on one scorecard."""

    __tablename__ = "qa_calibrations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    title: Mapped[str] = mapped_column(String(200))
    scorecard_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("qa_scorecards.id"))
    call_ids: Mapped[list[str]] = mapped_column(JSONDocument)
    # Empty: whoever scores the calls in this session takes part.
    evaluators: Mapped[list[str]] = mapped_column(JSONDocument)
    # An item whose mean pairwise kappa is below this is flagged as a disagreement.
    kappa_threshold: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    created_by: Mapped[str] = mapped_column(String(64))


class Evaluation(Base):
    """An evaluation of one call by one specialist; its answers are in its revisions.

    ``revision``, ``score`` and ``level`` repeat the newest revision for listing. An
    evaluation made in a calibration session is not an official one (reports leave it out).
    """

    __tablename__ = "qa_evaluations"
    __table_args__ = (
        # One official evaluation of a call per specialist (a change is a new revision), and
        # one per specialist and call in a calibration session.
        Index(
            "uq_qa_evaluations_official",
            "call_id",
            "evaluator",
            unique=True,
            sqlite_where=OFFICIAL,
            postgresql_where=OFFICIAL,
        ),
        UniqueConstraint("calibration_id", "call_id", "evaluator"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("calls.id"), index=True)
    scorecard_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("qa_scorecards.id"), index=True)
    evaluator: Mapped[str] = mapped_column(String(64), index=True)
    # The call's operator and start when it was scored (reports group by them).
    operator: Mapped[str | None] = mapped_column(String(64), index=True)
    call_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    plan_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("qa_plans.id"))
    in_plan: Mapped[bool] = mapped_column(Boolean)
    calibration_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("qa_calibrations.id"), index=True
    )
    revision: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    level: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EvaluationRevision(Base):
    """One submitted revision of an evaluation, kept as it was when a later one replaced it."""

    __tablename__ = "qa_evaluation_revisions"
    __table_args__ = (UniqueConstraint("evaluation_id", "revision"),)

    id: Mapped[int] = mapped_column(SerialId, primary_key=True, autoincrement=True)
    evaluation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("qa_evaluations.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    # {item key: {"answer": "yes" | "no" | "na", "comment": str | None}}
    answers: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    comment: Mapped[str | None] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    # The score before a failed critical item set it to 0.
    raw_score: Mapped[float] = mapped_column(Float)
    level: Mapped[str] = mapped_column(String(32))
    critical_failures: Mapped[list[str]] = mapped_column(JSONDocument)
    deviations: Mapped[dict[str, int]] = mapped_column(JSONDocument)
    sections: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))


class TrainingTopic(Base):
    """A finding assigned to an operator as a training topic, for their supervisor."""

    __tablename__ = "qa_training_topics"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    operator: Mapped[str] = mapped_column(String(64), index=True)
    topic: Mapped[str] = mapped_column(Text)
    evaluation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("qa_evaluations.id"))
    item: Mapped[str | None] = mapped_column(String(64))
    # open → done | dropped (``training.TRANSITIONS``).
    status: Mapped[TopicStatus] = mapped_column(StatusString(TopicStatus, 16), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(64))
