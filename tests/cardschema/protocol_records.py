"""Protocol records for revision 1.3's tests: three protocols walked on one card (a cardiac
arrest with an override, a suicide-risk screen, a bare one), carried by conftest.py's
``card_1_3``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import cardschema as cs

TASHKENT = timezone(timedelta(hours=5))


def at(minute: int, second: int = 0) -> datetime:
    """A time on 22 November 2026 between 09:00 and 10:00 in Asia/Tashkent."""
    return datetime(2026, 11, 22, 9, minute, second, tzinfo=TASHKENT)


def arrest() -> cs.ProtocolRecord:
    """A cardiac arrest walked to CPR, its priority overridden with a reason."""
    return cs.ProtocolRecord(
        code="cardiac_arrest",
        version=3,
        approved=True,
        language="uz",
        started_at=at(20, 5),
        started_by="d.yusupova",
        answers=(
            cs.ProtocolAnswer(node="awake", question="Bemor hushidami?", value="no", at=at(20, 12)),
            cs.ProtocolAnswer(
                node="breathing",
                question='Bemor normal nafas olyaptimi? <"xirillash"> & 🫁',
                value="gasping: Xirillab nafas olyapti",
                at=at(20, 30),
            ),
            cs.ProtocolAnswer(node="age", question="Yoshi nechada?", value="54", at=at(20, 41)),
        ),
        instructions=(
            cs.ProtocolInstruction(
                node="push",
                text="Koʻkrak qafasining oʻrtasiga qattiq va tez bosing, daqiqasiga 100–120 marta.",
                at=at(20, 55),
            ),
        ),
        determinant=cs.ProtocolDeterminant(
            code="ARREST-1", priority=2, services=("103", "101"), risk=None
        ),
        priority_override=1,
        override_reason="Bemor nafas olmayapti, brigada 2 daqiqa uzoqlikda.\nКак можно скорее.",
    )


def screen() -> cs.ProtocolRecord:
    """A suicide-risk screen of a draft version at high risk, escalated."""
    return cs.ProtocolRecord(
        code="suicide_risk",
        version=1,
        approved=False,
        language="ru",
        started_at=datetime(2026, 11, 22, 4, 25, tzinfo=UTC),
        started_by="d.yusupova",
        answers=(
            cs.ProtocolAnswer(
                node="plan",
                question="Вы думали о том, как бы это сделали?",
                value="yes",
                at=datetime(2026, 11, 22, 4, 26, tzinfo=UTC),
            ),
        ),
        determinant=cs.ProtocolDeterminant(
            code="SR-3", priority=1, services=("1146", "103", "102"), risk=cs.ProtocolRisk.HIGH
        ),
        escalation_required=True,
        escalated_at=datetime(2026, 11, 22, 4, 27, 30, 500000, tzinfo=UTC),
    )


def bare() -> cs.ProtocolRecord:
    """A protocol just started: nothing answered yet."""
    return cs.ProtocolRecord(
        code="choking",
        version=1,
        approved=False,
        language="kaa",
        started_at=at(21),
        started_by="d.yusupova",
    )
