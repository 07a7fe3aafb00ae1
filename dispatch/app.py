"""The application factory: settings in, a FastAPI app out."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from dispatch.agencies.api import router as services_router
from dispatch.agencies.units_api import router as units_router
from dispatch.analytics.api import router as analytics_router
from dispatch.analytics.drainer import places_drainer
from dispatch.analytics.planning_api import router as planning_router
from dispatch.audit.api import router as audit_router
from dispatch.audit.sealing import audit_sealer
from dispatch.auth.api import router as auth_router
from dispatch.auth.cache import CredentialCache, forget_on_changes
from dispatch.auth.throttle import SignInThrottle, ThrottleRules
from dispatch.callbacks.api import router as callbacks_router
from dispatch.callers.api import router as callers_router
from dispatch.calls.aml_api import router as aml_router
from dispatch.calls.api import router as calls_router
from dispatch.calls.gateway.api import router as gateway_router
from dispatch.cards.api import router as cards_router
from dispatch.cards.attachments_api import router as card_files_router
from dispatch.cards.incidents_api import router as incidents_router
from dispatch.cards.listeners import card_listeners
from dispatch.cards.routing.api import router as classifier_router
from dispatch.consoles.scripts_api import router as scripts_router
from dispatch.consoles.socket import router as consoles_ws_router
from dispatch.consoles.streams import console_streams
from dispatch.control import directory as transfer_directory
from dispatch.control.api import router as control_router
from dispatch.control.worker import ring_timer
from dispatch.core import collector
from dispatch.core.clock import Clock, SystemClock
from dispatch.core.database import server_engine, session_factory
from dispatch.core.edge import RefuseNul
from dispatch.core.http import mount_pages
from dispatch.core.leadership import Leadership
from dispatch.core.logging import configure_logging, get_logger
from dispatch.core.metrics import Metrics, RequestContextMiddleware
from dispatch.core.redis_bus import open_bus
from dispatch.core.runtime import Runtime
from dispatch.core.settings import Settings
from dispatch.core.workers import finish, stop_tasks
from dispatch.escalations.api import router as escalations_router
from dispatch.feeds.api import router as feeds_router
from dispatch.feeds.eido_api import router as eido_router
from dispatch.feeds.websocket import router as feeds_ws_router
from dispatch.feeds.worker import feed_workers
from dispatch.flows import control as control_flows
from dispatch.geo.api import router as geo_router
from dispatch.openapi import describe_answers
from dispatch.ops.api import router as ops_router
from dispatch.protocols.api import router as protocols_router
from dispatch.protocols.cues_api import router as cues_router
from dispatch.protocols.flusher import protocol_flusher
from dispatch.qa.api import router as qa_router
from dispatch.qa.kpis import official_scores
from dispatch.queues.api import router as operators_router
from dispatch.queues.queues_api import router as queues_router
from dispatch.queues.surge_api import router as surge_router
from dispatch.queues.worker import acd_worker
from dispatch.referrals.api import router as referrals_router
from dispatch.refusals import answer_refusals
from dispatch.surveys.api import router as surveys_router
from dispatch.surveys.service import ReplyIntake
from dispatch.surveys.worker import rules_of, survey_workers
from dispatch.training.api import router as training_router
from dispatch.training.competencies_api import router as competencies_router
from dispatch.training.regulations import reminders
from dispatch.training.regulations_api import router as regulations_router
from dispatch.wellbeing.api import router as wellbeing_router
from dispatch.wellbeing.worker import wellbeing_worker

log = get_logger(__name__)

# Every router of the product; the role test walks these, so a new router goes here. A request
# is matched against the routes one by one in this order, so the call path's routers come first
# (measured: a route at the 18th router cost 0.1 ms more per request than at the 3rd);
# tests/auth/test_roles.py checks that no route hides another's paths.
ROUTERS: tuple[APIRouter, ...] = (
    feeds_router,
    calls_router,
    operators_router,
    cards_router,
    eido_router,
    incidents_router,
    aml_router,
    gateway_router,
    feeds_ws_router,
    consoles_ws_router,
    auth_router,
    ops_router,
    services_router,
    audit_router,
    classifier_router,
    analytics_router,
    planning_router,
    geo_router,
    units_router,
    escalations_router,
    scripts_router,
    queues_router,
    surge_router,
    callbacks_router,
    qa_router,
    protocols_router,
    cues_router,
    card_files_router,
    callers_router,
    surveys_router,
    referrals_router,
    training_router,
    regulations_router,
    competencies_router,
    wellbeing_router,
    control_router,
)


def serving_app() -> FastAPI:
    """The app of one of several server processes (``serve --workers N``), from the
    environment's settings."""
    return create_app(tune_gc=True)


