"""Call cards over HTTP: JSON by default, XML with ``Accept: application/xml`` or ``.xml``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import (
    APIRouter,
    Body,
    Depends,
    Header,
    HTTPException,
    Path,
    Query,
    Request,
    Response,
    status,
)
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, ValidationError

import cardschema
from cardschema import CardStatus
from dispatch import idempotent
from dispatch.auth.roles import Role
from dispatch.cards import caller_history, lifecycle, location, service, store
from dispatch.cards.consistency import CardWarning
from dispatch.cards.models import CardRow, CardVersion
from dispatch.cards.routing import Classifier
from dispatch.cards.routing.api import ClassifierDep
from dispatch.cards.schemas import (
    CallerHistoryOut,
    CardCreate,
    CardPage,
    CardPatch,
    CardVersionOut,
    CloseRequest,
    HandoffCreate,
    LinkCreate,
    NoteCreate,
    RerouteRequest,
    RouteRequest,
    SuggestionOut,
)
from dispatch.core.edge import BIGINT_MAX, INT_MAX
from dispatch.core.http import read_limited_body
from dispatch.deps import ClockDep, Principal, Session, SettingsDep, roles
from dispatch.errors import Invalid, UnsupportedMediaType
from dispatch.flows import cards as flows
from dispatch.idempotent import IdempotencyKey

router = APIRouter(prefix="/api/v1", tags=["cards"])

CallTaker = Annotated[Principal, roles(Role.OPERATOR, Role.SUPERVISOR)]
Supervisor = Annotated[Principal, roles(Role.SUPERVISOR)]
CardReader = Annotated[Principal, roles(Role.OPERATOR, Role.SUPERVISOR, Role.QA, Role.ANALYST)]
XML_TYPES = ("application/xml", "text/xml")


async def local_now(clock: ClockDep, settings: SettingsDep) -> datetime:
    """Now, in the centre's time zone (cards carry local offsets, +05:00)."""
    return clock.now().astimezone(settings.tz)


LocalNow = Annotated[datetime, Depends(local_now)]


async def expected_version(if_match: Annotated[str | None, Header()] = None) -> int | None:
    """The version an ``If-Match`` header names (``3`` or ``"3"``), if any."""
    if if_match is None:
        return None
    try:
        return int(if_match.strip().strip('"').removeprefix("W/").strip('"'))
    except ValueError as exc:
        raise Invalid(f"If-Match must be a card version number, not {if_match!r}") from exc


IfMatch = Annotated[int | None, Depends(expected_version)]


def card_response(
    row: CardRow | CardVersion, request: Request, classifier: Classifier, status_code: int = 200
) -> Response:
    """The card as XML when asked for, else JSON with its completeness; ETag is the version."""
    card = store.to_card(row)
    headers = {"ETag": f'"{card.version}"'}
    if _wants_xml(request):
        return Response(
            cardschema.build(card),
            status_code=status_code,
            media_type="application/xml",
            headers=headers,
        )
    body: dict[str, Any] = {
        **row.document,
        "completeness": lifecycle.completeness(card, classifier),
    }
    return JSONResponse(body, status_code=status_code, headers=headers)


def _wants_xml(request: Request) -> bool:
    if request.url.path.endswith(".xml"):
        return True
    accept = request.headers.get("accept", "")
    return any(t in accept for t in XML_TYPES) and "application/json" not in accept


