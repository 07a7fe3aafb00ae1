"""``make bench-surge-judgement`` on a small scale: the product's reading of the arrival rate
sees the benchmark day's surge no later than the half hour and ten minutes alone did, and
the report says so in its fields."""

from __future__ import annotations

import json

import pytest

from benchmarks import surge_judgement


def test_the_product_s_reading_sees_the_surge_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert surge_judgement.main(["--seeds", "3", "--calm-hours", "1", "--json"]) == 0
    ways = json.loads(capsys.readouterr().out)["ways"]
    product, before = ways["product"], ways["half hour and ten minutes"]
    assert product["never"] == before["never"] == 0
    # Seed 112's surge starts slowly (12, 10, 9 calls in its first minutes): 60 s against 210.
    assert product["bench_day_s"] < before["bench_day_s"]
    assert product["max_s"] <= before["max_s"]
    assert {"median_s", "p90_s", "false_surges"} <= product.keys()


def test_the_table_names_each_way(capsys: pytest.CaptureFixture[str]) -> None:
    assert surge_judgement.main(["--seeds", "1", "--calm-hours", "0.6"]) == 0
    printed = capsys.readouterr().out
    assert "product" in printed
    assert "half hour and ten minutes" in printed
