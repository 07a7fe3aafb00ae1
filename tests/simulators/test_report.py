"""The day's report aggregates what the simulator saw and the server's callback figures."""

from __future__ import annotations

import httpx

from simulators.operators import refusal_code
from simulators.report import CallRecord, Tally, build_report, render


def test_report_counts_service_level_asa_and_services() -> None:
    tally = Tally()
    tally.calls = {
        "a": CallRecord("a", offered_at=0, answered_at=5, services=["102", "103"]),
        "b": CallRecord("b", offered_at=10, answered_at=40, services=["103"]),
        "c": CallRecord("c", offered_at=20, abandoned_at=50),
        "d": CallRecord("d", offered_at=30, answered_at=30, dropped=True),
        "e": CallRecord("e", offered_at=99),
    }
    tally.dials = 2
    tally.attempts.update({"no_answer": 1, "reached": 1})
    tally.callback_cards = 1
    tally.deliveries.update({"103": 3, "102": 1})
    tally.acknowledgements.update({"103": 2})
    tally.refused.update({"103": 1})
    tally.command_lag["offer"] += [1.0, 3.0, 2.0]
    tally.errors.update({"accept 409": 2})
    tally.accept_refusals.update({"offer_expired": 1, "offer_closed": 1})
    stats = {
        "overall": {
            "tasks": 1,
            "attempts": 2,
            "reached": 1,
            "refused": 0,
            "unreachable": 0,
            "open": 0,
            "success_rate": 1.0,
            "first_attempt": {"count": 1, "mean_s": 4.5, "max_s": 4.5, "target_s": 10.0},
        },
        "operators": [],
    }
    timing = {"requests": {"POST /calls": {"count": 5, "mean_ms": 12.0, "p95_ms": 30.0}}}
    report = build_report(
        tally,
        target_s=20,
        hours=1,
        speed=60,
        wall_s=61.04,
        callback_stats=stats,
        timing=timing,
    )
    assert report["offered"] == 5
    assert report["answered"] == 3
    assert report["abandoned"] == 1
    assert report["dropped"] == 1
    assert report["unresolved"] == 1
    assert report["service_level"] == {"target_s": 20, "value": 0.5}  # 2 of (3 + 1)
    assert report["asa_seconds"] == 11.67
    callbacks = report["callbacks"]
    assert (callbacks["tasks"], callbacks["attempts"], callbacks["reached"]) == (1, 2, 1)
    assert (callbacks["unreachable"], callbacks["success_rate"]) == (0, 1.0)
    assert callbacks["drop_to_first_attempt_s"]["mean_s"] == 4.5
    assert callbacks["drop_to_first_attempt_s"]["p90_s"] is None  # not given by the server
    assert callbacks["dials"] == 2
    assert callbacks["outcomes"] == {"no_answer": 1, "reached": 1}
    assert callbacks["cards_updated"] == 1
    assert report["cards_per_service"] == {"102": 1, "103": 2}
    assert report["deliveries"] == {"102": 1, "103": 3}
    assert report["acknowledgements"] == {"103": 2}
    assert report["refused_deliveries"] == {"103": 1}
    assert report["services_mode"] == "webhook"
    assert report["wall_seconds"] == 61.0
    assert report["errors"] == {"accept 409": 2}
    assert report["accept_refusals"] == {"offer_closed": 1, "offer_expired": 1}
    offer = report["timing"]["command_lag_s"]["offer"]
    assert offer == {"count": 3, "mean": 2.0, "p95": 3.0, "max": 3.0}
    assert report["timing"]["requests"] == timing["requests"]
    text = render(report)
    assert "cards per service    102: 1, 103: 2" in text
    assert "\ncallbacks\n  tasks              1\n" in text
    assert "\n    offer            count: 3, mean: 2.0" in text


def test_an_empty_run_has_no_service_level() -> None:
    report = build_report(Tally(), target_s=20, hours=1, speed=1, wall_s=0)
    assert report["offered"] == 0
    assert report["service_level"]["value"] is None
    assert report["asa_seconds"] is None
    assert report["callbacks"]["tasks"] is None  # no figures from the server
    assert report["callbacks"]["dials"] == 0


def test_a_refused_accept_is_counted_by_the_servers_reason() -> None:
    refused = httpx.Response(
        409, json={"detail": "offer x closed", "code": "conflict", "detail_code": "offer_closed"}
    )
    assert refusal_code(refused) == "offer_closed"
    assert refusal_code(httpx.Response(409, json={"detail": "no code"})) == "409"
    assert refusal_code(httpx.Response(502, text="<html>bad gateway</html>")) == "502"
