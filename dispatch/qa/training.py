"""Training topics: findings assigned to an operator, which supervisors follow up.

A topic is ``open`` until it is ``done`` (the training happened) or ``dropped``; both are
final (``TRANSITIONS``), and any other move is a 409.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.auth import service as auth
from dispatch.auth.roles import Role
from dispatch.core.actor import Actor
from dispatch.errors import Conflict, Invalid, NotFound
from dispatch.qa import evaluations, names, scorecards
from dispatch.qa.models import Evaluation, TrainingTopic
from dispatch.qa.schemas import TopicCreate, TopicOut, TopicStatus, TopicUpdate

T = TopicStatus
TRANSITIONS: Mapping[TopicStatus, frozenset[TopicStatus]] = {
    T.OPEN: frozenset({T.DONE, T.DROPPED}),
    T.DONE: frozenset(),
    T.DROPPED: frozenset(),
}
TRAINEES = frozenset({Role.OPERATOR.value, Role.SUPERVISOR.value})


async def create_topic(
    session: AsyncSession, actor: Actor, data: TopicCreate, *, now: datetime
) -> TrainingTopic:
    """A topic for an operator; from an evaluation's deviation it names the item missed."""
    operator, topic = data.operator, data.topic
    if data.item is not None and data.evaluation_id is None:
        raise Invalid("item: name the evaluation (evaluation_id) the item was missed in")
    if data.evaluation_id is not None:
        found = await evaluations.current(session, evaluation_id=data.evaluation_id)
        if not found:
            raise Invalid(f"evaluation_id: no evaluation with id {data.evaluation_id}")
        current = found[0]
        if operator is not None and operator != current.evaluation.operator:
            raise Invalid(
                f"operator: evaluation {data.evaluation_id} is of "
                f"{current.evaluation.operator}'s call, not {operator}'s"
            )
        operator = current.evaluation.operator
        if data.item is not None:
            answer = current.revision.answers.get(data.item)
            if answer is None:
                raise Invalid(f"item: no item {data.item} in evaluation {data.evaluation_id}")
            if answer["answer"] != "no":
                raise Invalid(
                    f"item: {data.item} was answered {answer['answer']} in evaluation "
                    f"{data.evaluation_id}; a training topic follows a deviation (no)"
                )
            if topic is None:
                topic = _item_text(current, data.item)
    if operator is None:
        raise Invalid("operator: name the operator (or an evaluation of their call)")
    if topic is None:
        raise Invalid("topic: say what the training is about (or name the item missed)")
    try:
        user = await auth.get_user(session, operator)
    except NotFound as exc:
        raise Invalid(f"operator: there is no account {operator!r}") from exc
    if user.role not in TRAINEES:
        raise Invalid(f"operator: {operator} is a {user.role}, not an operator or supervisor")
    row = TrainingTopic(
        id=uuid.uuid4(),
        operator=operator,
        topic=topic,
        evaluation_id=data.evaluation_id,
        item=data.item,
        status=T.OPEN.value,
        created_at=now,
        created_by=actor.username,
    )
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        actor,
        "qa.topic.create",
        "qa_training_topic",
        str(row.id),
        {"operator": operator, "item": data.item},
        at=now,
    )
    return row


def _item_text(current: evaluations.Current, item: str) -> str:
    for section in scorecards.definition(current.scorecard).sections:
        for candidate in section.items:
            if candidate.key == item:
                return candidate.text.get("en") or next(iter(candidate.text.values()))
    return item  # pragma: no cover - answers hold only the scorecard's items


async def list_topics(
    session: AsyncSession, *, operator: str | None, status: TopicStatus | None, limit: int
) -> list[TrainingTopic]:
    """Topics newest first, for one operator or status when given."""
    query = select(TrainingTopic)
    if operator is not None:
        query = query.where(TrainingTopic.operator == operator)
    if status is not None:
        query = query.where(TrainingTopic.status == status.value)
    rows = await session.scalars(
        query.order_by(TrainingTopic.created_at.desc(), TrainingTopic.id).limit(limit)
    )
    return list(rows.all())


async def update_topic(
    session: AsyncSession, actor: Actor, topic_id: uuid.UUID, data: TopicUpdate, *, now: datetime
) -> TrainingTopic:
    """Close a topic (done or dropped) with a note; a closed topic stays closed."""
    row = await session.scalar(
        select(TrainingTopic).where(TrainingTopic.id == topic_id).with_for_update(key_share=True)
    )
    if row is None:
        raise NotFound(f"no training topic with id {topic_id}")
    current = TopicStatus(row.status)
    if data.status not in TRANSITIONS[current]:
        raise Conflict(f"training topic {topic_id} is {current}; it cannot become {data.status}")
    before = row.status
    row.status = data.status
    row.note = data.note
    row.closed_at = now
    row.closed_by = actor.username
    await audit.record(
        session,
        actor,
        "qa.topic.update",
        "qa_training_topic",
        str(row.id),
        {"from": before, "to": row.status},
        at=now,
    )
    return row


async def describe(
    session: AsyncSession, rows: Sequence[TrainingTopic], *, language: str = "en"
) -> list[TopicOut]:
    """The topics with the people's full names and the missed item's title in ``language``."""
    named = await names.load(session, language)
    evaluation_ids = {r.evaluation_id for r in rows if r.item and r.evaluation_id}
    scorecard_of: dict[uuid.UUID, uuid.UUID] = {}
    if evaluation_ids:
        found = await session.execute(
            select(Evaluation.id, Evaluation.scorecard_id).where(Evaluation.id.in_(evaluation_ids))
        )
        scorecard_of = {row[0]: row[1] for row in found}
    titles: dict[uuid.UUID, dict[str, str]] = {}
    for scorecard_id in set(scorecard_of.values()):
        card = await scorecards.get_by_id(session, scorecard_id)
        titles[scorecard_id] = names.titles(scorecards.definition(card), language)
    out = []
    for row in rows:
        topic = TopicOut.model_validate(row)
        topic.operator_name = named.person(row.operator)
        topic.created_by_name = named.person(row.created_by)
        topic.closed_by_name = named.person(row.closed_by)
        if row.item and row.evaluation_id in scorecard_of:
            card_titles = titles[scorecard_of[row.evaluation_id]]
            topic.item_title = card_titles.get(row.item, row.item)
        out.append(topic)
    return out