@router.post(
    "/cards",
    status_code=status.HTTP_201_CREATED,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/CardCreate"}},
                "application/xml": {"schema": {"type": "string", "description": "a call card"}},
            }
        }
    },
)
async def create_card(
    request: Request,
    session: Session,
    who: CallTaker,
    classifier: ClassifierDep,
    now: LocalNow,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
    acknowledge: Annotated[
        list[CardWarning],
        Query(
            max_length=len(CardWarning),
            description="a closed or routed card sent as XML: the warnings accepted",
        ),
    ] = [],  # noqa: B006 - FastAPI copies a query default, it is never shared
) -> Response:
    """Open a card (JSON, optionally for a call) or accept a whole card as XML (a closed or
    routed one is held to the rules of closing or routing; ``acknowledge`` its warnings)."""
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip()
    body = await read_limited_body(request, cardschema.MAX_CARD_BYTES)
    keyed = await idempotent.begin(request, session, who.actor, idempotency_key, now=now, body=body)
    if isinstance(keyed, Response):
        return keyed
    if content_type in XML_TYPES:
        try:
            card = cardschema.parse(body)
        except cardschema.CardSchemaError as exc:
            raise Invalid(f"the card XML was refused: {exc}") from exc
        row = await lifecycle.import_card(
            session, who.actor, card, classifier=classifier, now=now, acknowledge=acknowledge
        )
        answer = card_response(row, request, classifier, status.HTTP_201_CREATED)
        return await idempotent.finish(keyed, answer, "card", str(row.id))
    if content_type != "application/json":
        raise UnsupportedMediaType(
            f"send the card as application/json or application/xml, not {content_type}"
        )
    try:
        data = CardCreate.model_validate_json(body or b"{}")
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise Invalid(f"invalid request: {problems}") from exc
    changes = data.changes()
    for key in ("call_id", "channel"):
        changes.pop(key, None)
    row = await service.create_card(
        session,
        who.actor,
        call_id=data.call_id,
        channel=data.channel,
        changes=changes,
        classifier=classifier,
        now=now,
        tolerance_m=settings.geo_tolerance_m,
    )
    answer = card_response(row, request, classifier, status.HTTP_201_CREATED)
    return await idempotent.finish(keyed, answer, "card", str(row.id))


@router.get("/cards", response_model=CardPage)
async def list_cards(
    session: Session,
    who: CardReader,
    now: LocalNow,
    status_filter: Annotated[CardStatus | None, Query(alias="status")] = None,
    operator: str | None = None,
    incident_type: str | None = None,
    region: Annotated[str | None, Query(min_length=1, max_length=16)] = None,
    district: Annotated[str | None, Query(min_length=1, max_length=32)] = None,
    created_from: Annotated[AwareDatetime | None, Query()] = None,
    created_to: Annotated[AwareDatetime | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=BIGINT_MAX)] = 0,
) -> CardPage:
    """Cards, newest first, with the total matching the filters (``PlaceFilter``'s too)."""
    rows, total = await service.list_cards(
        session,
        who.actor,
        status=status_filter,
        operator=operator,
        incident_type=incident_type,
        places=service.PlaceFilter(region, district, created_from, created_to),
        limit=limit,
        offset=offset,
        now=now,
    )
    return CardPage(items=[row.document for row in rows], total=total)


# The ``.xml`` path takes only GET: any other method there would otherwise reach
# ``/cards/{card_id}`` with "ID.xml" as the id (a 422); it is a 405 naming GET. Registered
# before the plain path, as the GET below is.
@router.api_route(
    "/cards/{card_id}.xml", methods=["POST", "PUT", "PATCH", "DELETE"], include_in_schema=False
)
async def card_xml_takes_only_get(card_id: str) -> None:
    """405: the card's XML is read, never written at this path."""
    raise HTTPException(status.HTTP_405_METHOD_NOT_ALLOWED, "Method Not Allowed")


# Decorators apply bottom-up: the ``.xml`` path must be registered before the plain one.
@router.get("/cards/{card_id}")
@router.get("/cards/{card_id}.xml", response_class=Response)
async def get_card(
    card_id: uuid.UUID,
    request: Request,
    session: Session,
    who: CardReader,
    classifier: ClassifierDep,
    now: LocalNow,
) -> Response:
    """The card as JSON, or as XML (valid against call-card-1.xsd) at ``.xml`` or with
    ``Accept: application/xml``."""
    row = await service.read_card(session, who.actor, card_id, now=now)
    return card_response(row, request, classifier)


