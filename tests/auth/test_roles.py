"""Every route checks the role: a table of who may call what, tested over every route.

A new route without a row here fails ``test_every_route_is_in_the_table``: decide who may
call it, then add it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from fastapi.routing import APIRoute, APIWebSocketRoute
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from dispatch.app import ROUTERS, create_app
from dispatch.auth.roles import PEOPLE, Role
from dispatch.core.settings import Settings
from tests.fixtures.api import Api, running_api
from tests.fixtures.databases import TEST_SCRYPT_N, SqliteTemplate

# The module's app and its threads live as long as the module (tests/fixtures/hygiene.py).
pytestmark = pytest.mark.module_threads

PUBLIC = "public"
# Any signed-in caller, ending their own sign-in: the matrix would sign its own tokens out, so
# only the anonymous refusal is checked here (the rest in tests/auth/test_sessions.py).
OWN_SIGN_IN = "own sign-in"
ANY = frozenset(Role)
ADMIN = frozenset({Role.ADMIN})
CALL_TAKERS = frozenset({Role.OPERATOR, Role.SUPERVISOR})
CARD_READERS = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.QA, Role.ANALYST})
METHODOLOGISTS = frozenset({Role.METHODOLOGIST})
METHODOLOGISTS_AND_SUPERVISORS = frozenset({Role.METHODOLOGIST, Role.SUPERVISOR})
PROTOCOL_READERS = CARD_READERS | METHODOLOGISTS
WATCHERS = frozenset({Role.SUPERVISOR, Role.ANALYST, Role.ADMIN})
SUPERVISORS = frozenset({Role.SUPERVISOR})
SUPERVISORS_AND_ANALYSTS = frozenset({Role.SUPERVISOR, Role.ANALYST})
# The service's own system; SAMPLE_PARAMS["service"] is the test service account's own code.
SERVICE = frozenset({Role.SERVICE})
QA = frozenset({Role.QA})
QA_READERS = frozenset({Role.QA, Role.SUPERVISOR})
# Trainers and supervisors (D2.01) run training; QA reads its effect.
TRAINERS = frozenset({Role.TRAINER, Role.SUPERVISOR})
TRAINING_READERS = TRAINERS | QA
PUBLISHERS = TRAINERS | ADMIN
DEBRIEF_READERS = TRAINERS | {Role.OPERATOR}

POLICY: dict[tuple[str, str], frozenset[Role] | str] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("POST", "/api/v1/auth/token"): PUBLIC,
    ("GET", "/api/v1/auth/me"): ANY,
    ("POST", "/api/v1/auth/sign-out"): OWN_SIGN_IN,
    ("GET", "/api/v1/auth/sessions"): ADMIN,
    ("POST", "/api/v1/auth/sessions/{session_id}/revoke"): ADMIN,
    ("GET", "/api/v1/users/{username}/api-keys"): ADMIN,
    ("POST", "/api/v1/users/{username}/api-keys/{key_id}/revoke"): ADMIN,
    ("GET", "/api/v1/users"): ADMIN,
    ("POST", "/api/v1/users"): ADMIN,
    ("PATCH", "/api/v1/users/{username}"): ADMIN,
    ("POST", "/api/v1/users/{username}/api-keys"): ADMIN,
    ("GET", "/api/v1/services"): ANY,
    ("GET", "/api/v1/services/{code}"): ANY,
    ("POST", "/api/v1/services"): ADMIN,
    ("PATCH", "/api/v1/services/{code}"): ADMIN,
    ("GET", "/api/v1/audit"): ADMIN,
    ("POST", "/api/v1/calls"): frozenset({Role.GATEWAY}),
    ("GET", "/api/v1/calls/{call_id}"): frozenset(
        {Role.GATEWAY, Role.OPERATOR, Role.SUPERVISOR, Role.QA}
    ),
    ("POST", "/api/v1/calls/{call_id}/events"): frozenset({Role.GATEWAY}),
    ("GET", "/api/v1/calls/{call_id}/events"): frozenset(
        {Role.GATEWAY, Role.OPERATOR, Role.SUPERVISOR, Role.QA}
    ),
    ("GET", "/api/v1/calls/{call_id}/messages"): frozenset(
        {Role.GATEWAY, Role.OPERATOR, Role.SUPERVISOR, Role.QA}
    ),
    ("POST", "/api/v1/calls/{call_id}/messages"): CALL_TAKERS,
    ("GET", "/api/v1/calls/{call_id}/caller-history"): CALL_TAKERS,
    ("GET", "/api/v1/calls/{call_id}/cues"): CALL_TAKERS,
    ("POST", "/api/v1/aml/sms"): frozenset({Role.GATEWAY}),
    ("POST", "/api/v1/aml/https"): frozenset({Role.GATEWAY}),
    ("GET", "/api/v1/aml/refused"): frozenset({Role.SUPERVISOR, Role.ADMIN}),
    ("GET", "/api/v1/gateway/commands"): frozenset({Role.SUPERVISOR, Role.ADMIN}),
    ("WS", "/ws/gateway"): frozenset({Role.GATEWAY}),
    ("WS", "/ws/feeds/{service}"): SERVICE,
    ("POST", "/api/v1/cards"): CALL_TAKERS,
    ("GET", "/api/v1/cards"): CARD_READERS,
    ("GET", "/api/v1/cards/{card_id}"): CARD_READERS,
    ("GET", "/api/v1/cards/{card_id}.xml"): CARD_READERS,
    ("POST", "/api/v1/cards/{card_id}.xml"): PUBLIC,  # 405 for anyone: XML is read-only
    ("PUT", "/api/v1/cards/{card_id}.xml"): PUBLIC,  # 405 for anyone: XML is read-only
    ("PATCH", "/api/v1/cards/{card_id}.xml"): PUBLIC,  # 405 for anyone: XML is read-only
    ("DELETE", "/api/v1/cards/{card_id}.xml"): PUBLIC,  # 405 for anyone: XML is read-only
    ("PATCH", "/api/v1/cards/{card_id}"): CALL_TAKERS,
    ("POST", "/api/v1/cards/{card_id}/notes"): CALL_TAKERS,
    ("POST", "/api/v1/cards/{card_id}/links"): CALL_TAKERS,
    ("GET", "/api/v1/cards/{card_id}/incident-suggestions"): CALL_TAKERS,
    ("POST", "/api/v1/cards/{card_id}/incident"): CALL_TAKERS,
    ("POST", "/api/v1/cards/{card_id}/merge"): CALL_TAKERS,
    ("GET", "/api/v1/incidents"): CARD_READERS,
    ("GET", "/api/v1/incidents/{incident_id}"): CARD_READERS,
    ("GET", "/api/v1/protocols"): PROTOCOL_READERS,
    ("GET", "/api/v1/protocols/{code}"): PROTOCOL_READERS,
    ("GET", "/api/v1/protocols/{code}/versions"): METHODOLOGISTS_AND_SUPERVISORS,
    ("POST", "/api/v1/protocols"): METHODOLOGISTS,
    ("GET", "/api/v1/protocol-versions/{version_id}"): METHODOLOGISTS_AND_SUPERVISORS,
    ("PUT", "/api/v1/protocol-versions/{version_id}"): METHODOLOGISTS,
    ("POST", "/api/v1/protocol-versions/{version_id}/submit"): METHODOLOGISTS,
    ("POST", "/api/v1/protocol-versions/{version_id}/review"): METHODOLOGISTS,
    ("POST", "/api/v1/cards/{card_id}/protocols"): CALL_TAKERS,
    ("GET", "/api/v1/cards/{card_id}/protocols"): PROTOCOL_READERS,
    ("POST", "/api/v1/protocol-runs/{run_id}/steps"): CALL_TAKERS,
    ("POST", "/api/v1/protocol-runs/{run_id}/override"): CALL_TAKERS,
    ("POST", "/api/v1/cards/{card_id}/route"): CALL_TAKERS,
    ("POST", "/api/v1/cards/{card_id}/close"): CALL_TAKERS,
    ("POST", "/api/v1/cards/{card_id}/handoffs"): CALL_TAKERS,
    ("POST", "/api/v1/cards/{card_id}/proposed-location/accept"): CALL_TAKERS,
    ("POST", "/api/v1/cards/{card_id}/proposed-location/dismiss"): CALL_TAKERS,
    ("GET", "/api/v1/cards/{card_id}/eido"): CARD_READERS,
    ("POST", "/api/v1/cards/{card_id}/reroute"): frozenset({Role.SUPERVISOR}),
    ("GET", "/api/v1/cards/{card_id}/suggested-services"): CARD_READERS,
    ("GET", "/api/v1/cards/{card_id}/history"): CARD_READERS,
    ("GET", "/api/v1/cards/{card_id}/versions/{version}"): CARD_READERS,
    ("GET", "/api/v1/incident-types"): ANY,
    ("GET", "/api/v1/incident-types/{code}"): ANY,
    ("GET", "/api/v1/hazards"): ANY,
    ("GET", "/api/v1/geo/regions"): ANY,
    ("GET", "/api/v1/geo/districts"): ANY,
    ("GET", "/api/v1/geo/resolve"): ANY,
    ("GET", "/api/v1/units"): ANY,
    ("GET", "/api/v1/units/{code}"): ANY,
    ("POST", "/api/v1/units"): ADMIN,
    ("PATCH", "/api/v1/units/{code}"): ADMIN,
    ("PUT", "/api/v1/units/{code}/coverage"): ADMIN,
    ("GET", "/api/v1/feeds/status"): WATCHERS,
    ("GET", "/api/v1/analytics/staffing"): WATCHERS,
    ("GET", "/api/v1/analytics/kpis"): WATCHERS,
    ("GET", "/api/v1/analytics/kpis/export.xlsx"): WATCHERS,
    ("GET", "/api/v1/analytics/kpis/export.csv"): WATCHERS,
    ("GET", "/api/v1/analytics/working-time"): WATCHERS,
    ("GET", "/api/v1/analytics/working-time/export.xlsx"): WATCHERS,
    ("GET", "/api/v1/analytics/working-time/export.csv"): WATCHERS,
    ("GET", "/api/v1/analytics/territory"): WATCHERS,
    ("GET", "/api/v1/analytics/calls"): WATCHERS,
    ("GET", "/api/v1/analytics/calls/export.xlsx"): WATCHERS,
    ("GET", "/api/v1/analytics/calls/export.csv"): WATCHERS,
    ("GET", "/api/v1/analytics/qa-scores"): WATCHERS,
    ("GET", "/api/v1/analytics/qa-scores/export.xlsx"): WATCHERS,
    ("GET", "/api/v1/analytics/qa-scores/export.csv"): WATCHERS,
    ("GET", "/api/v1/analytics/forecast"): WATCHERS,
    ("GET", "/api/v1/analytics/forecast/export.xlsx"): WATCHERS,
    ("GET", "/api/v1/analytics/forecast/export.csv"): WATCHERS,
    ("GET", "/api/v1/analytics/surge-days"): WATCHERS,
    ("POST", "/api/v1/analytics/surge-days"): SUPERVISORS_AND_ANALYSTS,
    ("DELETE", "/api/v1/analytics/surge-days/{day}"): SUPERVISORS_AND_ANALYSTS,
    ("GET", "/api/v1/rosters"): WATCHERS,
    ("POST", "/api/v1/rosters"): SUPERVISORS,
    ("POST", "/api/v1/roster-imports"): SUPERVISORS,
    ("DELETE", "/api/v1/rosters/{entry_id}"): SUPERVISORS,
    ("GET", "/api/v1/roster-presence"): WATCHERS,
    ("GET", "/api/v1/analytics/territory/export.xlsx"): WATCHERS,
    ("GET", "/api/v1/analytics/territory/export.csv"): WATCHERS,
    ("GET", "/api/v1/feeds/deliveries"): WATCHERS,
    ("GET", "/api/v1/feeds/follow-up"): WATCHERS,
    ("GET", "/api/v1/feeds/{service}/cards"): SERVICE,
    ("POST", "/api/v1/feeds/{service}/ack"): SERVICE,
    ("POST", "/api/v1/feeds/{service}/cards/{card_id}/status"): SERVICE,
    ("POST", "/api/v1/feeds/{service}/cards/{card_id}/resend"): frozenset({Role.SUPERVISOR}),
    # ACD (dispatch/queues): operators work their own state and offers; supervisors the rest.
    ("GET", "/api/v1/operators"): frozenset({Role.SUPERVISOR}),
    ("GET", "/api/v1/operators/me"): CALL_TAKERS,
    ("POST", "/api/v1/operators/me/state"): CALL_TAKERS,
    ("PUT", "/api/v1/operators/me/skills"): CALL_TAKERS,
    ("POST", "/api/v1/operators/me/heartbeat"): CALL_TAKERS,
    ("POST", "/api/v1/operators/me/wrap-up/end"): CALL_TAKERS,
    ("POST", "/api/v1/offers/{offer_id}/accept"): CALL_TAKERS,
    ("POST", "/api/v1/offers/{offer_id}/decline"): CALL_TAKERS,
    ("GET", "/api/v1/operators/{username}"): frozenset({Role.SUPERVISOR}),
    ("POST", "/api/v1/operators/{username}/state"): frozenset({Role.SUPERVISOR}),
    ("PUT", "/api/v1/operators/{username}/skills"): frozenset({Role.SUPERVISOR}),
    ("PUT", "/api/v1/operators/{username}/queues"): frozenset({Role.SUPERVISOR}),
    ("GET", "/api/v1/queues"): frozenset(
        {Role.OPERATOR, Role.SUPERVISOR, Role.ANALYST, Role.ADMIN}
    ),
    ("POST", "/api/v1/queues"): frozenset({Role.SUPERVISOR, Role.ADMIN}),
    ("GET", "/api/v1/queues/{name}"): frozenset(
        {Role.OPERATOR, Role.SUPERVISOR, Role.ANALYST, Role.ADMIN}
    ),
    ("PATCH", "/api/v1/queues/{name}"): frozenset({Role.SUPERVISOR, Role.ADMIN}),
    ("GET", "/api/v1/queue-log"): WATCHERS,
    ("GET", "/api/v1/calls/{call_id}/queue"): CALL_TAKERS,
    ("POST", "/api/v1/calls/{call_id}/move"): frozenset({Role.SUPERVISOR}),
    ("POST", "/api/v1/calls/{call_id}/priority"): frozenset({Role.SUPERVISOR}),
    ("POST", "/api/v1/calls/{call_id}/takeover"): frozenset({Role.SUPERVISOR}),
    # Callbacks (dispatch/callbacks): call-takers ask, take and dial; gateways report dials.
    ("POST", "/api/v1/calls/{call_id}/callbacks"): CALL_TAKERS,
    ("GET", "/api/v1/callbacks"): CARD_READERS,
    ("GET", "/api/v1/callbacks/stats"): frozenset({Role.SUPERVISOR, Role.QA, Role.ANALYST}),
    ("GET", "/api/v1/callbacks/{callback_id}"): CARD_READERS,
    ("POST", "/api/v1/callbacks/{callback_id}/take"): CALL_TAKERS,
    ("POST", "/api/v1/callbacks/{callback_id}/attempts"): frozenset(
        {Role.OPERATOR, Role.SUPERVISOR, Role.GATEWAY}
    ),
    ("POST", "/api/v1/callbacks/{callback_id}/cancel"): frozenset({Role.SUPERVISOR}),
    # Escalations (dispatch/escalations): operators raise them, supervisors take and resolve.
    ("POST", "/api/v1/calls/{call_id}/escalate"): CALL_TAKERS,
    ("GET", "/api/v1/escalations"): CALL_TAKERS,
    ("POST", "/api/v1/escalations/{escalation_id}/take"): frozenset({Role.SUPERVISOR}),
    ("POST", "/api/v1/escalations/{escalation_id}/resolve"): frozenset({Role.SUPERVISOR}),
    # Consoles (dispatch/consoles): the operator and supervisor streams, call-taking scripts.
    ("WS", "/ws/operator"): CALL_TAKERS,
    ("WS", "/ws/supervisor"): frozenset({Role.SUPERVISOR}),
    ("GET", "/api/v1/incident-types/{code}/script"): ANY,
    # Quality assurance (dispatch/qa): QA specialists work; supervisors read the results.
    ("POST", "/api/v1/qa/plans"): QA,
    ("GET", "/api/v1/qa/plans"): QA,
    ("GET", "/api/v1/qa/plans/{plan_id}"): QA,
    ("GET", "/api/v1/qa/scorecards"): QA_READERS | ADMIN,
    ("POST", "/api/v1/qa/scorecards"): QA | ADMIN,
    ("GET", "/api/v1/qa/scorecards/{key}"): QA_READERS | ADMIN,
    ("POST", "/api/v1/qa/scorecards/{key}/versions"): QA | ADMIN,
    ("GET", "/api/v1/qa/scorecards/{key}/versions/{version}"): QA_READERS | ADMIN,
    ("PUT", "/api/v1/qa/scorecards/{key}/versions/{version}"): QA | ADMIN,
    ("POST", "/api/v1/qa/evaluations"): QA,
    ("GET", "/api/v1/qa/evaluations"): QA_READERS,
    ("GET", "/api/v1/qa/evaluations/{evaluation_id}"): QA_READERS,
    ("PUT", "/api/v1/qa/evaluations/{evaluation_id}"): QA,
    ("GET", "/api/v1/qa/calls/{call_id}"): QA,
    ("POST", "/api/v1/qa/calls/{call_id}/plays"): QA,
    ("POST", "/api/v1/qa/calibrations"): QA,
    ("GET", "/api/v1/qa/calibrations"): QA,
    ("GET", "/api/v1/qa/calibrations/{calibration_id}"): QA,
    ("GET", "/api/v1/qa/reports"): QA_READERS,
    ("GET", "/api/v1/qa/reports/export.xlsx"): QA_READERS,
    ("GET", "/api/v1/qa/reports/export.csv"): QA_READERS,
    ("POST", "/api/v1/qa/training-topics"): QA,
    ("GET", "/api/v1/qa/training-topics"): QA_READERS,
    ("PATCH", "/api/v1/qa/training-topics/{topic_id}"): QA_READERS,
    ("GET", "/api/v1/attachments/{attachment_id}"): CARD_READERS | SERVICE,
    ("POST", "/api/v1/cards/{card_id}/attachments"): CALL_TAKERS,
    ("GET", "/api/v1/caller-marks"): QA_READERS,
    ("POST", "/api/v1/caller-marks"): frozenset({Role.SUPERVISOR}),
    ("DELETE", "/api/v1/caller-marks/{mark_id}"): frozenset({Role.SUPERVISOR}),
    ("GET", "/api/v1/callers/{number}/history"): QA_READERS,
    ("GET", "/api/v1/surveys/report"): SUPERVISORS_AND_ANALYSTS,
    ("GET", "/api/v1/surveys/report/export.xlsx"): SUPERVISORS_AND_ANALYSTS,
    ("GET", "/api/v1/surveys/report/export.csv"): SUPERVISORS_AND_ANALYSTS,
    ("GET", "/api/v1/referrals"): CARD_READERS | ADMIN,
    ("GET", "/api/v1/referrals/{referral_id}"): CARD_READERS | ADMIN,
    ("POST", "/api/v1/referrals"): frozenset({Role.SUPERVISOR, Role.ADMIN}),
    ("PATCH", "/api/v1/referrals/{referral_id}"): frozenset({Role.SUPERVISOR, Role.ADMIN}),
    ("DELETE", "/api/v1/referrals/{referral_id}"): frozenset({Role.SUPERVISOR, Role.ADMIN}),
    ("POST", "/api/v1/cards/{card_id}/referrals"): CALL_TAKERS,
    ("GET", "/api/v1/training/standard"): TRAINING_READERS,
    ("GET", "/api/v1/training/scorecard-items"): TRAINING_READERS,
    ("GET", "/api/v1/training/programmes"): TRAINING_READERS,
    ("POST", "/api/v1/training/programmes"): TRAINERS,
    ("GET", "/api/v1/training/programmes/{programme_id}"): TRAINING_READERS,
    ("PUT", "/api/v1/training/programmes/{programme_id}"): TRAINERS,
    ("GET", "/api/v1/training/programmes/{programme_id}/suggested-trainees"): TRAINERS,
    ("GET", "/api/v1/training/schedules"): PUBLISHERS,
    ("POST", "/api/v1/training/schedules"): PUBLISHERS,
    ("GET", "/api/v1/training/schedules/{schedule_id}"): PUBLISHERS,
    ("PUT", "/api/v1/training/schedules/{schedule_id}"): PUBLISHERS,
    ("POST", "/api/v1/training/schedules/{schedule_id}/end"): PUBLISHERS,
    ("GET", "/api/v1/training/schedules/{schedule_id}/due"): PUBLISHERS,
    ("GET", "/api/v1/training/sessions"): TRAINING_READERS,
    ("POST", "/api/v1/training/sessions"): TRAINERS,
    ("GET", "/api/v1/training/sessions/{session_id}"): TRAINING_READERS,
    ("POST", "/api/v1/training/sessions/{session_id}/cancel"): TRAINERS,
    ("POST", "/api/v1/training/sessions/{session_id}/trainees"): TRAINERS,
    ("PUT", "/api/v1/training/sessions/{session_id}/attendance"): TRAINERS,
    ("PUT", "/api/v1/training/sessions/{session_id}/trainees/{username}/test"): TRAINERS,
    ("GET", "/api/v1/training/me"): CALL_TAKERS,
    ("PUT", "/api/v1/training/me/sessions/{session_id}/test"): CALL_TAKERS,
    ("PUT", "/api/v1/training/me/sessions/{session_id}/feedback"): CALL_TAKERS,
    ("GET", "/api/v1/training/effectiveness"): TRAINING_READERS,
    ("GET", "/api/v1/training/effectiveness/export.xlsx"): TRAINING_READERS,
    ("GET", "/api/v1/training/effectiveness/export.csv"): TRAINING_READERS,
    ("GET", "/api/v1/regulations"): PEOPLE,
    ("POST", "/api/v1/regulations"): PUBLISHERS,
    ("GET", "/api/v1/regulations/mine"): PEOPLE,
    ("GET", "/api/v1/regulations/{regulation_id}"): PUBLISHERS,
    ("POST", "/api/v1/regulations/{regulation_id}/acknowledge"): PEOPLE,
    ("GET", "/api/v1/competencies"): TRAINERS,
    ("GET", "/api/v1/competencies/me"): PEOPLE,
    ("GET", "/api/v1/competencies/{username}"): TRAINERS,
    ("POST", "/api/v1/competencies/{username}"): frozenset({Role.SUPERVISOR}),
    # Wellbeing (dispatch/wellbeing): call-takers their own cases; psychologists (operators
    # with the skill), supervisors and trainers the debriefs (another operator's: 404).
    ("GET", "/api/v1/wellbeing/mine"): CALL_TAKERS,
    ("POST", "/api/v1/wellbeing/requests"): CALL_TAKERS,
    ("POST", "/api/v1/wellbeing/offers/{offer_id}/accept"): CALL_TAKERS,
    ("POST", "/api/v1/wellbeing/offers/{offer_id}/decline"): CALL_TAKERS,
    ("GET", "/api/v1/wellbeing/debriefs"): DEBRIEF_READERS,
    ("POST", "/api/v1/wellbeing/debriefs/{debrief_id}/hold"): DEBRIEF_READERS,
    ("POST", "/api/v1/wellbeing/debriefs/{debrief_id}/cancel"): DEBRIEF_READERS,
    ("GET", "/api/v1/wellbeing/report"): TRAINERS | ADMIN,
}

SAMPLE_PARAMS = {
    "username": "operator2",
    "code": "101",
    "call_id": str(uuid.uuid4()),
    "card_id": str(uuid.uuid4()),
    "version": "1",
    "service": "102",
    "offer_id": str(uuid.uuid4()),
    "escalation_id": str(uuid.uuid4()),
    "name": "voice-uz",
    "plan_id": str(uuid.uuid4()),
    "evaluation_id": str(uuid.uuid4()),
    "calibration_id": str(uuid.uuid4()),
    "topic_id": str(uuid.uuid4()),
    "key": "ace",
    "session_id": str(uuid.uuid4()),
    "key_id": str(uuid.uuid4()),
    "incident_id": str(uuid.uuid4()),
    "version_id": str(uuid.uuid4()),
    "run_id": str(uuid.uuid4()),
    "attachment_id": str(uuid.uuid4()),
    "mark_id": str(uuid.uuid4()),
    "referral_id": str(uuid.uuid4()),
    "number": "+998901234567",
    "programme_id": str(uuid.uuid4()),
    "regulation_id": str(uuid.uuid4()),
    "schedule_id": str(uuid.uuid4()),
    "entry_id": str(uuid.uuid4()),
    "day": "2026-03-02",
    "debrief_id": str(uuid.uuid4()),
}


def _routes() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for router in ROUTERS:
        for route in router.routes:
            if isinstance(route, APIRoute):
                found.update((method, route.path) for method in (route.methods or set()) - {"HEAD"})
            elif isinstance(route, APIWebSocketRoute):
                found.add(("WS", route.path))
            else:
                raise AssertionError(f"unexpected route type {type(route).__name__}")
    return found


def test_the_routers_are_what_the_app_serves() -> None:
    served = set(create_app().openapi()["paths"])
    listed = {path for method, path in _routes() if method != "WS"}  # OpenAPI has no websockets
    assert served == listed


def test_no_route_is_hidden_by_one_before_it() -> None:
    # The routers are listed hottest first (a request is matched against the routes in order);
    # the order may change only while every route still answers its own paths.
    ordered = [
        (route, (getattr(route, "methods", None) or {"WS"}) - {"HEAD"})
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute | APIWebSocketRoute)
    ]
    for index, (route, methods) in enumerate(ordered):
        url = _url(route.path)
        for earlier, earlier_methods in ordered[:index]:
            hidden = methods & earlier_methods
            assert not (earlier.path_regex.match(url) and hidden), (
                f"{sorted(hidden)} {route.path} is answered by {earlier.path} before it"
            )


def test_every_route_is_in_the_table() -> None:
    routes = _routes()
    assert routes - POLICY.keys() == set(), "routes without a role policy"
    assert POLICY.keys() - routes == set(), "policy rows for routes that no longer exist"


def _url(path: str) -> str:
    for name, value in SAMPLE_PARAMS.items():
        path = path.replace("{" + name + "}", value)
    return path


async def _credentials(api: Api) -> dict[Role, dict[str, str]]:
    created = await api.post(
        "/api/v1/users",
        user="admin",
        json={"username": "svc102", "role": "service", "service_code": "102"},
    )
    assert created.status_code == 201
    key = await api.post("/api/v1/users/svc102/api-keys", user="admin", json={})
    users = {
        Role.OPERATOR: "operator1",
        Role.SUPERVISOR: "supervisor1",
        Role.QA: "qa1",
        Role.ANALYST: "analyst1",
        Role.TRAINER: "trainer1",
        Role.ADMIN: "admin",
    }
    headers = {role: await api.headers(name) for role, name in users.items()}
    headers[Role.GATEWAY] = {"X-Api-Key": "gateway1-dev-key"}
    headers[Role.SERVICE] = {"X-Api-Key": key.json()["key"]}
    return headers


# Roles are not SQL: one app on one SQLite database serves every case of this module (a fresh
# app per case on both databases cost minutes). The requests carry empty bodies, so what they
# change is at most a refused attempt; the answer checked is only "admitted or not".
@pytest.fixture(scope="module")
def role_settings(sqlite_template: SqliteTemplate) -> Settings:
    """One database for the module."""
    return Settings(
        database_url=sqlite_template.clone(), password_scrypt_n=TEST_SCRYPT_N, log_level="WARNING"
    )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def role_api(
    role_settings: Settings,
) -> AsyncIterator[tuple[Api, dict[Role, dict[str, str]]]]:
    """The app, and every role's credentials, for the whole module."""
    async with running_api(role_settings) as api:
        yield api, await _credentials(api)


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(
    ("method", "path"), sorted(k for k in POLICY if k[0] != "WS"), ids=lambda v: str(v)
)
async def test_route_admits_exactly_its_roles(
    role_api: tuple[Api, dict[Role, dict[str, str]]], method: str, path: str
) -> None:
    api, credentials = role_api
    allowed = POLICY[(method, path)]
    url = _url(path)
    anonymous = await api.request(method, url, json={})
    if allowed == PUBLIC:
        assert anonymous.status_code not in (401, 403)
        return
    assert anonymous.status_code == 401, anonymous.text
    if allowed == OWN_SIGN_IN:
        return
    for role, headers in credentials.items():
        response = await api.request(method, url, headers=headers, json={})
        if role in allowed:
            assert response.status_code not in (401, 403), (role, response.text)
        else:
            assert response.status_code == 403, (role, response.status_code, response.text)
            assert "needs the role" in response.json()["detail"]


