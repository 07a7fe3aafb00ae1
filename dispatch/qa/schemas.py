"""QA shapes: scorecard definitions, plans, evaluations, calibration, reports, topics."""

from __future__ import annotations

import itertools
import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dispatch.calls.schemas import CallOut, EventOut, MessageOut
from dispatch.control.schemas import LegOut

KEY_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
TEXT_LANGUAGES = frozenset({"uz", "ru", "en"})
MAX_SEED = 2**31 - 1


class Deviation(StrEnum):
    """How bad it is to miss an item (IAED ACE's deviation classes)."""

    CRITICAL = "critical"
    MAJOR = "major"
    MODERATE = "moderate"
    MINOR = "minor"


class AnswerValue(StrEnum):
    """An item was done (yes), missed (no: a deviation) or did not apply to the call (na)."""

    YES = "yes"
    NO = "no"
    NA = "na"


def _texts(value: dict[str, str]) -> dict[str, str]:
    unknown = set(value) - TEXT_LANGUAGES
    if unknown:
        raise ValueError(f"texts are in uz, ru and en; not {', '.join(sorted(unknown))}")
    if not any(text.strip() for text in value.values()):
        raise ValueError("give the text in at least one of uz, ru, en")
    return value


class ProtocolSource(StrEnum):
    """An item the server scores from the protocols walked on the call's card (issue 25)."""

    KEY_QUESTIONS = "protocol.key_questions"  # every key question on the walked path asked
    INSTRUCTIONS = "protocol.instructions"  # every instruction on the walked path given
    FIRST_INSTRUCTION = "protocol.first_instruction"  # the first one within ``within_s``


class ItemDef(BaseModel):
    """One thing the call-taker should have done, worth ``points`` in its section; an item with
    a ``source`` is scored by the server from the recorded protocol, not by the specialist."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=KEY_PATTERN)
    text: dict[str, str] = Field(description="{uz, ru, en}")
    points: float = Field(gt=0, le=1000)
    deviation: Deviation = Field(
        default=Deviation.MAJOR,
        description="the class of missing it; missing a critical item fails the evaluation",
    )
    source: ProtocolSource | None = None
    within_s: int | None = Field(
        default=None, ge=1, le=3600, description="protocol.first_instruction: the limit"
    )

    _check_text = field_validator("text")(_texts)


class SectionDef(BaseModel):
    """A section (case entry, chief complaint, ...) with its weight in the overall score."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=KEY_PATTERN)
    title: dict[str, str]
    weight: float = Field(gt=0, le=1000)
    items: list[ItemDef] = Field(min_length=1, max_length=100)

    _check_title = field_validator("title")(_texts)


class LevelDef(BaseModel):
    """A compliance level reached from ``min_score`` (0-100) up."""

    model_config = ConfigDict(extra="forbid")

    level: str = Field(pattern=KEY_PATTERN)
    min_score: float = Field(ge=0, le=100)