@router.patch("/cards/{card_id}")
async def update_card(
    card_id: uuid.UUID,
    body: CardPatch,
    request: Request,
    session: Session,
    who: CallTaker,
    classifier: ClassifierDep,
    now: LocalNow,
    if_match: IfMatch,
    settings: SettingsDep,
) -> Response:
    """Change some fields; a new version. ``If-Match: <version>`` refuses a stale edit."""
    row = await service.update_card(
        session,
        who.actor,
        card_id,
        body.changes(),
        classifier=classifier,
        expected_version=if_match,
        now=now,
        tolerance_m=settings.geo_tolerance_m,
    )
    return card_response(row, request, classifier)


@router.post("/cards/{card_id}/proposed-location/accept")
async def accept_proposed_location(
    card_id: uuid.UUID,
    request: Request,
    session: Session,
    who: CallTaker,
    classifier: ClassifierDep,
    now: LocalNow,
) -> Response:
    """The automatic position proposed beside the confirmed one becomes the location."""
    row = await location.answer_proposal(session, who.actor, card_id, accept=True, now=now)
    return card_response(row, request, classifier)


@router.post("/cards/{card_id}/proposed-location/dismiss")
async def dismiss_proposed_location(
    card_id: uuid.UUID,
    request: Request,
    session: Session,
    who: CallTaker,
    classifier: ClassifierDep,
    now: LocalNow,
) -> Response:
    """Keep the confirmed location and drop the proposed one."""
    row = await location.answer_proposal(session, who.actor, card_id, accept=False, now=now)
    return card_response(row, request, classifier)


