"""Training's input and output shapes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

KEY = r"^[a-z][a-z0-9_]{0,63}$"
USERNAME = Annotated[str, Field(min_length=1, max_length=64)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SessionStatus(StrEnum):
    """A session's state (``sessions.TRANSITIONS``)."""

    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"


class Texts(_Input):
    """One text in each interface language."""

    uz: str = Field(min_length=1, max_length=2000)
    ru: str = Field(min_length=1, max_length=2000)
    en: str = Field(min_length=1, max_length=2000)


class Material(_Input):
    """A file of the file store (``attachment_id``) or an https link (``url``)."""

    attachment_id: uuid.UUID | None = None
    url: str | None = Field(default=None, pattern=r"^https://[^\s]+$", max_length=2000)
    title: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.attachment_id is None) == (self.url is None):
            raise ValueError("a material is either a file (attachment_id) or a link (url)")
        return self


class Module(_Input):
    """A part of the programme: its title, its text and its materials."""

    title: str = Field(min_length=1, max_length=200)
    content: str = Field(default="", max_length=20000)
    materials: list[Material] = Field(default_factory=list, max_length=20)


class Question(_Input):
    """A question with its choices and the index of the right one."""

    text: str = Field(min_length=1, max_length=1000)
    choices: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(
        min_length=2, max_length=8
    )
    answer: int = Field(ge=0)

    @model_validator(mode="after")
    def _answer_is_a_choice(self) -> Self:
        if self.answer >= len(self.choices):
            raise ValueError(f"answer: {self.answer} is not one of the {len(self.choices)} choices")
        return self


class Test(_Input):
    """The programme's test: passed with at least ``pass_mark`` per cent right."""

    pass_mark: float = Field(gt=0, le=100)
    questions: list[Question] = Field(min_length=1, max_length=50)


class ProgrammeIn(_Input):
    """A programme as a trainer writes it."""

    title: Texts
    goals: Texts
    modules: list[Module] = Field(min_length=1, max_length=30)
    functions: list[Annotated[str, Field(pattern=r"^[A-Z]\d\.\d{2}\.\d$")]] = Field(
        min_length=1, max_length=30, description="the standard's task codes, e.g. D2.01.4"
    )
    scorecard: str = Field(pattern=KEY, description="the QA scorecard's key")
    items: list[Annotated[str, Field(pattern=KEY)]] = Field(min_length=1, max_length=50)
    test: Test


class ProgrammeOut(ProgrammeIn):
    """A programme; ``editable`` until a session uses it."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)

    id: uuid.UUID
    sessions: int
    editable: bool
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str


class StandardTask(BaseModel):
    """A task of the professional standard."""

    code: str
    function: str
    level: int
    uz: str
    en: str


class ScorecardItem(BaseModel):
    """An item of a QA scorecard, with its text in each language."""

    key: str
    text: dict[str, str]


class SessionIn(_Input):
    """A session planned for a time, with a trainer (the one planning it when left out)."""

    programme_id: uuid.UUID
    starts_at: AwareDatetime
    minutes: int = Field(default=120, ge=15, le=1440)
    place: str | None = Field(default=None, min_length=1, max_length=200)
    trainer: USERNAME | None = None
    note: str | None = Field(default=None, max_length=2000)


class InviteIn(_Input):
    """People to invite; each one's open QA topics on the programme's items go with them."""

    usernames: list[USERNAME] = Field(min_length=1, max_length=200)


class AttendanceIn(_Input):
    """Who came (true) and who did not (false)."""

    attended: dict[USERNAME, bool] = Field(min_length=1, max_length=200)


class TestAnswers(_Input):
    """The index of the choice given to each question, in the test's order."""

    answers: list[int] = Field(max_length=50)


class FeedbackIn(_Input):
    """A trainee's rating of the session (1–5) and a comment."""

    rating: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=2000)


class TraineeOut(BaseModel):
    """A trainee of a session."""

    model_config = ConfigDict(from_attributes=True)

    username: str
    name: str | None = None
    source: str
    topic_ids: list[str]
    schedule_id: uuid.UUID | None = None
    invited_at: datetime
    invited_by: str
    attended: bool | None
    test_score: float | None
    test_passed: bool | None
    tested_at: datetime | None
    rating: int | None
    comment: str | None
    feedback_at: datetime | None