def _websocket_credentials(client: TestClient) -> dict[Role, dict[str, str]]:
    def bearer(username: str) -> dict[str, str]:
        token = client.post(
            "/api/v1/auth/token", data={"username": username, "password": username}
        ).json()["access_token"]
        return {"Authorization": f"Bearer {token}"}

    admin = bearer("admin")
    created = client.post(
        "/api/v1/users",
        headers=admin,
        json={"username": "svc102", "role": "service", "service_code": "102"},
    )
    assert created.status_code == 201
    key = client.post("/api/v1/users/svc102/api-keys", headers=admin, json={}).json()["key"]
    people = {
        Role.OPERATOR: "operator1",
        Role.SUPERVISOR: "supervisor1",
        Role.QA: "qa1",
        Role.ANALYST: "analyst1",
        Role.ADMIN: "admin",
    }
    headers = {role: bearer(name) for role, name in people.items()}
    headers[Role.GATEWAY] = {"X-Api-Key": "gateway1-dev-key"}
    headers[Role.SERVICE] = {"X-Api-Key": key}
    return headers


def _refusal(client: TestClient, path: str, headers: dict[str, str] | None) -> WebSocketDisconnect:
    try:
        with client.websocket_connect(path, headers=dict(headers or {})) as socket:
            socket.send_json({"type": "hello"})  # not an authentication message
            socket.receive_json()
    except WebSocketDisconnect as disconnect:
        return disconnect
    raise AssertionError(f"{path} accepted {headers}")


