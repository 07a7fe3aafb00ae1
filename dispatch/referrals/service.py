"""The referral directory: entries kept by supervisors and admins, searched by operators, and
a referral recorded on a card as its note."""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.cards import service as cards
from dispatch.core.actor import Actor
from dispatch.errors import Conflict, Invalid, NotFound, said
from dispatch.referrals.models import Referral
from dispatch.referrals.schemas import (
    CardReferralCreate,
    ReferralCreate,
    ReferralKind,
    ReferralOut,
    ReferralPatch,
)

if TYPE_CHECKING:  # only the type of what cards.add_note returns
    from dispatch.cards.models import CardRow

SEEDS = Path(__file__).parent / "seeds.yaml"
# Fields a patch may not clear (null is refused); the others (hours, address, notes) clear.
REQUIRED = ("names", "kind", "national", "regions", "phones", "always_open", "languages", "active")
APOSTROPHES = str.maketrans(dict.fromkeys("‘’ʻʼ`´", "'"))


def fold(text: str) -> str:
    """Text as searched: case folded, every Uzbek apostrophe (o‘, g‘, ʼ) the same."""
    return text.casefold().translate(APOSTROPHES)


def _snapshot(row: Referral) -> dict[str, Any]:
    return {
        "names": row.names,
        "kind": row.kind,
        "national": row.national,
        "regions": row.regions,
        "phones": row.phones,
        "languages": row.languages,
        "active": row.active,
    }


async def _audit(
    session: AsyncSession, actor: Actor, action: str, row: Referral, *, now: datetime, **more: Any
) -> None:
    await audit.record(
        session, actor, action, "referral", str(row.id), {**_snapshot(row), **more}, at=now
    )


async def get(session: AsyncSession, referral_id: uuid.UUID, *, lock: bool = False) -> Referral:
    """One entry; NotFound when there is none."""
    query = select(Referral).where(Referral.id == referral_id)
    row = await session.scalar(query.with_for_update(key_share=True) if lock else query)
    if row is None:
        raise NotFound(
            f"no referral with id {referral_id}", said=said("referral_unknown", id=str(referral_id))
        )
    return row


def _fields(data: ReferralCreate) -> dict[str, Any]:
    dumped = data.model_dump(mode="json")
    return {
        **dumped,
        "regions": sorted(set(data.regions)),
        "languages": list(dict.fromkeys(data.languages)),
        "names": {k: v for k, v in dumped["names"].items() if v is not None},
        "address": (data.address or "").strip() or None,
        "notes": (data.notes or "").strip() or None,
    }


async def create(
    session: AsyncSession,
    actor: Actor,
    data: ReferralCreate,
    *,
    now: datetime,
    code: str | None = None,
) -> Referral:
    """Add an entry; audited (``referral.create``)."""
    row = Referral(
        id=uuid.uuid4(),
        code=code,
        **_fields(data),
        created_at=now,
        created_by=actor.username,
        updated_at=now,
        updated_by=actor.username,
    )
    session.add(row)
    await session.flush()
    await _audit(session, actor, "referral.create", row, now=now)
    return row


async def update(
    session: AsyncSession,
    actor: Actor,
    referral_id: uuid.UUID,
    patch: ReferralPatch,
    *,
    now: datetime,
) -> Referral:
    """Change the fields sent; audited (``referral.update``, with the fields changed). A
    national entry lists no regions, a regional one at least one (422 otherwise)."""
    sent = patch.model_fields_set
    cleared = [name for name in REQUIRED if name in sent and getattr(patch, name) is None]
    if cleared:
        raise Invalid(f"{', '.join(cleared)}: cannot be cleared, only changed")
    row = await get(session, referral_id, lock=True)
    merged = ReferralOut.model_validate(row).model_dump(mode="json")
    changes = patch.model_dump(mode="json", include=sent)
    if changes.get("national") is True and "regions" not in sent:
        changes["regions"] = []  # a national entry serves everywhere
    if changes.get("regions") and "national" not in sent:
        changes["national"] = False
    merged.update(changes)
    try:
        data = ReferralCreate.model_validate(
            {name: merged[name] for name in ReferralCreate.model_fields}
        )
    except ValueError as exc:
        raise Invalid(str(exc)) from exc
    fields = _fields(data)
    changed = sorted(name for name in fields if fields[name] != getattr(row, name))
    if not changed:
        return row
    for name in changed:
        setattr(row, name, fields[name])
    row.updated_at = now
    row.updated_by = actor.username
    await session.flush()
    await _audit(session, actor, "referral.update", row, now=now, changed=changed)
    return row


