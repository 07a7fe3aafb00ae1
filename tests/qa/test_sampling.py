"""The draw itself (pure): allocation over strata, reasons, reproducibility."""

from __future__ import annotations

import itertools
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

from dispatch.qa import sampling
from dispatch.qa.sampling import Candidate

START = datetime(2025, 3, 10, 3, 0, tzinfo=UTC)
_ids = itertools.count(1)


def _calls(count: int, **fields: object) -> list[Candidate]:
    base: dict[str, object] = {"operator": "operator1", "channel": "voice", "incident_type": "fire"}
    base.update(fields)
    return [
        Candidate(
            call_id=uuid.UUID(int=next(_ids)),
            at=START + timedelta(minutes=n),
            **base,  # type: ignore[arg-type]
        )
        for n in range(count)
    ]


def test_allocation_is_proportional_with_the_largest_remainders() -> None:
    # 2% of 500 = 10 over 250/150/100 → 5, 3, 2 exactly.
    assert sampling.allocate({"a": 250, "b": 150, "c": 100}, 10) == {"a": 5, "b": 3, "c": 2}
    # 7 over 10/10/10: 2.33 each → 2, 2, 2 and the one left to the first key of equal remainders.
    assert sampling.allocate({"b": 10, "a": 10, "c": 10}, 7) == {"a": 3, "b": 2, "c": 2}
    # Never more than a stratum holds, never more than there are calls.
    assert sampling.allocate({"a": 1, "b": 99}, 200) == {"a": 1, "b": 99}
    assert sampling.allocate({}, 5) == {}
    assert sampling.random_total(0.02, 500) == 10
    assert sampling.random_total(0.02, 501) == 11  # at least the share: rounded up
    assert sampling.random_total(0.02, 0) == 0


def test_the_draw_gives_reasons_and_repeats_with_the_same_seed() -> None:
    fire = _calls(250)
    medical = _calls(150, incident_type="medical")
    sms = _calls(100, incident_type="police", channel="sms", operator="operator2")
    flagged = _calls(3, incident_type="fire", flags=(sampling.FLAG_LONG_HANDLE,))
    everything = fire + medical + sms + flagged

    chosen = sampling.draw(everything, share=0.02, min_per_operator=0, min_per_stratum=0, seed=7)
    reasons = Counter(r for rs in chosen.values() for r in rs)
    assert reasons[sampling.RANDOM] == 11  # ceil(0.02 × 503)
    assert reasons[sampling.FLAG_LONG_HANDLE] == 3
    by_stratum = Counter(
        c.stratum for c in everything if sampling.RANDOM in chosen.get(c.call_id, [])
    )
    assert by_stratum == {"fire/voice": 6, "medical/voice": 3, "police/sms": 2}

    again = sampling.draw(
        list(reversed(everything)), share=0.02, min_per_operator=0, min_per_stratum=0, seed=7
    )
    assert again == chosen  # the order candidates come in does not matter
    other = sampling.draw(everything, share=0.02, min_per_operator=0, min_per_stratum=0, seed=8)
    assert set(other) != set(chosen)

    # A new call in another stratum leaves this stratum's draw alone.
    more = everything + _calls(50, incident_type="gas")
    grown = sampling.draw(more, share=0.02, min_per_operator=0, min_per_stratum=0, seed=7)
    sms_ids = {c.call_id for c in sms}
    assert {i for i in grown if i in sms_ids} == {i for i in chosen if i in sms_ids}


def test_minimums_top_up_operators_and_strata() -> None:
    busy = _calls(200)
    quiet = _calls(2, operator="operator2", incident_type="gas")
    rare = _calls(4, operator="operator1", incident_type="flood", channel="sms")
    chosen = sampling.draw(
        busy + quiet + rare, share=0.01, min_per_operator=3, min_per_stratum=1, seed=1
    )
    quiet_ids = {c.call_id for c in quiet}
    # operator2 has two calls: both taken (the stratum minimum takes one, the operator's
    # minimum the other).
    assert quiet_ids <= set(chosen)
    rare_chosen = [chosen[c.call_id] for c in rare if c.call_id in chosen]
    assert rare_chosen == [[sampling.STRATUM]]
    assert sum(1 for c in busy + rare if c.call_id in chosen) >= 3
    reasons = Counter(r for rs in chosen.values() for r in rs)
    assert reasons[sampling.MINIMUM] == 1
    assert reasons[sampling.RANDOM] == 3  # ceil(0.01 × 206)
