"""The day's report aggregates what the simulator saw."""

from __future__ import annotations

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
    tally.callbacks = 2
    tally.deliveries.update({"103": 3, "102": 1})
    tally.acknowledgements.update({"103": 2})
    report = build_report(tally, target_s=20, hours=1, speed=60, wall_s=61.04)
    assert report["offered"] == 5
    assert report["answered"] == 3
    assert report["abandoned"] == 1
    assert report["dropped"] == 1
    assert report["unresolved"] == 1
    assert report["service_level"] == {"target_s": 20, "value": 0.5}  # 2 of (3 + 1)
    assert report["asa_seconds"] == 11.67
    assert report["callbacks"] == 2
    assert report["cards_per_service"] == {"102": 1, "103": 2}
    assert report["deliveries"] == {"102": 1, "103": 3}
    assert report["acknowledgements"] == {"103": 2}
    assert report["wall_seconds"] == 61.0
    assert "cards per service    102: 1, 103: 2" in render(report)


def test_an_empty_run_has_no_service_level() -> None:
    report = build_report(Tally(), target_s=20, hours=1, speed=1, wall_s=0)
    assert report["offered"] == 0
    assert report["service_level"]["value"] is None
    assert report["asa_seconds"] is None
