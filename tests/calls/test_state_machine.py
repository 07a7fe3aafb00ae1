"""The call state machine on its own: the table, replay in ``at`` order, and refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatch.calls.lifecycle import (
    CALL_TRANSITIONS,
    EVENT_STATUS,
    FINAL,
    REACHABLE,
    CallEventType,
    CallStatus,
    IllegalTransition,
    Step,
    replay,
)

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def step(kind: str, seconds: float, seq: int = 0, **fields: str) -> Step:
    return Step(
        event_id=f"{kind}-{seconds}",
        type=CallEventType(kind),
        at=T0 + timedelta(seconds=seconds),
        seq=seq,
        operator=fields.get("operator"),
        media_url=fields.get("media_url"),
    )


def test_the_table_covers_every_state_and_event() -> None:
    assert set(CALL_TRANSITIONS) == set(CallStatus)
    assert set(EVENT_STATUS) == set(CallEventType)
    assert {CallStatus.ENDED, CallStatus.ABANDONED, CallStatus.DROPPED} == FINAL
    for status in FINAL:
        assert REACHABLE[status] == frozenset()
    # every state can be entered by some event, and every non-final state can still end
    assert set(EVENT_STATUS.values()) == set(CallStatus) - {CallStatus.WAITING}
    for status in set(CallStatus) - FINAL:
        assert REACHABLE[status] & FINAL


def test_a_call_answered_and_ended_has_its_talk_time() -> None:
    timeline = replay(
        [
            step("ringing", 5, operator="operator1"),
            step("answered", 12, operator="operator1"),
            step("ended", 72, media_url="https://rec.example/1.ogg"),
        ],
        call_id="c",
    )
    assert timeline.status is CallStatus.ENDED
    assert timeline.offered_at == T0 + timedelta(seconds=5)
    assert timeline.answered_at == T0 + timedelta(seconds=12)
    assert timeline.ended_at == T0 + timedelta(seconds=72)
    assert timeline.talk_seconds == 60
    assert timeline.operator == "operator1"
    assert timeline.media_url == "https://rec.example/1.ogg"
    assert timeline.complete


def test_order_of_arrival_does_not_matter_only_at_does() -> None:
    steps = [step("ended", 72, seq=1), step("answered", 12, seq=2), step("ringing", 5, seq=3)]
    assert replay(steps, call_id="c") == replay(sorted(steps, key=lambda s: s.at), call_id="c")
    assert replay(steps, call_id="c").status is CallStatus.ENDED


def test_a_gap_is_accepted_but_marks_the_timeline_incomplete() -> None:
    timeline = replay([step("ended", 72)], call_id="c")
    assert timeline.status is CallStatus.ENDED
    assert timeline.answered_at is None
    assert timeline.talk_seconds is None
    assert not timeline.complete


def test_transfer_rings_and_is_answered_by_the_target() -> None:
    timeline = replay(
        [
            step("answered", 10, operator="operator1"),
            step("transferred", 30, operator="operator2"),
            step("ringing", 31, operator="operator2"),
            step("answered", 35, operator="operator2"),
            step("ended", 95),
        ],
        call_id="c",
    )
    assert timeline.status is CallStatus.ENDED
    assert timeline.operator == "operator2"
    assert timeline.answered_at == T0 + timedelta(seconds=10)  # the first answer counts
    assert timeline.talk_seconds == 85
    assert timeline.complete


@pytest.mark.parametrize(
    ("steps", "fragment"),
    [
        ([step("ended", 10), step("answered", 20)], "is ended since ended"),
        ([step("abandoned", 10), step("ringing", 20)], "is abandoned"),
        ([step("answered", 5), step("dropped", 10), step("ended", 20)], "is dropped"),
        ([step("ended", 10), step("ended", 20)], "cannot follow"),
    ],
)
def test_nothing_follows_a_final_state(steps: list[Step], fragment: str) -> None:
    with pytest.raises(IllegalTransition) as refused:
        replay(steps, call_id="c1")
    assert fragment in refused.value.message
    assert "call c1" in refused.value.message
    assert refused.value.status_code == 409


def test_an_early_event_that_breaks_a_later_one_names_both() -> None:
    steps = [step("answered", 5), step("ended", 60), step("abandoned", 30, seq=9)]
    with pytest.raises(IllegalTransition) as refused:
        replay(steps, call_id="c1", new_event_id="abandoned-30")
    message = refused.value.message
    assert "this event would make the ended" in message
    assert "follow abandoned" in message
