"""Bus topics surveys publishes (after commit, through ``core.bus.emit``)."""

from __future__ import annotations

from typing import TypedDict

from dispatch.core.events import Topic


class Scheduled(TypedDict):
    """A survey of a closed card's caller was planned; the sender wakes to send it when due."""

    survey_id: str


class Answered(TypedDict):
    """The caller answered a survey with ``score`` (1-5); no subscriber in the server today
    (the report reads the stored answers)."""

    survey_id: str
    score: int | None


SCHEDULED = Topic[Scheduled]("survey.scheduled")
ANSWERED = Topic[Answered]("survey.answered")