def create_app(
    settings: Settings | None = None, *, clock: Clock | None = None, tune_gc: bool = False
) -> FastAPI:
    """Build the app; storage, bus and clock are created in the lifespan and kept on state.
    ``tune_gc`` (a serving process, never tests: it pins what startup made for good) moves
    everything startup made out of the collector's way, and what the warm-up made
    (``DISPATCH_GC_WARM_UP_S``), and collects young objects less often (``core.collector``:
    a full collection over those objects stalled every console 0.1-0.2 s)."""
    settings = settings or Settings()
    configure_logging(settings.log_level, json=settings.log_json)
    # A broken transfer directory stops the start, naming the entry and field at fault, rather
    # than the first transfer of a call (it is read once and kept).
    transfer_directory.of(settings.transfer_directory)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = server_engine(settings)
        bus = await open_bus(settings.redis_url, settings.redis_channel)
        leadership = Leadership(engine, stall_s=settings.leader_stall_s)
        app.state.runtime = Runtime(
            settings=settings,
            engine=engine,
            sessions=session_factory(engine),
            bus=bus,
            clock=clock or SystemClock(settings.time_scale, settings.clock_origin),
            metrics=metrics,
            leadership=leadership,
        )
        log.info("server.start", mode=settings.mode.value, database=engine.url.get_backend_name())
        forgetting = asyncio.create_task(forget_on_changes(bus, app.state.credentials))
        # Stopped after the singletons (below): closing its connection frees their locks.
        leading = asyncio.create_task(leadership.keep(), name="leadership")
        try:
            async with (
                feed_workers(app.state.runtime) as deliverer,
                card_listeners(app.state.runtime),
                acd_worker(app.state.runtime),
                audit_sealer(app.state.runtime),
                protocol_flusher(app.state.runtime),
                survey_workers(app.state.runtime),
                places_drainer(app.state.runtime),
                wellbeing_worker(app.state.runtime),
                ring_timer(app.state.runtime),
                console_streams(app.state.runtime, notices=app.state.notices) as consoles,
            ):
                app.state.deliverer = deliverer
                app.state.consoles = consoles
                if tune_gc:
                    collector.settle()
                warm_up = settings.gc_warm_up_s if tune_gc else 0.0
                warming = [asyncio.create_task(collector.freeze_after(warm_up))] if warm_up else []
                try:
                    yield
                finally:
                    await stop_tasks(warming)
        finally:
            await stop_tasks([forgetting, leading])
            await finish(bus.close(), name="bus.close")
            await finish(engine.dispose(), name="database.dispose")
            log.info("server.stop")

    app = FastAPI(
        title="dispatch112",
        version="0.1.0",
        summary="Call handling for Uzbekistan's unified 112 emergency dispatch service",
        lifespan=lifespan,
        # The server has its own Prometheus metrics and logs; FastAPI's OpenTelemetry hooks
        # would look for providers on every request (measured: a tenth of a bare request).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.credentials = CredentialCache()
    # A text message joining no conversation may answer a survey (calls.messages.TextIntake).
    app.state.text_intake = ReplyIntake(rules_of(settings))
    # Analytics' QA scores are QA's (analytics.qa_scores.ScoreSource: analytics sits below).
    app.state.qa_scores = official_scores
    # The operator console's reminders are training's (consoles.notices.NoticeSource).
    app.state.notices = reminders
    # A gateway's answer to a call-control command settles its leg (calls.gateway.CommandFollow:
    # call control sits above calls).
    app.state.command_answered = control_flows.command_answered
    app.state.sign_in_throttle = SignInThrottle(
        ThrottleRules(
            account_free=settings.sign_in_free_failures_account,
            address_free=settings.sign_in_free_failures_address,
            max_wait_s=settings.sign_in_max_wait_s,
        )
    )
    app.add_middleware(RefuseNul)
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    if settings.trusted_proxies:
        # Outermost: the client a trusted proxy forwarded for is the request's client for
        # everything after (uvicorn's own handling is off in ``serve``: this is the one place).
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    for router in ROUTERS:
        app.include_router(router)
    answer_refusals(app, ROUTERS)
    mount_pages(app)
    app.openapi = describe_answers(app)  # type: ignore[method-assign]
    return app
