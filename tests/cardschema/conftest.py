"""Cards shared by the cardschema tests: one with every field set, one with only the required."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

import cardschema as cs
from tests.cardschema.call_control_legs import busy, dialing, interpreter, psychologist
from tests.cardschema.protocol_records import arrest, bare, screen

TASHKENT = timezone(timedelta(hours=5))


def tashkent(hour: int, minute: int, second: int = 0, microsecond: int = 0) -> datetime:
    """A timestamp on 22 November 2026 in Asia/Tashkent (+05:00)."""
    return datetime(2026, 11, 22, hour, minute, second, microsecond, tzinfo=TASHKENT)


@pytest.fixture
def minimal_card() -> cs.Card:
    """A card that was just opened: only the required fields."""
    return cs.Card(
        id=uuid.UUID("11111111-2222-4333-8444-555555555555"),
        number="112-20261122-000001",
        version=1,
        status=cs.CardStatus.OPEN,
        created_at=tashkent(9, 19),
        updated_at=tashkent(9, 19),
        channel=cs.Channel.VOICE,
        language="uz",
    )


@pytest.fixture
def full_card() -> cs.Card:
    """A closed card with every optional field set, odd offsets and awkward text."""
    return cs.Card(
        id=uuid.UUID("3f1c2a9e-7b4d-4e21-9c0a-5d8e6f7a1b23"),
        number="112-20261122-000123",
        version=7,
        status=cs.CardStatus.CLOSED,
        created_at=tashkent(9, 19, 4, 120000),
        updated_at=datetime(2026, 11, 22, 6, 2, 40, tzinfo=UTC),
        closed_at=datetime(2026, 11, 22, 2, 32, 40, 5, tzinfo=timezone(timedelta(hours=-3.5))),
        channel=cs.Channel.VIDEO,
        language="kaa",
        call_id=uuid.UUID("a7e5c1d2-0b3f-4a6e-8d9c-1e2f3a4b5c6d"),
        caller=cs.Caller(number="+998915551234", name="Dilshod Rahimov", callback_number="*102#"),
        location=cs.Location(
            address='Samarqand sh., Registon koʻchasi 12 <3-podyezd> & "5-qavat"',
            lat=39.654812,
            lon=-66.975731,
            radius_m=0.5,
            source=cs.LocationSource.AML,
            region=cs.Place(code="UZ-SA", name="Samarqand viloyati"),
            district=cs.Place(code="UZ-SA-SAMARQAND-SH"),
            confirmed=True,
        ),
        proposed_location=cs.ProposedLocation(
            lat=-0.0,
            lon=179.999999,
            radius_m=1250.0,
            source=cs.LocationSource.NETWORK,
            received_at=datetime(2026, 11, 22, 4, 25, 7, 250000, tzinfo=UTC),
            positioned_at=tashkent(9, 24, 58, 999999),
            method='CELL <2G> & "TA"',
            region=cs.Place(code="UZ-SA", name="Samarqand viloyati"),
            district=cs.Place(code="UZ-SA-PAYARIQ"),
        ),
        incident=cs.Incident(
            type="fire.residential",
            priority=1,
            description="Tutun chiqmoqda.\r\nДым из окна.\tÚyde adam bar. 🔥",
            victims=0,
            hazards=("smoke", "people_trapped"),
        ),
        services=(
            cs.RoutedService(
                code="101",
                name="Yongʻin xavfsizligi",
                unit=cs.Unit(code="SAM-YQQ-02", name="2-son yongʻin-qutqaruv qismi"),
                status=cs.ServiceStatus.ARRIVED,
                routed_at=tashkent(9, 21, 30),
                history=(
                    cs.StatusChange(status=cs.ServiceStatus.RECEIVED, at=tashkent(9, 21, 31)),
                    cs.StatusChange(
                        status=cs.ServiceStatus.ACCEPTED,
                        at=tashkent(9, 21, 50),
                        note="2 ta avtotsisterna",
                        by="navbatchi B. Tursunov",
                    ),
                ),
            ),
            cs.RoutedService(
                code="1146",
                status=cs.ServiceStatus.ROUTED,
                routed_at=tashkent(9, 22),
                handoff=cs.Handoff(
                    at=tashkent(9, 23, 10),
                    by="d.yusupova",
                    contact="navbatchi psixolog N. Qodirova, +998 71 200-11-46",
                    note="Tizim javob bermadi.\nKarta raqami telefonda aytildi. 📞",
                ),
            ),
        ),
        callbacks=(
            cs.CallbackAttempt(attempt=1, at=tashkent(9, 40), outcome=cs.CallbackOutcome.NO_ANSWER),
            cs.CallbackAttempt(
                attempt=2,
                at=tashkent(9, 45),
                outcome=cs.CallbackOutcome.REACHED,
                operator_id="d.yusupova",
            ),
        ),
        notes=(
            cs.Note(at=tashkent(9, 20, 15), author="d.yusupova", text="Nam latta bilan nafas."),
        ),
        links=(
            cs.Link(
                card_id=uuid.UUID("5e0b7d4c-2a1f-4c3b-9e8d-7f6a5b4c3d2e"),
                number="112-20261122-000125",
                kind=cs.LinkKind.RELATED,
            ),
            cs.Link(
                card_id=uuid.UUID("6e0b7d4c-2a1f-4c3b-9e8d-7f6a5b4c3d2e"),
                kind=cs.LinkKind.DUPLICATE,
            ),
        ),
        outcome=cs.Outcome.DISPATCHED,
        operator_id="d.yusupova",
        supervisor_id="b.saidov",
    )


@pytest.fixture
def card_1_2(full_card: cs.Card) -> cs.Card:
    """The full card with every part of revision 1.2 set as well."""
    location = dataclasses.replace(
        full_card.location,
        structured_address=cs.StructuredAddress(
            street="Registon koʻchasi",
            house="12A",
            building="2",
            entrance="3",
            floor="-1",
            flat="45",
            mahalla="Registon mahallasi",
            landmark='Bibixonim masjidi roʻparasida <"moʻljal"> & 🕌',
        ),
    )
    caller = dataclasses.replace(
        full_card.caller,
        conditions=(cs.CallerCondition.HEARING_IMPAIRED, cs.CallerCondition.CHILD),
        condition_note="Faqat SMS orqali.\nЯзык: русский.",
    )
    return dataclasses.replace(
        full_card,
        caller=caller,
        location=location,
        persons=(
            cs.Person(
                role=cs.PersonRole.VICTIM,
                name="Malika Karimova",
                age=7,
                sex=cs.Sex.FEMALE,
                condition="Tutundan nafas qisilishi",
                description="Qizil koʻylak",
            ),
            cs.Person(role=cs.PersonRole.SUSPECT, age_band=cs.AgeBand.ADULT, sex=cs.Sex.MALE),
            cs.Person(role=cs.PersonRole.WITNESS),
        ),
        vehicles=(
            cs.Vehicle(
                role=cs.VehicleRole.SUSPECT,
                plate="01 A 123 BC",
                make="Chevrolet",
                model="Cobalt",
                colour="oq",
                description="Chorsu tomonga ketdi",
            ),
            cs.Vehicle(role=cs.VehicleRole.INVOLVED),
        ),
        attachments=(
            cs.Attachment(
                id=uuid.UUID("0b9c8d7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e"),
                file_name="yongʻin 1.jpg",
                media_type="image/jpeg",
                size_bytes=482113,
                sha256="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                source=cs.AttachmentSource.CALLER,
                received_at=tashkent(9, 22, 5),
            ),
            cs.Attachment(
                id=uuid.UUID("1b9c8d7e-6f5a-4b3c-8d2e-1f0a9b8c7d6e"),
                media_type="video/mp4",
                size_bytes=1,
                sha256="0" * 64,
                source=cs.AttachmentSource.OPERATOR,
                received_at=datetime(2026, 11, 22, 4, 30, tzinfo=UTC),
            ),
        ),
        links=(
            cs.Link(
                card_id=uuid.UUID("5e0b7d4c-2a1f-4c3b-9e8d-7f6a5b4c3d2e"),
                number="112-20261122-000125",
                kind=cs.LinkKind.PARENT,
            ),
            cs.Link(
                card_id=uuid.UUID("6e0b7d4c-2a1f-4c3b-9e8d-7f6a5b4c3d2e"),
                kind=cs.LinkKind.MERGED_FROM,
            ),
        ),
        incident_id=uuid.UUID("5e0b7d4c-2a1f-4c3b-9e8d-7f6a5b4c3d2e"),
    )


@pytest.fixture
def card_1_3(card_1_2: cs.Card) -> cs.Card:
    """The 1.2 card with three protocols walked on it."""
    return dataclasses.replace(card_1_2, protocols=(arrest(), screen(), bare()))


@pytest.fixture
def card_1_4(card_1_3: cs.Card) -> cs.Card:
    """The 1.3 card with four call-control legs as well."""
    return dataclasses.replace(
        card_1_3, call_control=(interpreter(), psychologist(), busy(), dialing())
    )