@router.post("/cards/{card_id}/notes", status_code=status.HTTP_201_CREATED)
async def add_note(
    card_id: uuid.UUID,
    body: NoteCreate,
    request: Request,
    session: Session,
    who: CallTaker,
    classifier: ClassifierDep,
    now: LocalNow,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Append a note; notes are never edited or removed."""
    keyed = await idempotent.begin(request, session, who.actor, idempotency_key, now=now)
    if isinstance(keyed, Response):
        return keyed
    row = await service.add_note(session, who.actor, card_id, body.text, now=now)
    answer = card_response(row, request, classifier, status.HTTP_201_CREATED)
    return await idempotent.finish(keyed, answer, "card", str(card_id))


@router.post("/cards/{card_id}/links", status_code=status.HTTP_201_CREATED)
async def link_card(
    card_id: uuid.UUID,
    body: LinkCreate,
    request: Request,
    session: Session,
    who: CallTaker,
    classifier: ClassifierDep,
    now: LocalNow,
) -> Response:
    """Link another card about the same incident (``related`` or ``duplicate``)."""
    row = await service.link_cards(session, who.actor, card_id, body.card_id, body.kind, now=now)
    return card_response(row, request, classifier, status.HTTP_201_CREATED)


@router.get("/cards/{card_id}/suggested-services", response_model=list[SuggestionOut])
async def suggested_services(
    card_id: uuid.UUID, session: Session, _: CardReader, classifier: ClassifierDep
) -> list[SuggestionOut]:
    """The services the classifier suggests for the card as it is now, with reasons."""
    card = store.to_card(await store.load(session, card_id))
    return [
        SuggestionOut(service=s.service, reasons=list(s.reasons))
        for s in lifecycle.suggest(card, classifier)
    ]


@router.post("/cards/{card_id}/route")
async def route_card(
    card_id: uuid.UUID,
    request: Request,
    session: Session,
    who: CallTaker,
    classifier: ClassifierDep,
    now: LocalNow,
    if_match: IfMatch,
    body: Annotated[RouteRequest | None, Body()] = None,
) -> Response:
    """Send the card to services: those named, or without ``services`` the suggested ones.

    Refused (422) when the card contradicts itself (``card_inconsistent``, with ``reasons``)
    or has warnings not named in ``acknowledge`` (``warnings_unacknowledged``)."""
    row = await lifecycle.route_card(
        session,
        who.actor,
        card_id,
        body.services if body else None,
        classifier=classifier,
        expected_version=if_match,
        now=now,
        acknowledge=body.acknowledge if body else (),
    )
    return card_response(row, request, classifier)


@router.post("/cards/{card_id}/reroute")
async def reroute_card(
    card_id: uuid.UUID,
    body: RerouteRequest,
    request: Request,
    session: Session,
    who: Supervisor,
    classifier: ClassifierDep,
    now: LocalNow,
    if_match: IfMatch,
) -> Response:
    """A supervisor sends the card to more services (from follow-up), even after closing."""
    row = await lifecycle.reroute_card(
        session, who.actor, card_id, body.services, expected_version=if_match, now=now
    )
    return card_response(row, request, classifier)


@router.post("/cards/{card_id}/close")
async def close_card(
    card_id: uuid.UUID,
    body: CloseRequest,
    request: Request,
    session: Session,
    who: CallTaker,
    classifier: ClassifierDep,
    now: LocalNow,
    if_match: IfMatch,
) -> Response:
    """End the operator's work on the card with an outcome.

    Refused (422) when the outcome contradicts the card (``card_inconsistent``, with
    ``reasons``: e.g. advice given with no incident type; an empty card closes only as
    silent_call, misdial, test_call, hoax, duplicate or caller_unreachable) or when the card
    has warnings not named in ``acknowledge`` (``warnings_unacknowledged``, with
    ``warnings``)."""
    row = await lifecycle.close_card(
        session,
        who.actor,
        card_id,
        body.outcome,
        body.note,
        expected_version=if_match,
        now=now,
        classifier=classifier,
        acknowledge=body.acknowledge,
    )
    return card_response(row, request, classifier)


@router.post("/cards/{card_id}/handoffs", status_code=status.HTTP_201_CREATED)
async def record_handoff(
    card_id: uuid.UUID,
    body: HandoffCreate,
    request: Request,
    session: Session,
    who: CallTaker,
    classifier: ClassifierDep,
    now: LocalNow,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """The service's system is down: record that the card was handed over by phone."""
    keyed = await idempotent.begin(request, session, who.actor, idempotency_key, now=now)
    if isinstance(keyed, Response):
        return keyed
    row = await flows.record_handoff(
        session,
        who.actor,
        card_id,
        body.service,
        contact=body.contact,
        at=body.at or now,
        note=body.note,
        now=now,
    )
    answer = card_response(row, request, classifier, status.HTTP_201_CREATED)
    return await idempotent.finish(keyed, answer, "card", str(card_id))


@router.get("/calls/{call_id}/caller-history", response_model=CallerHistoryOut)
async def get_caller_history(
    call_id: uuid.UUID, session: Session, who: CallTaker, now: LocalNow
) -> CallerHistoryOut:
    """The caller's other calls of the 30 days before this one, newest first, with their cards
    (served here: the cards are this capability's); audited as reads of those cards."""
    return await caller_history.caller_history(session, who.actor, call_id, now=now)


@router.get("/cards/{card_id}/history", response_model=list[CardVersionOut])
async def card_history(
    card_id: uuid.UUID, session: Session, who: CardReader, now: LocalNow
) -> list[CardVersionOut]:
    """Every version: when, by whom, what kind of change."""
    await service.read_card(session, who.actor, card_id, now=now)
    return [
        CardVersionOut(
            version=v.version,
            changed_at=v.changed_at.isoformat(),
            changed_by=v.changed_by,
            change=v.change,
            detail=v.detail,
        )
        for v in await store.versions(session, card_id)
    ]


@router.get("/cards/{card_id}/versions/{version}")
async def card_version(
    card_id: uuid.UUID,
    version: Annotated[int, Path(ge=1, le=INT_MAX)],
    request: Request,
    session: Session,
    who: CardReader,
    classifier: ClassifierDep,
    now: LocalNow,
) -> Response:
    """The card exactly as it was at ``version`` (JSON or XML)."""
    await service.read_card(session, who.actor, card_id, now=now)
    return card_response(await store.version(session, card_id, version), request, classifier)
