"""What the transports send, read from ``feed_payloads``: the XML kept when the version was
owed (``outbox.enqueue``), and the EIDO rendered the first time a subscriber asks for it.

Rows owed before the payloads were kept (migration 0010) have none: their XML is rendered on
first use and kept, so even those are rendered once.

What is kept is the whole card. Each transport sends a service its view (``for_service``,
``eido_for(..., service=)``: ``policy.py`` says which of revision 1.2's fields and 1.3's
protocols each service receives). A card without those fields is every service's view as kept,
found by a look at the text; one with them is parsed, reduced and rebuilt, remembered per
service and text.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import literal_column, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

import cardschema
from dispatch.cards import store
from dispatch.feeds import policy
from dispatch.feeds.eido import card_to_eido
from dispatch.feeds.models import FeedPayload
from dispatch.feeds.outbox import PAYLOADS
from dispatch.feeds.states import OUTBOX

Key = tuple[uuid.UUID, int]

# The elements of what policy.py may withhold; a card XML without any is sent as kept.
_GOVERNED = (
    "<persons>",
    "<vehicles>",
    "<attachments>",
    "<conditions>",
    "<conditionNote>",
    "<protocols>",
)


def _governed(xml: str) -> bool:
    return any(marker in xml for marker in _GOVERNED)


def for_service(service_code: str, xml: str) -> str:
    """The kept card XML as ``service_code`` receives it."""
    return _reduced_xml(service_code, xml) if _governed(xml) else xml


@functools.lru_cache(maxsize=256)
def _reduced_xml(service_code: str, xml: str) -> str:
    card = cardschema.parse(xml.encode())
    shown = policy.card_for_service(card, service_code)
    return xml if shown is card else cardschema.build(shown).decode()


@functools.lru_cache(maxsize=256)
def _reduced_eido(service_code: str, xml: str) -> str | None:
    """The EIDO of the service's view as JSON text, or None when the view is the whole card."""
    card = cardschema.parse(xml.encode())
    shown = policy.card_for_service(card, service_code)
    return None if shown is card else json.dumps(card_to_eido(shown))


@functools.cache
def xml_column() -> Any:
    """A correlated subquery: the kept XML of an outbox row's card version (None if not kept)."""
    kept = PAYLOADS.alias("kept")
    # The outbox row is named in full: in an UPDATE's RETURNING, SQLite's compiler drops table
    # names, and an unqualified card_id inside the subquery would mean the payload's own.
    return (
        select(kept.c.xml)
        .where(
            kept.c.card_id == literal_column(f"{OUTBOX.name}.card_id"),
            kept.c.card_version == literal_column(f"{OUTBOX.name}.card_version"),
        )
        .scalar_subquery()
    )


async def fill_xml(
    session: AsyncSession, found: Mapping[Key, str | None], *, now: datetime
) -> dict[Key, str]:
    """The XML of each key: the kept text, or rendered now and kept when there is none."""
    missing = [key for key, xml in found.items() if xml is None]
    texts = {key: xml for key, xml in found.items() if xml is not None}
    if missing:
        versions = await store.versions_by_key(session, missing)
        for key in missing:
            texts[key] = cardschema.build(store.to_card(versions[key])).decode()
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        await session.execute(
            dialect.insert(PAYLOADS)
            .values(
                [
                    {
                        "card_id": card_id,
                        "card_version": version,
                        "xml": texts[(card_id, version)],
                        "created_at": now,
                    }
                    for card_id, version in missing
                ]
            )
            .on_conflict_do_nothing(index_elements=["card_id", "card_version"])
        )
    return texts


async def eido_for(
    session: AsyncSession, keys: Iterable[Key], *, now: datetime, service: str
) -> dict[Key, dict[str, Any]]:
    """The EIDO of each card version as ``service`` receives it: the whole card's is kept (or
    rendered now and kept for the next subscriber), a reduced view rendered from its XML."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return {}
    rows = (
        await session.execute(
            select(
                FeedPayload.card_id, FeedPayload.card_version, FeedPayload.eido, FeedPayload.xml
            ).where(tuple_(FeedPayload.card_id, FeedPayload.card_version).in_(wanted))
        )
    ).all()
    kept = {(row.card_id, row.card_version): row.eido for row in rows}
    texts = {(row.card_id, row.card_version): row.xml for row in rows}
    documents = {key: eido for key, eido in kept.items() if eido is not None}
    missing = [key for key in wanted if key not in documents]
    if missing:
        # Versions owed before payloads were kept get their XML row first.
        texts |= await fill_xml(session, {key: None for key in missing if key not in kept}, now=now)
        versions = await store.versions_by_key(session, missing)
        for key in missing:
            documents[key] = card_to_eido(store.to_card(versions[key]))
            await session.execute(
                update(PAYLOADS)
                .where(PAYLOADS.c.card_id == key[0], PAYLOADS.c.card_version == key[1])
                .values(eido=documents[key])
            )
    for key in wanted:
        reduced = _reduced_eido(service, texts[key]) if _governed(texts[key]) else None
        if reduced is not None:
            documents[key] = json.loads(reduced)
    return documents
