"""NENA STA-024 websocket messages: the standard's samples, and every refusal of a bad frame."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import cardschema as cs
from dispatch.feeds import sta024
from dispatch.feeds.sta024 import (
    MAX_MESSAGE_BYTES,
    NotifyResponse,
    RequestType,
    Sta024Error,
    Subscribe,
    TerminateResponse,
    Unsubscribe,
    notify,
    parse_client_message,
    subscribe_response,
    terminate_request,
    unsubscribe_response,
)

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "data" / "eido" / "samples"
WEBSOCKET = SAMPLES / "websocket_nena_sta_024"
EXAMPLES = Path(cs.__file__).resolve().parent / "examples" / "valid"
REQUEST_ID = "63bfd612-f558-4489-b653-caa76a7edb9b"
TRANSACTION_ID = "f894fjhdsh940jdf@192.168.2.1"


def sample(name: str) -> dict[str, Any]:
    """One of the STA-024 sample messages."""
    data: dict[str, Any] = json.loads((WEBSOCKET / f"{name}.json").read_text(encoding="utf-8"))
    return data


def frame(message_type: str, **members: Any) -> str:
    """A subscriber frame as sent over the websocket."""
    return json.dumps({message_type: members})


# ------------------------------------------------------------------------- the samples


def test_the_samples_are_all_covered() -> None:
    assert sorted(path.stem for path in WEBSOCKET.glob("*.json")) == [
        "BasicSubscribe",
        "BasicSubscribeResponse",
        "BasicUnsubscribe",
        "BasicUnsubscribeResponse",
        "NotifyResponse",
        "NotifyWithEido",
        "TerminateRequest",
        "TerminateResponse",
    ]


def test_a_subscribe_sample_parses() -> None:
    raw = (WEBSOCKET / "BasicSubscribe.json").read_bytes()
    assert parse_client_message(raw) == Subscribe(
        request_id=REQUEST_ID,
        request_type=RequestType.EIDO,
        request_sub_type="new",
        request_accepts='application/emergency.eido+json; version="1,2,3"',
        qual_filter="<filter_string>",
        min_rate=1500,
    )


def test_an_unsubscribe_sample_parses() -> None:
    raw = (WEBSOCKET / "BasicUnsubscribe.json").read_text(encoding="utf-8")
    assert parse_client_message(raw) == Unsubscribe(
        request_id=REQUEST_ID, subscription_id="sub1234"
    )


def test_an_event_response_sample_parses() -> None:
    raw = (WEBSOCKET / "NotifyResponse.json").read_text(encoding="utf-8")
    assert parse_client_message(raw) == NotifyResponse(
        transaction_id=TRANSACTION_ID, status_code=200, status_text="OK"
    )


def test_a_terminate_response_sample_parses() -> None:
    raw = (WEBSOCKET / "TerminateResponse.json").read_text(encoding="utf-8")
    assert parse_client_message(raw) == TerminateResponse(
        request_id=REQUEST_ID, subscription_id="sub1234", status_code=200, status_text="OK"
    )


def test_subscribe_response_reproduces_the_sample() -> None:
    built = subscribe_response(REQUEST_ID, "sub1234", 3600, 200, "OK")
    assert built == sample("BasicSubscribeResponse")
    assert list(built["subscribeResponse"]) == list(
        sample("BasicSubscribeResponse")["subscribeResponse"]
    )


def test_a_refused_subscription_has_no_id_or_expiry() -> None:
    assert subscribe_response(REQUEST_ID, None, None, 400, "Bad requestType") == {
        "subscribeResponse": {
            "requestId": REQUEST_ID,
            "statusCode": 400,
            "statusText": "Bad requestType",
        }
    }


def test_unsubscribe_response_reproduces_the_sample() -> None:
    built = unsubscribe_response("sub1234", 200, "Unsubscribed")
    assert built == sample("BasicUnsubscribeResponse")
    assert unsubscribe_response("sub1234") == built


def test_terminate_request_reproduces_the_sample() -> None:
    assert terminate_request(REQUEST_ID, "sub1234") == sample("TerminateRequest")
    with_reason = terminate_request(REQUEST_ID, "sub1234", "subscription expired")
    assert with_reason["terminate"]["reason"] == "subscription expired"


def test_notify_reproduces_the_eido_sample() -> None:
    expected = sample("NotifyWithEido")
    [eido] = expected["event"]["notification"]
    assert notify("sub1234", TRANSACTION_ID, eido, RequestType.EIDO) == expected
    assert notify("sub1234", TRANSACTION_ID, [eido], "EIDO") == expected


def test_notify_carries_call_cards_as_xml_strings() -> None:
    xml = cs.build(cs.parse((EXAMPLES / "103-ambulance-nukus.xml").read_bytes())).decode()
    for content_type in (RequestType.CALL_CARD, "urn:uz:112:call-card:1", "CallCard"):
        event = notify("sub9", "t-1", xml, content_type)["event"]
        assert event == {"subscriptionId": "sub9", "transactionId": "t-1", "notification": [xml]}
    message = json.loads(json.dumps(notify("sub9", "t-1", [xml, xml], RequestType.CALL_CARD)))
    cards = [cs.parse(item.encode()) for item in message["event"]["notification"]]
    assert [card.number for card in cards] == [cards[0].number] * 2


def test_an_empty_notification_answers_a_subscription_with_nothing_to_send() -> None:
    assert notify("sub1", "t-0", [], RequestType.EIDO)["event"]["notification"] == []


@pytest.mark.parametrize(
    ("payload", "content_type", "fragment"),
    [
        ("<callCard/>", RequestType.EIDO, "notification[0] must be an EIDO object, got str"),
        ({"eidoVersion": "1.0"}, RequestType.CALL_CARD, "must be an XML card as a string"),
        ([{}, "<callCard/>"], "EIDO", "notification[1] must be an EIDO object"),
    ],
)
def test_notify_refuses_a_payload_of_the_other_type(
    payload: Any, content_type: RequestType | str, fragment: str
) -> None:
    with pytest.raises(TypeError, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        notify("sub1", "t-1", payload, content_type)


def test_notify_refuses_an_unknown_content_type() -> None:
    with pytest.raises(Sta024Error, match="requestType must be 'EIDO'"):
        notify("sub1", "t-1", {}, "application/json")


@pytest.mark.parametrize("code", [99, 700, True])
def test_builders_refuse_an_impossible_status_code(code: int) -> None:
    with pytest.raises(ValueError, match="status code is from 100 to 699"):
        subscribe_response(REQUEST_ID, None, None, code, "x")
    with pytest.raises(ValueError, match="status code is from 100 to 699"):
        unsubscribe_response("sub1", code, "x")


# ------------------------------------------------------------------------- what is accepted


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("EIDO", RequestType.EIDO),
        ("urn:uz:112:call-card:1", RequestType.CALL_CARD),
        ("CallCard", RequestType.CALL_CARD),
    ],
)
def test_subscribe_accepts_eido_and_the_call_card_type(value: str, expected: RequestType) -> None:
    message = parse_client_message(frame("subscribe", requestId="r1", requestType=value))
    assert message == Subscribe(request_id="r1", request_type=expected)


def test_subscribe_reads_rates_and_expiry() -> None:
    raw = frame("subscribe", requestId="r1", requestType="EIDO", minRate=0, maxRate=5, expires=60)
    message = parse_client_message(raw.encode())
    assert isinstance(message, Subscribe)
    assert (message.min_rate, message.max_rate, message.expires) == (0, 5, 60)


def test_unknown_members_are_ignored() -> None:
    raw = frame("eventResponse", transactionId="t1", statusCode=202, extension={"x": 1})
    assert parse_client_message(raw) == NotifyResponse(transaction_id="t1", status_code=202)


def test_a_message_of_exactly_the_size_limit_is_read_and_one_byte_more_is_not() -> None:
    base = frame("eventResponse", transactionId="t1", statusCode=200)
    raw = base[:-1] + " " * (MAX_MESSAGE_BYTES - len(base)) + "}"
    assert len(raw.encode()) == MAX_MESSAGE_BYTES
    assert isinstance(parse_client_message(raw), NotifyResponse)
    with pytest.raises(Sta024Error, match=f"has {MAX_MESSAGE_BYTES + 1} bytes"):
        parse_client_message(raw.encode() + b" ")


# ------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("{subscribe:", "the message is not JSON"),
        (b"\xff\xfe{}", "the message is not UTF-8 text"),
        ("[" * 100_000, f"at most {MAX_MESSAGE_BYTES} are read"),
        ("Ж" * 40_000, "the message has 80000 bytes"),
        ("[" * 30_000 + "]" * 30_000, "the message is not JSON"),
        ('"subscribe"', "a message is a JSON object with exactly one member naming its type"),
        ("{}", "got an object with members []"),
        (
            json.dumps({"subscribe": {}, "unsubscribe": {}}),
            "got an object with members ['subscribe', 'unsubscribe']",
        ),
        (frame("ping"), 'unknown message type "ping"; a subscriber sends one of subscribe, '),
        (frame("event"), 'unknown message type "event" (that one is sent by 112'),
        (json.dumps({"subscribe": ["r1"]}), 'subscribe must be a JSON object, got ["r1"]'),
        (frame("subscribe", requestType="EIDO"), "subscribe: requestId is missing"),
        (frame("subscribe", requestId="r1"), "subscribe: requestType is missing"),
        (
            frame("subscribe", requestId="r1", requestType="eido"),
            "subscribe: requestType must be 'EIDO' or 'urn:uz:112:call-card:1' "
            "(alias 'CallCard'), got \"eido\"",
        ),
        (
            frame("subscribe", requestId="r1", requestType=7),
            "subscribe: requestType must be a non-empty string, got 7",
        ),
        (frame("subscribe", requestId=" ", requestType="EIDO"), "requestId must be a non-empty"),
        (frame("subscribe", requestId="r" * 257, requestType="EIDO"), "longer than 256"),
        (frame("subscribe", requestId="r1", requestType="E" * 1000), 'got "EEEEEEEEEEEE'),
        (json.dumps({"x" * 1000: {}}), f'unknown message type "{"x" * 56}...; a subscriber'),
        (
            frame("subscribe", requestId="r1", requestType="EIDO", minRate=-1),
            "subscribe: minRate must be an integer at least 0, got -1",
        ),
        (
            frame("subscribe", requestId="r1", requestType="EIDO", expires="3600"),
            'subscribe: expires must be an integer at least 1, got "3600"',
        ),
        (frame("unsubscribe", requestId="r1"), "unsubscribe: subscriptionId is missing"),
        (frame("unsubscribe", subscriptionId="s1"), "unsubscribe: requestId is missing"),
        (frame("eventResponse", statusCode=200), "eventResponse: transactionId is missing"),
        (frame("eventResponse", transactionId="t1"), "eventResponse: statusCode is missing"),
        (
            frame("eventResponse", transactionId="t1", statusCode="200"),
            'eventResponse: statusCode must be an integer from 100 to 699, got "200"',
        ),
        (
            frame("eventResponse", transactionId="t1", statusCode=True),
            "statusCode must be an integer from 100 to 699, got true",
        ),
        (frame("eventResponse", transactionId="t1", statusCode=99), "from 100 to 699, got 99"),
        (frame("eventResponse", transactionId="t1", statusCode=700), "from 100 to 699, got 700"),
        (frame("eventResponse", transactionId="t1", statusCode=2.5), "got 2.5"),
        (
            frame("terminateResponse", subscriptionId="s1", statusCode=200),
            "terminateResponse: requestId is missing",
        ),
        (
            frame("terminateResponse", requestId="r1", statusCode=200),
            "terminateResponse: subscriptionId is missing",
        ),
        (
            frame("terminateResponse", requestId="r1", subscriptionId="s1", statusCode=600.0),
            "terminateResponse: statusCode must be an integer",
        ),
    ],
)
def test_a_bad_frame_is_refused_with_what_is_wrong(raw: str | bytes, fragment: str) -> None:
    with pytest.raises(Sta024Error) as refused:
        parse_client_message(raw)
    assert fragment in str(refused.value)
    assert isinstance(refused.value, ValueError)


def test_the_module_exports_what_the_websocket_endpoint_needs() -> None:
    assert RequestType.CALL_CARD == cs.NAMESPACE
    assert sta024.request_type("CallCard") is RequestType.CALL_CARD
