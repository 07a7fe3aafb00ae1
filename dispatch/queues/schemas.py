"""The ACD over the API: operators, skills, offers, queues, calls in queues, statistics."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from cardschema import Channel
from dispatch.calls.schemas import LANGUAGE_PATTERN, USERNAME_PATTERN
from dispatch.errors import Said, said
from dispatch.queues.states import EntryStatus, OfferStatus, OperatorState
from dispatch.queues.strategies import MAX_PENALTY, Strategy

Penalty = Annotated[int, Field(ge=0, le=MAX_PENALTY, description="0 is best")]
LanguageCode = Annotated[str, StringConstraints(pattern=LANGUAGE_PATTERN)]
QueueName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
SkillKey = Annotated[
    str,
    StringConstraints(
        pattern=r"^(lang:([a-z]{2,3}|\{call\})|channel:(voice|video|sms|email)"
        r"|sign_language|psychological_support)$"
    ),
]
Username = Annotated[str, StringConstraints(pattern=USERNAME_PATTERN)]


class Skills(BaseModel):
    """What an operator can do, each with a penalty (0 best, 9 last resort); absent: cannot."""

    model_config = ConfigDict(extra="forbid")

    languages: dict[LanguageCode, Penalty] = Field(
        default_factory=dict, description="ISO 639 code → penalty, e.g. {'uz': 0, 'ru': 1}"
    )
    channels: dict[Channel, Penalty] = Field(default_factory=dict)
    sign_language: Penalty | None = None
    psychological_support: Penalty | None = None

    def flat(self) -> dict[str, int]:
        """As stored and matched: ``lang:uz``, ``channel:voice``, ``sign_language``, ..."""
        keys = {f"lang:{code}": p for code, p in self.languages.items()}
        keys.update({f"channel:{channel.value}": p for channel, p in self.channels.items()})
        for name in ("sign_language", "psychological_support"):
            value = getattr(self, name)
            if value is not None:
                keys[name] = value
        return keys

    @classmethod
    def from_flat(cls, keys: dict[str, int]) -> Skills:
        """The API shape of stored skill keys."""
        return cls(
            languages={k[5:]: p for k, p in keys.items() if k.startswith("lang:")},
            channels={Channel(k[8:]): p for k, p in keys.items() if k.startswith("channel:")},
            sign_language=keys.get("sign_language"),
            psychological_support=keys.get("psychological_support"),
        )


class RequestedState(StrEnum):
    """The states an operator may ask for."""

    AVAILABLE = "available"
    ON_BREAK = "on_break"
    SIGNED_OUT = "signed_out"


class BreakReason(StrEnum):
    """The centre's break reasons, as the consoles offer them; each is said in the reader's
    language (its sentence code, ``said_<code>`` in the consoles' texts)."""

    REST = "break_rest"
    MEAL = "break_meal"
    TRAINING = "break_training"
    TECHNICAL = "break_technical"
    OTHER = "break_other"


class StateIn(BaseModel):
    """A state an operator asks for (a break needs its reason)."""

    model_config = ConfigDict(extra="forbid")

    state: RequestedState
    reason: str | None = Field(default=None, min_length=1, max_length=200)
    reason_code: BreakReason | None = Field(
        default=None,
        description="which of the centre's break reasons ``reason`` is (the consoles say it in "
        "the reader's language); none for a reason in a person's own words",
    )

    @model_validator(mode="after")
    def _break_has_reason(self) -> Self:
        if self.state is RequestedState.ON_BREAK and not self.reason:
            raise ValueError("reason: say why the operator goes on break")
        if self.reason_code is not None and self.state is not RequestedState.ON_BREAK:
            raise ValueError("reason_code: only a break has one")
        return self

    def reason_said(self) -> Said | None:
        """The break's reason as a sentence, when it is one of the centre's."""
        return said(self.reason_code.value) if self.reason_code else None


class QueuesIn(BaseModel):
    """The queues an operator serves; null: every queue their skills allow."""

    model_config = ConfigDict(extra="forbid")

    queues: list[QueueName] | None = Field(max_length=50)


class OfferOut(BaseModel):
    """A call offered to an operator."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    call_id: uuid.UUID
    operator: str
    queue: str
    status: OfferStatus
    offered_at: datetime
    expires_at: datetime
    closed_at: datetime | None
    command_id: uuid.UUID | None


class OperatorOut(BaseModel):
    """An operator in the ACD: state, skills, queues, the current offer or call, counters."""

    username: str
    state: OperatorState
    reason: str | None
    reason_code: str | None = Field(
        default=None, description="the system's reason as a sentence code (e.g. break_no_answer)"
    )
    reason_params: dict[str, Any] | None = Field(
        default=None, description="its particulars (e.g. count)"
    )
    state_since: datetime
    skills: Skills
    queues: list[str] | None = Field(description="null: every queue the skills allow")
    call_id: uuid.UUID | None
    queue: str | None
    offer: OfferOut | None
    wrap_up_until: datetime | None
    idle_since: datetime | None
    last_heartbeat_at: datetime | None
    calls_taken: int = Field(description="since sign-in")
    talk_seconds: float = Field(description="since sign-in")
    no_answer_count: int


class MoveIn(BaseModel):
    """Where a supervisor moves a waiting call: another queue, or one operator."""

    model_config = ConfigDict(extra="forbid")

    queue: QueueName | None = None
    operator: Username | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.queue is None) == (self.operator is None):
            raise ValueError("name either a queue or an operator to move the call to")
        return self


class PriorityIn(BaseModel):
    """A waiting call's priority: 0 (default) to 9; higher is offered first."""

    model_config = ConfigDict(extra="forbid")

    priority: int = Field(ge=0, le=9)


class QueueCallOut(BaseModel):
    """A call in the ACD and its place in its queue."""

    call_id: uuid.UUID
    queue: str
    status: EntryStatus
    priority: int
    position: int | None = Field(description="1 is offered next; null once connected or over")
    entered_at: datetime
    wait_s: float | None = Field(description="so far, or until answered or abandoned")
    channel: str
    language: str
    target_operator: str | None
    operator: str | None
    connected_at: datetime | None
    ended_at: datetime | None
    no_answers: int


class PenaltyStep(BaseModel):
    """After ``after_s`` seconds of waiting, operators with penalty ≤ ``max_penalty`` qualify."""

    model_config = ConfigDict(extra="forbid")

    after_s: int = Field(ge=0, le=3600)
    max_penalty: Penalty


class Target(BaseModel):
    """A service-level target: ``percent`` of calls answered within ``seconds``."""

    model_config = ConfigDict(extra="forbid")

    seconds: int = Field(ge=1, le=600)
    percent: float = Field(gt=0, le=100)


QueueTitle = Annotated[str, Field(min_length=1, max_length=200)]


class QueueNames(BaseModel):
    """A queue's name in the UI languages it is given in (a missing one: the console's own name
    of a seeded queue, else ``title``)."""

    model_config = ConfigDict(extra="forbid")

    uz: QueueTitle | None = None
    ru: QueueTitle | None = None
    en: QueueTitle | None = None

    def given(self) -> dict[str, str]:
        """The names given, by language."""
        return {language: name for language, name in self.model_dump().items() if name}


class QueueCreate(BaseModel):
    """A new queue; what is not given takes the usual values."""

    model_config = ConfigDict(extra="forbid")

    name: QueueName
    title: str = Field(min_length=1, max_length=200)
    names: QueueNames | None = Field(
        default=None, description="its name in Uzbek (Latin), Russian and English"
    )
    channels: list[Channel] = Field(min_length=1, max_length=4)
    languages: list[LanguageCode] = Field(
        default_factory=list, max_length=50, description="empty: every language"
    )
    match_rank: int = Field(default=50, ge=0, le=1000, description="lower is tried first")
    required_skills: list[SkillKey] = Field(default_factory=list, max_length=10)
    strategy: Strategy = Strategy.LONGEST_IDLE
    penalty_steps: list[PenaltyStep] = Field(
        default_factory=lambda: [PenaltyStep(after_s=0, max_penalty=MAX_PENALTY)],
        min_length=1,
        max_length=10,
    )
    offer_timeout_s: int = Field(default=10, ge=1, le=300)
    wrap_up_s: int = Field(default=15, ge=0, le=3600)
    sl_targets: list[Target] = Field(
        default_factory=lambda: [Target(seconds=10, percent=90), Target(seconds=20, percent=95)],
        min_length=1,
        max_length=5,
    )
    active: bool = True

    def spec(self) -> dict[str, Any]:
        """The queue as stored (its names: those given)."""
        spec = self.model_dump(mode="json", exclude={"names"})
        spec["names"] = self.names.given() if self.names else {}
        return spec


class QueuePatch(BaseModel):
    """Changes to a queue: only the fields given change. ``names`` replaces the names in the UI
    languages; a new ``title`` without ``names`` drops them (they named the queue as it was)."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    names: QueueNames | None = None
    channels: list[Channel] | None = Field(default=None, min_length=1, max_length=4)
    languages: list[LanguageCode] | None = Field(default=None, max_length=50)
    match_rank: int | None = Field(default=None, ge=0, le=1000)
    required_skills: list[SkillKey] | None = Field(default=None, max_length=10)
    strategy: Strategy | None = None
    penalty_steps: list[PenaltyStep] | None = Field(default=None, min_length=1, max_length=10)
    offer_timeout_s: int | None = Field(default=None, ge=1, le=300)
    wrap_up_s: int | None = Field(default=None, ge=0, le=3600)
    sl_targets: list[Target] | None = Field(default=None, min_length=1, max_length=5)
    active: bool | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        nulls = sorted(k for k in self.model_fields_set if getattr(self, k) is None)
        if nulls:
            raise ValueError(f"{', '.join(nulls)}: cannot be null")
        if not self.model_fields_set:
            raise ValueError("name at least one field to change")
        return self

    def changes(self) -> dict[str, Any]:
        """The fields given, as stored."""
        changes = self.model_dump(mode="json", exclude_unset=True, exclude={"names"})
        if self.names is not None:
            changes["names"] = self.names.given()
        return changes


class QueueOut(BaseModel):
    """A queue's configuration."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    title: str
    names: dict[str, str] = Field(
        description="by language (uz, ru, en): the name the consoles show; title where none"
    )
    channels: list[str]
    languages: list[str]
    match_rank: int
    required_skills: list[str]
    strategy: Strategy
    penalty_steps: list[PenaltyStep]
    offer_timeout_s: int
    wrap_up_s: int
    sl_targets: list[Target]
    active: bool


class LogLineOut(BaseModel):
    """One line of the queue log."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    queue: str | None
    call_id: uuid.UUID | None
    operator: str | None
    event: str
    data: dict[str, Any]


class ServiceLevelOut(BaseModel):
    """Answered within ``seconds``: of the answered, and with early abandons counted as met."""

    # percent = answered_within / answered; percent_with_abandons = (answered_within +
    # abandoned_within) / (answered + abandoned), Asterisk's ServicelevelPerf2;
    # percent_with_waiting adds the callers waiting past the target now to the missed.

    seconds: int
    target_percent: float | None
    answered_within: int
    abandoned_within: int
    percent: float | None
    percent_with_abandons: float | None
    waiting_past: int = Field(
        default=0,
        description="callers waiting now for longer than `seconds` (0 for a period that has ended)",
    )
    percent_with_waiting: float | None = Field(
        default=None,
        description="(answered_within + abandoned_within) / (answered + abandoned + "
        "waiting_past): percent_with_abandons with the callers still waiting past the target "
        "counted as missed — what a caller in the queue experiences now",
    )


class PeriodOut(BaseModel):
    """What happened in a period (the current interval, or today so far)."""

    start: datetime
    entered: int = Field(description="calls that entered (a move counts in both queues)")
    transferred: int = Field(description="moved out to another queue")
    answered: int
    abandoned: int = Field(description="ended before an answer (hung up or line lost)")
    completed: int
    ring_no_answer: int
    abandon_percent: float | None
    service_level: list[ServiceLevelOut]
    asa_s: float | None = Field(description="average speed of answer (wait of answered calls)")
    longest_answered_wait_s: float | None
    avg_abandon_wait_s: float | None
    avg_talk_s: float | None
    avg_wrap_up_s: float | None
    avg_handle_s: float | None = Field(description="talk plus wrap-up")


class QueueStatsOut(BaseModel):
    """A queue now (waiting, operators) and its statistics for the interval and today."""

    name: str
    title: str
    names: dict[str, str] = Field(
        default_factory=dict, description="by language (uz, ru, en), as the queue's names"
    )
    strategy: str | None
    waiting: int = Field(description="calls not yet answered, offered ones included")
    offered: int = Field(description="of those, ringing an operator now")
    longest_wait_s: float | None
    available: int
    busy: int = Field(description="reserved, on a call or wrapping up")
    on_break: int
    signed_in: int
    interval: PeriodOut
    today: PeriodOut


class QueuesSummary(BaseModel):
    """Every queue and all of them together (``overall``), like Asterisk's QueueSummary."""

    at: datetime
    interval_minutes: int
    queues: list[QueueStatsOut]
    overall: QueueStatsOut
