"""Call-control legs for revision 1.4's tests: an interpreter's conference withdrawn, a warm
transfer to a psychologist completed, a blind transfer to a number that was busy and one just
asked for, carried by conftest.py's ``card_1_4``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import cardschema as cs

TASHKENT = timezone(timedelta(hours=5))


def at(minute: int, second: int = 0) -> datetime:
    """A time on 22 November 2026 between 09:00 and 10:00 in Asia/Tashkent."""
    return datetime(2026, 11, 22, 9, minute, second, tzinfo=TASHKENT)


def interpreter() -> cs.CallControlRecord:
    """A conference with an interpreter, withdrawn before the queue answered."""
    return cs.CallControlRecord(
        id=uuid.UUID("0c6f3a1e-8d2b-4f57-9a41-3e7b5d9c2f10"),
        kind=cs.CallControlKind.CONFERENCE,
        requested_at=at(24, 5),
        requested_by="d.yusupova",
        target_kind=cs.CallControlTargetKind.QUEUE,
        target="interpreters_tg",
        target_name="Tarjimonlar (tojik tili)",
        outcome=cs.CallControlOutcome.CANCELLED,
        ended_at=at(24, 40),
        reason='Navbatchi psixolog tojik tilida gapiradi <"tarjimon kerak emas"> & 🗣',
    )


def psychologist() -> cs.CallControlRecord:
    """An attended (warm) transfer to the 1146 psychologist on duty, handed over."""
    return cs.CallControlRecord(
        id=uuid.UUID("1d7a4b2f-9e3c-4a68-8b52-4f8c6eab3021"),
        kind=cs.CallControlKind.TRANSFER,
        mode=cs.CallControlMode.ATTENDED,
        requested_at=at(25),
        requested_by="d.yusupova",
        target_kind=cs.CallControlTargetKind.DIRECTORY,
        target="1146-samarqand-psychologist",
        target_name="1146 navbatchi psixolog N. Qodirova",
        number="+998662001146",
        outcome=cs.CallControlOutcome.COMPLETED,
        answered_at=at(25, 18),
        ended_at=datetime(2026, 11, 22, 4, 26, 2, 250000, tzinfo=UTC),
    )


def busy() -> cs.CallControlRecord:
    """A blind transfer to a number typed by the supervisor, which was busy."""
    return cs.CallControlRecord(
        id=uuid.UUID("2e8b5c30-af4d-4b79-8c63-5a9d7fbc4132"),
        kind=cs.CallControlKind.TRANSFER,
        mode=cs.CallControlMode.BLIND,
        requested_at=at(27, 30),
        requested_by="b.saidov",
        target_kind=cs.CallControlTargetKind.NUMBER,
        target="8 (66) 233-44-55 ext. 12",
        number="*31#+998662334455#12",
        outcome=cs.CallControlOutcome.BUSY,
        ended_at=at(27, 41),
        reason="SIP 486 Busy Here\nЛиния занята.",
    )


def dialing() -> cs.CallControlRecord:
    """A blind transfer to a colleague, just asked for: only what is required."""
    return cs.CallControlRecord(
        id=uuid.UUID("3f9c6d41-b05e-4c8a-9d74-6bae80cd5243"),
        kind=cs.CallControlKind.TRANSFER,
        mode=cs.CallControlMode.BLIND,
        requested_at=at(29),
        requested_by="d.yusupova",
        target_kind=cs.CallControlTargetKind.OPERATOR,
        target="a.karimov",
        outcome=cs.CallControlOutcome.DIALING,
    )
