"""What other capabilities read of QA's findings, through functions (its tables stay its own):
a scorecard's items, the open training topics on given items, and the yes/no answers given to
given items in official evaluations of given operators' calls; and the one change they make,
closing the topics a training covered."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.core.actor import Actor
from dispatch.qa import evaluations, scorecards, training
from dispatch.qa.models import Evaluation, Scorecard, TrainingTopic
from dispatch.qa.schemas import TopicStatus, TopicUpdate


@dataclass(frozen=True)
class OpenTopic:
    """An open training topic from an evaluation's missed item."""

    id: uuid.UUID
    operator: str
    item: str
    topic: str
    created_at: datetime


@dataclass(frozen=True)
class ItemAnswer:
    """One answer to one item in the newest revision of an official evaluation."""

    operator: str
    evaluation_id: uuid.UUID
    call_at: datetime
    item: str
    answer: str  # yes | no | na


async def scorecard_items(session: AsyncSession, key: str) -> dict[str, dict[str, str]]:
    """The items of a scorecard's newest version, {item key: text by language}; NotFound
    when there is no such scorecard."""
    card = await scorecards.get_version(session, key)
    return {
        item.key: dict(item.text)
        for section in scorecards.definition(card).sections
        for item in section.items
    }


async def open_topics(
    session: AsyncSession, *, scorecard: str, items: Collection[str]
) -> list[OpenTopic]:
    """Open training topics on ``items`` of scorecard ``scorecard`` (any version), oldest
    first."""
    rows = await session.execute(
        select(TrainingTopic)
        .join(Evaluation, Evaluation.id == TrainingTopic.evaluation_id)
        .join(Scorecard, Scorecard.id == Evaluation.scorecard_id)
        .where(
            TrainingTopic.status == TopicStatus.OPEN.value,
            TrainingTopic.item.in_(list(items)),
            Scorecard.key == scorecard,
        )
        .order_by(TrainingTopic.created_at, TrainingTopic.id)
    )
    return [
        OpenTopic(t.id, t.operator, t.item or "", t.topic, t.created_at) for t in rows.scalars()
    ]


async def item_answers(
    session: AsyncSession,
    *,
    operators: Collection[str],
    scorecard: str,
    items: Collection[str],
    since: datetime,
    until: datetime,
) -> list[ItemAnswer]:
    """The answers to ``items`` in the official evaluations (newest revisions) on scorecard
    ``scorecard`` of ``operators``' calls made in [since, until), by call time."""
    wanted = set(items)
    out: list[ItemAnswer] = []
    for operator in sorted(set(operators)):
        found = await evaluations.current(
            session, operator=operator, official=True, since=since, until=until
        )
        for current in found:
            if current.scorecard.key != scorecard:
                continue
            for item, answer in sorted(current.revision.answers.items()):
                if item in wanted:
                    out.append(
                        ItemAnswer(
                            operator,
                            current.evaluation.id,
                            current.evaluation.call_at,
                            item,
                            str(answer["answer"]),
                        )
                    )
    return out


async def close_topics(
    session: AsyncSession, actor: Actor, topic_ids: Sequence[str], *, note: str, now: datetime
) -> list[uuid.UUID]:
    """Mark the open ones among ``topic_ids`` done (the training happened) with ``note``, each
    audited as a topic update; the ids closed."""
    ids = [uuid.UUID(topic_id) for topic_id in topic_ids]
    if not ids:
        return []
    found = await session.scalars(
        select(TrainingTopic.id).where(
            TrainingTopic.id.in_(ids), TrainingTopic.status == TopicStatus.OPEN.value
        )
    )
    closed = []
    for topic_id in found.all():
        update = TopicUpdate(status=TopicStatus.DONE, note=note)
        await training.update_topic(session, actor, topic_id, update, now=now)
        closed.append(topic_id)
    return closed