@pytest.fixture(scope="module")
def socket_client(
    role_settings: Settings, sqlite_template: SqliteTemplate
) -> Iterator[tuple[TestClient, dict[Role, dict[str, str]]]]:
    """One app behind Starlette's test client for the websocket cases, with credentials."""
    settings = role_settings.model_copy(update={"database_url": sqlite_template.clone()})
    with TestClient(create_app(settings)) as client:
        yield client, _websocket_credentials(client)


@pytest.mark.parametrize(
    ("method", "path"), sorted(k for k in POLICY if k[0] == "WS"), ids=lambda v: str(v)
)
def test_websocket_admits_exactly_its_roles(
    socket_client: tuple[TestClient, dict[Role, dict[str, str]]], method: str, path: str
) -> None:
    client, credentials = socket_client
    allowed = POLICY[(method, path)]
    assert allowed != PUBLIC, "no websocket is public"
    url = _url(path)
    assert _refusal(client, url, None).code in (1008, 4401)
    for role, headers in credentials.items():
        if role in allowed:
            # admitted: the server accepts the upgrade (a refusal closes before accepting)
            with client.websocket_connect(url, headers=dict(headers)):
                continue
        refused = _refusal(client, url, headers)
        assert refused.code in (1008, 4401), (role, refused)
        assert "needs the role" in str(refused.reason), (role, refused.reason)
