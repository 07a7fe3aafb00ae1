"""``make bench-surge``'s own pieces, without its long run: how a dial is judged against the
calls waiting, how the surge's states read become spans, how a settled call is matched with
each console's count, the simulator's batches and crowd; and a short surge against the
deliverer and two real processes behind HAProxy, one killed in the middle."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from shapely.geometry import Polygon
from shapely.prepared import prep

from benchmarks import surge
from benchmarks.day import prepare
from benchmarks.harness.surge_audit import (
    Dial,
    Entry,
    blocking,
    could_take,
    fanout,
    priority_delays,
    service_level,
    slowest_changes,
    surge_on,
    surge_summary,
)
from benchmarks.harness.surge_day import Settled, duration_ms
from benchmarks.harness.ws_clients import waiting_of
from dispatch.core.metrics import DatabaseTime, server_timing
from simulators.client import ServerClock
from simulators.places import District, PlaceSampler
from simulators.report import CallRecord, Tally
from simulators.services import ServiceSystem, signature
from tests.fixtures.databases import PostgresTemplate

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
CALL = "99999999-8888-7777-6666-555555555555"
OFFER = "11111111-2222-3333-4444-555555555555"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_the_clock_origin_makes_the_server_read_the_chosen_start() -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    for start in (now, now - timedelta(hours=4)):
        origin = surge.clock_origin(now, 10.0, start)
        # SystemClock: server time = origin + (wall - origin) * scale.
        assert origin + (now - origin) * 10 == start
        later = now + timedelta(seconds=6)
        assert origin + (later - origin) * 10 == start + timedelta(seconds=60)


def test_a_run_that_would_cross_the_centres_midnight_starts_earlier() -> None:
    evening = datetime(2026, 3, 1, 18, 50, tzinfo=UTC)  # 23:50 in Tashkent
    assert surge.server_start(evening, 1800) == evening - timedelta(hours=4)
    morning = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)  # 09:00 in Tashkent
    assert surge.server_start(morning, 1800) == morning


def test_the_plan_staffs_by_erlang_c_at_the_peak_and_short_at_the_steady_rate() -> None:
    args = surge.parse(["--processes", "1,2"])
    steps = surge.plan(args)
    assert [s.name for s in steps] == [
        "staffed-1x",
        "short-1x",
        "staffed-2x",
        "short-2x",
        "kill-2x",
    ]
    staffed, short = steps[0].operators, steps[1].operators
    assert staffed > short
    assert steps[-1].kill
    assert steps[-1].processes == 2
    assert steps[-1].operators == short
    assert surge.parse(["--quick"]).consoles == 20
    assert surge.parse(["--consoles", "7", "--quick"]).consoles == 7


def _entry(entered: float, left: float | None = None, *rung: tuple[float, float | None]) -> Entry:
    return Entry(
        uuid.uuid4(),
        "voice-uz",
        "uz",
        at(entered),
        at(left) if left is not None else None,
        None,
        tuple((at(a), at(b) if b is not None else None) for a, b in rung),
    )


def test_a_call_waits_between_entering_and_being_taken_except_while_it_rings() -> None:
    entry = _entry(10, 100, (30, 40))
    assert not entry.waiting_at(at(10))  # entered at that very instant: not yet seen
    assert entry.waiting_at(at(20))
    assert not entry.waiting_at(at(35))  # ringing an operator
    assert entry.waiting_at(at(40))  # the offer expired
    assert not entry.waiting_at(at(100))


def test_an_unclassified_dial_counts_while_a_call_its_operator_could_take_waits() -> None:
    can = {("op-1", "voice-uz", "uz"): True, ("op-2", "voice-uz", "uz"): False}
    margin = timedelta(seconds=10)
    waiting = [_entry(0, 200), _entry(95, 200)]
    assert blocking(Dial(at(100), "op-1", True, "cb"), waiting, can, margin) == (2, 1)
    assert blocking(Dial(at(100), "op-2", True, "cb"), waiting, can, margin) == (0, 0)
    # Rung within the margin before the dial: the ACD may not have seen it waiting.
    rang = [_entry(0, 200, (85, 99))]
    assert blocking(Dial(at(100), "op-1", True, "cb"), rang, can, margin) == (1, 0)


def test_a_priority_callback_is_timed_from_the_drop_that_made_it_one() -> None:
    rows: list[dict[str, Any]] = [
        # Its own call's card was priority 1: from the task, 5 s.
        {"created_at": at(0), "own": 1, "raised": None, "dials": [at(5)]},
        # Abandoned unclassified, waited behind live calls; the caller rang again, the card
        # (priority 2) dropped at 400 and joined it: 30 s from that drop, 430 from the first.
        {"created_at": at(0), "own": None, "raised": at(400), "dials": [at(430)]},
        # Dialled once while unclassified (no answer), raised at 200, dialled again at 290.
        {"created_at": at(0), "own": None, "raised": at(200), "dials": [at(10), at(290)]},
        {"created_at": at(0), "own": 2, "raised": None, "dials": []},  # never dialled
    ]
    figures = priority_delays(rows, target_s=60)
    assert (figures["tasks"], figures["dialled"], figures["never_dialled"]) == (4, 3, 1)
    assert (figures["within_target"], figures["max_s"]) == (2, 430)
    assert figures["raised_by_a_join"] == 2
    assert figures["from_priority"]["dialled"] == 3
    assert figures["from_priority"]["within_target"] == 2  # 5 and 30 s; 90 s is late
    assert figures["from_priority"]["max_s"] == 90
    # The late ones are kept for the run's JSON to say why: dialled 90 s after, never dialled.
    assert [late["first_dial_s"] for late in figures["late"]] == [90.0, None]


def test_who_could_take_a_call_follows_the_queue_skills() -> None:
    skills = {"channel:voice": 0, "lang:uz": 0}
    assert could_take(skills, None, "voice-uz", ["channel:voice", "lang:uz"], "uz")
    assert not could_take(skills, None, "voice-ru", ["channel:voice", "lang:ru"], "ru")
    assert could_take(skills, None, "voice-other", ["channel:voice", "lang:{call}"], "uz")
    assert not could_take(skills, ["voice-ru"], "voice-uz", ["channel:voice", "lang:uz"], "uz")


def _state(active: bool, since: float, last: float) -> dict[str, object]:
    return {
        "active": active,
        "why": "short_waiting" if active else "staffed",
        "since": at(since).isoformat(),
        "first_read": at(since + 1).isoformat(),
        "last_read": at(last).isoformat(),
    }


def test_the_surge_states_read_become_spans_with_the_unseen_ones_unknown() -> None:
    states = [
        _state(False, 0, 100),
        _state(True, 120, 200),
        # On again with a later ``since``: it was off, unseen, somewhere in (200, 260).
        _state(True, 260, 300),
        _state(False, 310, 400),
    ]
    assert surge_on(states, at(50)) is False
    assert surge_on(states, at(150)) is True
    assert surge_on(states, at(230)) is None
    assert surge_on(states, at(280)) is True
    assert surge_on(states, at(500)) is False
    summary = surge_summary(states, origin=T0, window=(at(100), at(300)))
    assert summary["spans_on"] == 2
    assert summary["first_on_s"] == 120
    assert summary["share_of_surge_on"] == pytest.approx((80 + 40) / 200)
    assert summary["share_of_surge_unknown"] == pytest.approx(60 / 200)
    assert summary["why"] == ["short_waiting"]


def test_a_surge_whose_reason_changed_is_one_span() -> None:
    # Read on for short_erlang, then on for short_waiting with the same ``since``: one span,
    # not two overlapping ones (which made the share of the surge more than all of it).
    states = [_state(False, 0, 100), _state(True, 120, 200), _state(True, 120, 290)]
    states[2]["why"] = "short_erlang"
    summary = surge_summary(states, origin=T0, window=(at(100), at(300)))
    assert summary["spans_on"] == 1
    assert summary["share_of_surge_on"] == pytest.approx(170 / 200)  # read on until 290
    assert summary["share_of_surge_unknown"] == 0
    assert surge_on(states, at(250)) is True


def test_each_settled_call_is_matched_with_each_consoles_count() -> None:
    sent = [10.0, 10.5, 11.0]
    consoles = [
        [(1.0, 5), (10.2, 6), (11.3, 8)],  # the second and third arrive together
        [(2.0, 5), (10.4, 7), (11.2, 8)],
        [(3.0, 5), (10.3, 6)],  # never saw the last two
    ]
    found = fanout(sent, consoles)
    assert found["changes"] == 3
    assert found["missed"] == 2
    assert found["count"] == 7
    assert found["max_ms"] == pytest.approx(800.0)  # 11.3 - 10.5
    only = fanout(sent, consoles, window=(10.4, 10.6))
    assert only["changes"] == 1
    assert only["count"] == 2


def test_the_slowest_changes_are_named_by_their_median_console() -> None:
    sent = [10.0, 10.5, 11.0]
    consoles = [
        [(1.0, 5), (10.2, 6), (11.3, 7), (11.1, 8)],
        [(2.0, 5), (10.1, 6), (10.9, 7), (11.2, 8)],
        [(3.0, 5), (10.3, 6)],  # never saw the last two
    ]
    slowest = slowest_changes(sent, consoles, count=2)
    # the second: 0.8 and 0.4 s (median 0.6); the first: 0.2, 0.1, 0.3 (median 0.2)
    assert slowest == [
        {"sent_s": 0.5, "median_ms": pytest.approx(600.0), "max_ms": pytest.approx(800.0)},
        {"sent_s": 0.0, "median_ms": pytest.approx(200.0), "max_ms": pytest.approx(300.0)},
    ]


def test_the_service_level_of_a_window_counts_its_offered_calls() -> None:
    records = [
        CallRecord("a", 10, answered_at=15),
        CallRecord("b", 20, answered_at=60),
        CallRecord("c", 30, abandoned_at=50),
        CallRecord("d", 500, answered_at=505),
    ]
    level = service_level(records, start_s=0, end_s=100)
    assert level == {"offered": 3, "answered": 2, "abandoned": 1, "value": round(1 / 3, 4)}


def _hooked(
    settled: Settled, server: Callable[[httpx.Request], httpx.Response]
) -> httpx.AsyncClient:
    """A client of ``server`` whose requests and answers ``settled`` watches, as the day's."""
    return httpx.AsyncClient(
        transport=httpx.MockTransport(server),
        base_url="http://dispatch",
        event_hooks={"request": [settled.on_request], "response": [settled.on_response]},
    )


