"""A part's own topics reach it in every view that shows it.

Found with the surge banner: the operator console's view mapped events to parts by hand and
left out the parts it shares with the supervisors' (``surge``, ``server``), so an operator saw a
supervisor switch the surge off only at the part's 15-s recomputation. The hub now marks a part
on its ``topics`` whatever the view's own ``touches`` says.
"""

from __future__ import annotations

from typing import Any, cast

import pytest

from dispatch.consoles.hub import ConsoleHub
from dispatch.consoles.operator_view import operator_view
from dispatch.consoles.supervisor_view import SUPERVISOR_VIEW
from dispatch.consoles.views import View
from dispatch.core.bus import Event
from dispatch.core.events import Prefix, Topic
from dispatch.core.runtime import Runtime
from dispatch.queues import events as queue_events

VIEWS = (operator_view(), SUPERVISOR_VIEW)


def _name(topic: Topic[Any] | Prefix) -> str:
    return topic.name + "anything" if isinstance(topic, Prefix) else topic.name


def _cases() -> list[tuple[View, str, str]]:
    return [
        (view, part.name, _name(topic))
        for view in VIEWS
        for part in view.parts
        for topic in part.topics
        if _name(topic)  # the empty prefix (every topic) needs no case of its own
    ]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("view", "part", "topic"), _cases(), ids=lambda v: v.name if isinstance(v, View) else v
)
async def test_an_event_on_a_parts_topic_marks_it_in_the_view(
    view: View, part: str, topic: str
) -> None:
    hub = ConsoleHub(cast(Runtime, None), VIEWS)
    hub.watching[view.name] = {"operator1": set()}
    await hub.handle(Event(topic=topic, payload={}))
    marked = {name for v, name in hub.dirty_shared if v == view.name} | set(
        hub.dirty_personal.get((view.name, "operator1"), set())
    )
    assert part in marked


def test_the_operator_console_shows_the_surge_part_of_the_queues_topic() -> None:
    assert any(
        view.name == "operator" and part == "surge" and topic == queue_events.SURGE.name
        for view, part, topic in _cases()
    )