class SessionOut(BaseModel):
    """A session with its trainees."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    programme_id: uuid.UUID
    programme_title: dict[str, str] = Field(default_factory=dict)
    starts_at: datetime
    minutes: int
    place: str | None
    trainer: str
    trainer_name: str | None = None
    status: SessionStatus
    note: str | None
    created_at: datetime
    created_by: str
    trainees: list[TraineeOut] = Field(default_factory=list)


class SuggestedTopic(BaseModel):
    """An open QA training topic behind a suggestion."""

    id: uuid.UUID
    item: str
    topic: str
    created_at: datetime


class Suggested(BaseModel):
    """Someone whose open QA topics fall on the programme's items (``source: qa``), or whom a
    schedule of the programme makes due by the session (``schedule``: its id, when they last
    attended, when they fall due; filled for a ``qa`` suggestion too when both hold)."""

    username: str
    name: str | None
    source: Literal["qa", "schedule"] = "qa"
    topics: list[SuggestedTopic]
    invited: bool
    schedule_id: uuid.UUID | None = None
    last_attended: date | None = None
    due_on: date | None = None


# An ACD skill a schedule's scope may name: the queues' skill keys (queues.schemas.SkillKey)
# without ``lang:{call}``, which only a queue can mean.
ScheduleSkill = Annotated[
    str, Field(pattern=r"^(lang:[a-z]{2,3}|channel:(voice|video|sms|email)"
                       r"|sign_language|psychological_support)$")
]  # fmt: skip


class ScheduleIn(_Input):
    """A programme due again every ``interval_months`` for the people in scope — operators
    and supervisors of ``roles`` (any when empty) holding one of ``skills`` (any when empty),
    one of the two named —, suggested for its sessions from ``lead_days`` before it falls due;
    a session of a ``counts_also`` programme (an earlier edition) counts as done too."""

    programme_id: uuid.UUID
    roles: list[Literal["operator", "supervisor"]] = Field(default_factory=list, max_length=2)
    skills: list[ScheduleSkill] = Field(default_factory=list, max_length=12)
    interval_months: int = Field(ge=1, le=120)
    lead_days: int = Field(default=30, ge=0, le=365)
    counts_also: list[uuid.UUID] = Field(default_factory=list, max_length=20)
    note: str | None = Field(default=None, min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _scope(self) -> Self:
        if not self.roles and not self.skills:
            raise ValueError("a schedule names the roles or the skills it applies to")
        for name in ("roles", "skills", "counts_also"):
            values = getattr(self, name)
            if len(set(values)) != len(values):
                raise ValueError(f"{name}: a value is named twice")
        if self.programme_id in self.counts_also:
            raise ValueError("counts_also: the programme itself always counts")
        return self


class ScheduleOut(ScheduleIn):
    """A schedule: ``active`` until ended; how many people it covers and how many are due
    now or within its lead days; the programme's next planned session."""

    model_config = ConfigDict(extra="ignore", from_attributes=True)

    id: uuid.UUID
    programme_title: dict[str, str] = Field(default_factory=dict)
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str
    ended_at: datetime | None
    ended_by: str | None
    active: bool = True
    in_scope: int = 0
    due: int = 0
    next_session: datetime | None = None


class DuePerson(BaseModel):
    """Someone a schedule makes due: never trained (``last_attended`` null) or trained so long
    ago that ``due_on`` is within the lead days; ``overdue`` once ``due_on`` has passed (or
    never trained); ``invited_to`` a planned session of the programme already."""

    username: str
    name: str | None
    role: str
    last_attended: date | None
    due_on: date | None
    overdue: bool
    invited_to: uuid.UUID | None


class QuestionOut(BaseModel):
    """A test question as a trainee sees it (without the answer)."""

    text: str
    choices: list[str]


class Assignment(BaseModel):
    """A session someone is invited to, the programme and their own results."""

    session_id: uuid.UUID
    programme_id: uuid.UUID
    title: dict[str, str]
    goals: dict[str, str]
    modules: list[Module]
    starts_at: datetime
    minutes: int
    place: str | None
    trainer: str
    trainer_name: str | None
    status: SessionStatus
    attended: bool | None
    pass_mark: float
    questions: list[QuestionOut]
    test_score: float | None
    test_passed: bool | None
    rating: int | None
    comment: str | None