def _serves(row: Referral, region: str | None) -> str | None:
    if region is None:
        return None
    if region in row.regions:
        return "region"
    return "national" if row.national else None


def _haystack(row: Referral) -> str:
    digits = ["".join(c for c in phone if c.isdigit()) for phone in row.phones]
    parts = [*row.names.values(), *row.phones, *digits, row.address or "", row.notes or ""]
    return fold(" ".join(parts))


async def search(
    session: AsyncSession,
    *,
    region: str | None = None,
    language: str | None = None,
    kind: ReferralKind | None = None,
    q: str | None = None,
    include_inactive: bool = False,
    limit: int = 50,
) -> list[ReferralOut]:
    """The entries serving ``region`` (its own first, then the national ones), speaking
    ``language``, of ``kind``, whose names, phones, address or notes hold every word of ``q``;
    within each group by name in ``language`` (Uzbek when the entry has no such name)."""
    query = select(Referral)
    if not include_inactive:
        query = query.where(Referral.active.is_(True))
    if kind is not None:
        query = query.where(Referral.kind == kind.value)
    words = fold(q).split() if q else []
    found: list[tuple[int, str, ReferralOut]] = []
    for row in (await session.scalars(query)).all():
        match = _serves(row, region)
        if region is not None and match is None:
            continue
        if language is not None and language not in row.languages:
            continue
        if words:
            haystack = _haystack(row)
            if not all(word in haystack for word in words):
                continue
        out = ReferralOut.model_validate(row)
        out.match = match
        name = row.names.get(language or "uz") or row.names["uz"]
        found.append((0 if match == "region" else 1, fold(name), out))
    found.sort(key=lambda item: (item[0], item[1], str(item[2].id)))
    return [out for _, _, out in found[:limit]]


def note_text(row: Referral, note: str | None) -> str:
    """The card note of a referral, in English (the card's language of record)."""
    phones = ", ".join(row.phones) if row.phones else "no phone on file"
    text = f"Referral: {row.names['en']} — {phones} ({row.kind})"
    return f"{text}. {note}" if note else text


async def record_on_card(
    session: AsyncSession,
    actor: Actor,
    card_id: uuid.UUID,
    data: CardReferralCreate,
    *,
    now: datetime,
) -> CardRow:
    """Write the referral onto the card as a note (through the cards capability); audited
    (``referral.record``). NotFound for an unknown entry or card, Conflict for an inactive
    entry."""
    row = await get(session, data.referral_id)
    if not row.active:
        raise Conflict(
            f"the referral {row.names['en']} is no longer active; choose another",
            said=said("referral_inactive", name=row.names["uz"]),
        )
    note = (data.note or "").strip() or None
    card = await cards.add_note(session, actor, card_id, note_text(row, note), now=now)
    await audit.record(
        session,
        actor,
        "referral.record",
        "card",
        str(card_id),
        {"referral_id": str(row.id), "name": row.names["en"], "kind": row.kind, "note": note},
        at=now,
    )
    return card


async def seed_referrals(session: AsyncSession, actor: Actor, *, now: datetime) -> int:
    """The starting directory (``seeds.yaml``): the entries whose code is not stored yet.
    Returns how many were added."""
    document = yaml.safe_load(SEEDS.read_text(encoding="utf-8"))
    known = set((await session.scalars(select(Referral.code))).all())
    added = 0
    for entry in document["entries"]:
        code = entry.pop("code")
        if code in known:
            continue
        await create(session, actor, ReferralCreate.model_validate(entry), now=now, code=code)
        added += 1
    return added