class ScorecardDefinition(BaseModel):
    """Sections, items, deviation weights (the share of an item's points a miss loses) and
    compliance levels from the highest down; the lowest level starts at 0."""

    model_config = ConfigDict(extra="forbid")

    sections: list[SectionDef] = Field(min_length=1, max_length=30)
    deviation_weights: dict[Deviation, float]
    levels: list[LevelDef] = Field(min_length=2, max_length=10)

    @field_validator("deviation_weights")
    @classmethod
    def _weights(cls, value: dict[Deviation, float]) -> dict[Deviation, float]:
        missing = [d.value for d in Deviation if d not in value]
        if missing:
            raise ValueError(f"give a weight for every deviation class; missing {missing}")
        bad = [d.value for d, w in value.items() if not 0 <= w <= 1]
        if bad:
            raise ValueError(f"a deviation weight is a share from 0 to 1; not for {bad}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        sections = [s.key for s in self.sections]
        if len(set(sections)) != len(sections):
            raise ValueError(f"section keys repeat: {sorted(_repeats(sections))}")
        items = [i.key for s in self.sections for i in s.items]
        if len(set(items)) != len(items):
            raise ValueError(f"item keys repeat across the scorecard: {sorted(_repeats(items))}")
        levels = [lv.level for lv in self.levels]
        if len(set(levels)) != len(levels):
            raise ValueError(f"levels repeat: {sorted(_repeats(levels))}")
        floors = [lv.min_score for lv in self.levels]
        if any(a <= b for a, b in itertools.pairwise(floors)):
            raise ValueError("levels go from the highest min_score down, each lower than the last")
        if floors[-1] != 0:
            raise ValueError("the lowest level starts at min_score 0")
        return self

    def item_keys(self) -> list[str]:
        """Every item's key, in order."""
        return [i.key for s in self.sections for i in s.items]


def _repeats(keys: list[str]) -> set[str]:
    return {k for k in keys if keys.count(k) > 1}


class ScorecardCreate(BaseModel):
    """A new scorecard (its version 1)."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=KEY_PATTERN)
    title: str = Field(min_length=1, max_length=200)
    definition: ScorecardDefinition


class ScorecardVersionIn(BaseModel):
    """A scorecard version's content: a new version, or a change of one not yet used."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    definition: ScorecardDefinition


class ScorecardOut(BaseModel):
    """One scorecard version."""

    id: uuid.UUID
    key: str
    version: int
    title: str
    definition: ScorecardDefinition
    evaluations: int = Field(description="evaluations made on this version (then it is frozen)")
    newest: bool
    created_at: datetime
    created_by: str
    updated_at: datetime | None
    updated_by: str | None


class PlanCreate(BaseModel):
    """What to sample: local dates (inclusive), the share, minimums and the seed."""

    model_config = ConfigDict(extra="forbid")

    date_from: date
    date_to: date
    share: float = Field(default=0.02, gt=0, le=1)
    min_per_operator: int = Field(default=0, ge=0, le=1000)
    min_per_stratum: int = Field(default=0, ge=0, le=1000)
    seed: int | None = Field(default=None, ge=0, le=MAX_SEED, description="random when omitted")
    note: str | None = Field(default=None, max_length=2000)


class PlanCallOut(BaseModel):
    """A call of a plan and why it was chosen."""

    call_id: uuid.UUID
    call_at: datetime
    operator: str | None
    operator_name: str | None = Field(default=None, description="the operator's full name")
    channel: str
    channel_name: str = Field(default="", description="in the language asked")
    incident_type: str | None
    incident_type_name: str | None = Field(default=None, description="in the language asked")
    stratum: str
    stratum_name: str = Field(default="", description="incident type / channel, in words")
    reasons: list[str]
    evaluations: int


class StratumOut(BaseModel):
    """A stratum (incident type / channel): calls in the period and calls chosen."""

    stratum: str
    stratum_name: str = Field(default="", description="incident type / channel, in words")
    population: int
    chosen: int
    random: int


class PlanOut(BaseModel):
    """A plan, its summary and (when asked for one plan) its calls."""

    id: uuid.UUID
    date_from: date
    date_to: date
    share: float
    min_per_operator: int
    min_per_stratum: int
    seed: int
    long_handle_s: float
    population: int
    chosen: int
    reasons: dict[str, int]
    strata: list[StratumOut] = []
    operators: dict[str, int] = {}
    operator_names: dict[str, str] = Field(
        default={}, description="{username: full name} of the operators of ``operators``"
    )
    note: str | None
    created_at: datetime
    created_by: str
    created_by_name: str | None = None
    calls: list[PlanCallOut] | None = None


class AnswerIn(BaseModel):
    """The answer to one item, with an optional comment."""

    model_config = ConfigDict(extra="forbid")

    answer: AnswerValue
    comment: str | None = Field(default=None, max_length=2000)


class EvaluationCreate(BaseModel):
    """Score a call on a scorecard (its newest version unless one is named)."""

    model_config = ConfigDict(extra="forbid")

    call_id: uuid.UUID
    scorecard: str = Field(pattern=KEY_PATTERN, description="the scorecard's key, e.g. ace")
    scorecard_version: int | None = Field(default=None, ge=1)
    answers: dict[str, AnswerIn]
    comment: str | None = Field(default=None, max_length=4000)
    calibration_id: uuid.UUID | None = None


class EvaluationRevise(BaseModel):
    """A new revision of an evaluation: every answer again, and why."""

    model_config = ConfigDict(extra="forbid")

    answers: dict[str, AnswerIn]
    comment: str | None = Field(default=None, max_length=4000)
    reason: str | None = Field(default=None, max_length=2000)


class SectionScoreOut(BaseModel):
    """A section's score (None when every item in it was not applicable)."""

    key: str
    weight: float
    score: float | None


class RevisionOut(BaseModel):
    """One revision of an evaluation."""

    revision: int
    answers: dict[str, AnswerIn]
    comment: str | None
    score: float
    raw_score: float
    level: str
    critical_failures: list[str]
    deviations: dict[str, int]
    sections: list[SectionScoreOut]
    reason: str | None
    created_at: datetime
    created_by: str


class EvaluationOut(BaseModel):
    """An evaluation with its newest revision's result (and, when asked, every revision)."""

    id: uuid.UUID
    call_id: uuid.UUID
    scorecard: str
    scorecard_version: int
    evaluator: str
    evaluator_name: str | None = Field(default=None, description="the specialist's full name")
    operator: str | None
    operator_name: str | None = Field(default=None, description="the operator's full name")
    call_at: datetime
    in_plan: bool
    plan_id: uuid.UUID | None
    calibration_id: uuid.UUID | None
    revision: int
    score: float
    raw_score: float
    level: str
    critical_failures: list[str]
    deviations: dict[str, int]
    sections: list[SectionScoreOut]
    answers: dict[str, AnswerIn]
    comment: str | None
    created_at: datetime
    updated_at: datetime
    revisions: list[RevisionOut] | None = None


class CalibrationCreate(BaseModel):
    """A calibration session on some calls."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    call_ids: list[uuid.UUID] = Field(min_length=1, max_length=200)
    scorecard: str = Field(pattern=KEY_PATTERN)
    scorecard_version: int | None = Field(default=None, ge=1)
    evaluators: list[str] = Field(default=[], max_length=50)
    kappa_threshold: float = Field(default=0.6, ge=-1, le=1)


class PairKappa(BaseModel):
    """Two specialists' agreement on one item over the calls both scored."""

    evaluators: tuple[str, str]
    evaluator_names: tuple[str, str] | None = Field(default=None, description="full names")
    calls: int
    agreement: float | None
    kappa: float | None


class ItemAgreement(BaseModel):
    """Agreement on one item: per pair, the mean, and whether it is flagged."""

    item: str
    item_title: str = Field(default="", description="the item's text in the language asked")
    section: str
    section_title: str = Field(default="", description="in the language asked")
    deviation: str
    pairs: list[PairKappa]
    mean_kappa: float | None
    agreement: float | None
    flagged: bool


class CallSpread(BaseModel):
    """The specialists' scores of one call."""

    call_id: uuid.UUID
    scores: dict[str, float]
    levels: dict[str, str]
    mean: float | None
    min: float | None
    max: float | None
    range: float | None
    stdev: float | None


class CalibrationOut(BaseModel):
    """A calibration session and its report."""

    id: uuid.UUID
    title: str
    scorecard: str
    scorecard_version: int
    call_ids: list[uuid.UUID]
    evaluators: list[str]
    kappa_threshold: float
    created_at: datetime
    created_by: str
    participants: list[str]
    participant_names: dict[str, str] = Field(
        default={}, description="{username: full name} of the evaluators and participants"
    )
    created_by_name: str | None = None
    calls: list[CallSpread]
    items: list[ItemAgreement]
    evaluator_means: dict[str, float]
    mean_range: float | None
    flagged_items: list[str]


class TopicStatus(StrEnum):
    """Where a training topic stands."""

    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class TopicCreate(BaseModel):
    """A training topic for an operator: free, or from a deviation in an evaluation."""

    model_config = ConfigDict(extra="forbid")

    operator: str | None = Field(default=None, max_length=64)
    topic: str | None = Field(default=None, min_length=1, max_length=2000)
    evaluation_id: uuid.UUID | None = None
    item: str | None = Field(default=None, pattern=KEY_PATTERN)


class TopicUpdate(BaseModel):
    """A supervisor (or QA) records what became of a topic."""

    model_config = ConfigDict(extra="forbid")

    status: TopicStatus
    note: str | None = Field(default=None, max_length=2000)


class TopicOut(BaseModel):
    """A training topic."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    operator: str
    operator_name: str | None = Field(default=None, description="the operator's full name")
    topic: str
    evaluation_id: uuid.UUID | None
    item: str | None
    item_title: str | None = Field(
        default=None, description="the item missed, in the language asked"
    )
    status: TopicStatus
    note: str | None
    created_at: datetime
    created_by: str
    created_by_name: str | None = None
    closed_at: datetime | None
    closed_by: str | None
    closed_by_name: str | None = None


class PlayIn(BaseModel):
    """Where in the recording playing started (seconds)."""

    model_config = ConfigDict(extra="forbid")

    position_s: float = Field(default=0, ge=0, le=86_400)


class PlayOut(BaseModel):
    """A play recorded in the audit log."""

    call_id: uuid.UUID
    media_url: str
    position_s: float
    at: datetime


class QaCallOut(BaseModel):
    """A call as QA reviews it: the call with its recording, card, timeline and scores."""

    call: CallOut
    card: dict[str, Any] | None
    incident_type_name: str | None = Field(
        default=None, description="the card's incident type, in the language asked"
    )
    names: dict[str, str] = Field(
        default={}, description="{username: full name} of everyone named in the call view"
    )
    events: list[EventOut]
    messages: list[MessageOut]
    plans: list[uuid.UUID]
    evaluations: list[EvaluationOut]
    legs: list[LegOut] = Field(
        default=[], description="the parties asked onto the call: transfers, conferences, monitors"
    )