@pytest.mark.asyncio
async def test_only_requests_that_settled_a_call_are_kept() -> None:
    def server(request: httpx.Request) -> httpx.Response:
        if (
            request.url.path.startswith("/api/v1/offers/")
            and "expired" in request.url.query.decode()
        ):
            return httpx.Response(409)
        return httpx.Response(200, json={})

    settled = Settled()
    async with _hooked(settled, server) as http:
        await http.post(f"/api/v1/offers/{OFFER}/accept")
        await http.post(f"/api/v1/offers/{OFFER}/accept?expired=1")
        await http.post(f"/api/v1/calls/{CALL}/events", json={"type": "abandoned"})
        await http.post(f"/api/v1/calls/{CALL}/events", json={"type": "ringing"})
        await http.post("/api/v1/calls", json={"channel": "voice"})
    assert len(settled.sent) == 2


@pytest.mark.asyncio
async def test_a_call_settles_once_whatever_answers_come_after() -> None:
    # The caller hung up just as the operator accepted: the server took both, yet the
    # consoles' answered + abandoned count grew by one. Kept twice, every later change would
    # be matched against the count of the one after it (BENCHMARKS.md: the "fan-out stalls").
    def server(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/accept"):
            return httpx.Response(200, json={"id": OFFER, "call_id": CALL})
        return httpx.Response(201, json={})

    settled = Settled()
    async with _hooked(settled, server) as http:
        await http.post(f"/api/v1/offers/{OFFER}/accept")
        await http.post(f"/api/v1/calls/{CALL}/events", json={"type": "abandoned"})
        await http.post(f"/api/v1/offers/{OFFER}/accept")  # a repeat
        await http.post(f"/api/v1/calls/{OFFER}/events", json={"type": "abandoned"})  # another call
    assert len(settled.sent) == len(settled.took) == 2
    assert settled.repeats == 2


@pytest.mark.asyncio
async def test_a_settling_requests_server_part_is_read_from_its_server_timing() -> None:
    said = iter(
        [
            'app;dur=40.5, db;dur=20.25;desc="9 statements", commit;dur=4',
            'db;dur=3, app;desc="the app";dur=12',
            "app;dur=soon",
            None,
        ]
    )

    def server(request: httpx.Request) -> httpx.Response:
        header = next(said)
        return httpx.Response(200, json={}, headers={"server-timing": header} if header else {})

    settled = Settled()
    async with _hooked(settled, server) as http:
        for n in range(4):
            await http.post(f"/api/v1/offers/{OFFER[:-1]}{n}/accept")
    assert len(settled.took) == 4
    assert settled.in_server == [0.0405, 0.012]  # no number, or no header: not counted
    assert settled.in_database == [0.02425]  # statements and commit, where both are said
    assert len(settled.outside) == 2
    assert all(outside >= 0 for outside in settled.outside)
    slowest = settled.slowest(count=4)
    assert [row["kind"] for row in slowest] == ["accept"] * 4
    assert sorted(row["app_ms"] for row in slowest if row["app_ms"] is not None) == [12, 40.5]
    assert [row["took_ms"] for row in slowest] == sorted(
        (row["took_ms"] for row in slowest), reverse=True
    )


def test_server_timing_names_the_apps_duration() -> None:
    assert duration_ms("app;dur=1.5") == 1.5
    assert duration_ms("cache;dur=2, app;dur=7") == 7.0
    assert duration_ms("cache;dur=2, app;dur=7", "cache") == 2.0
    assert duration_ms("application;dur=7") is None
    assert duration_ms("app") is None
    assert duration_ms(None) is None
    # What the server writes is what the benchmark reads.
    assert duration_ms(server_timing(0.0123).decode()) == 12.3
    tally = DatabaseTime(statements=3, statement_s=0.0045, commit_s=0.002)
    written = server_timing(0.0123, tally).decode()
    assert [duration_ms(written, name) for name in ("app", "db", "commit")] == [12.3, 4.5, 2.0]


def test_a_console_keeps_the_sum_of_the_counts_it_is_told() -> None:
    message = {
        "parts": {"queue": {"overall": {"waiting": 3, "answered_today": 7, "abandoned_today": 2}}}
    }
    text = json.dumps(message)
    assert waiting_of(text) == 3
    assert waiting_of(text, "answered_today+abandoned_today") == 9
    assert waiting_of(json.dumps({"parts": {"me": {}}}), "answered_today") is None


@pytest.mark.asyncio
async def test_a_webhook_batch_is_taken_whole_in_order() -> None:
    tally = Tally()
    async with httpx.AsyncClient() as http:
        clock = ServerClock(T0, 1.0)
        system = ServiceSystem("103", "key", http, clock, tally, rng=random.Random(1), secret="s")
        system.take = lambda card_id: system.cards.add(card_id)  # type: ignore[method-assign]
        items = [{"cursor": n, "card_id": f"card-{n}", "version": 1, "xml": "<x/>"} for n in (4, 5)]
        body = json.dumps({"items": items}).encode()
        headers = {"x-signature": signature(body, "s"), "x-batch-size": "2"}
        assert system.receive(headers, body) == 204
        assert system.receive({**headers, "x-signature": "bad"}, body) == 401
    assert system.cards == {"card-4", "card-5"}
    assert tally.acknowledgements["103"] == 2
    assert tally.deliveries["103"] == 3  # two items, then the refused request
    assert tally.batches["103"] == 1


def test_a_crowd_stands_within_its_radius_of_the_point() -> None:
    square = Polygon([(71.6, 40.9), (71.8, 40.9), (71.8, 41.1), (71.6, 41.1)])
    sampler = PlaceSampler([District("NMG", "Namangan", square, prep(square))], random.Random(3))
    for _ in range(200):
        place = sampler.near(41.0011, 71.6726, 1000)
        north = (place.lat - 41.0011) * 111_320
        east = (place.lon - 71.6726) * 111_320 * 0.7547  # cos(41°)
        assert north * north + east * east <= 1000.5**2
        assert place.district == "NMG"


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.asyncio
@pytest.mark.timeout(300)
async def test_a_short_surge_on_two_processes_survives_a_kill_and_is_audited(
    postgres_template: PostgresTemplate, tmp_path: Path
) -> None:
    name, url = await postgres_template.clone()
    url = "postgresql://" + url.split("://", 1)[1]
    args = surge.parse(
        [
            "--speed", "20", "--steady-min", "1", "--surge-min", "1", "--after-min", "0.5",
            "--surge-calls", "12", "--drain-s", "60", "--consoles", "4",
            "--console-processes", "1", "--quota", "0", "--settle", "30",
        ]
    )  # fmt: skip
    try:
        await asyncio.to_thread(prepare, url, tmp_path)
        await surge.prepare_accounts(url, tmp_path, args)
        step = await surge.run_step(url, tmp_path, args, None, surge.Step("kill-2x", 2, 4, True))
    finally:
        await postgres_template.drop(name)
    print(
        json.dumps(
            {k: v for k, v in step.items() if k not in ("report", "lock_waits")}, default=str
        )
    )
    assert step["calls"] > 10
    assert step["deliverer_leads_feeds"], step["leads_at_start"]
    assert step["consoles"]["connected"] == 4
    assert step["consoles"]["all"]["count"] > 0
    # Every settling request's answer said the server's own part (Server-Timing), no more than
    # the whole request took.
    settle, own = step["consoles"]["settle_request"], step["consoles"]["settle_request_in_server"]
    assert own["count"] == settle["count"] > 0
    assert own["max_ms"] <= settle["max_ms"]
    # ... and of that its statements' and commit's (a settling request runs some).
    database = step["consoles"]["settle_request_in_database"]
    assert database["count"] == settle["count"]
    assert 0 < database["max_ms"] <= own["max_ms"]
    assert step["surge_reads"]["reads"] > 0
    assert step["surge_states"]
    # Every card owed to a service was acknowledged, at the peak and over the step (a step this
    # short may route no card within its minute of surge: the peak's may be empty).
    lags, peak = step["delivery_lag_all"], step["delivery_lag_at_peak"]
    assert lags, "no card was owed to a service in the step"
    assert all(lag["unacknowledged"] == 0 for lag in [*lags.values(), *peak.values()]), lags
    assert all(peak[code]["rows"] <= lags[code]["rows"] for code in peak), (peak, lags)
    assert step["dials"]["dials"] >= step["report"]["callbacks"]["dials"]  # every originate seen
    kill = step["kill"]
    assert "error" not in kill, kill
    assert all(s is not None and s <= 5 for s in kill["takeover_s"].values()), kill
    losses = step["losses"]
    assert losses["lost"] == dict.fromkeys(losses["lost"], 0), losses
