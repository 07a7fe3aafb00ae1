"""Reading a caller's answer to a survey: scores and comments per language and script, opt-outs,
and everything that must reach an operator instead (no score recorded)."""

from __future__ import annotations

import pytest

from dispatch.surveys.replies import Kind, read_reply

SCORE = Kind.SCORE
OPT_OUT = Kind.OPT_OUT
OPERATOR = Kind.TO_OPERATOR

CASES = [
    # digits
    ("5", SCORE, 5, None),
    ("4/5 ok", SCORE, 4, "ok"),
    ("  3.  Yaxshi edi ", SCORE, 3, "Yaxshi edi"),
    ("5 rahmat, tez keldi", SCORE, 5, "rahmat, tez keldi"),
    ("1 hech kim kelmadi", SCORE, 1, "hech kim kelmadi"),
    # uz Latin and Cyrillic
    ("besh", SCORE, 5, None),
    ("Беш, раҳмат", SCORE, 5, "раҳмат"),
    ("to‘rt", SCORE, 4, None),
    ("to'rt yaxshi", SCORE, 4, "yaxshi"),
    ("тўрт", SCORE, 4, None),
    ("uch", SCORE, 3, None),
    ("A‘lo xizmat!", SCORE, 5, "xizmat!"),
    ("a'lo", SCORE, 5, None),
    ("ikki", SCORE, 2, None),
    # ru
    ("Пять! Спасибо", SCORE, 5, "Спасибо"),
    ("четыре", SCORE, 4, None),
    ("хорошо, приехали быстро", SCORE, 4, "приехали быстро"),
    ("пятёрка", SCORE, 5, None),
    ("один", SCORE, 1, None),
    # kaa Latin and Cyrillic
    ("bes", SCORE, 5, None),
    ("tórt", SCORE, 4, None),
    ("үш", SCORE, 3, None),
    ("eki", SCORE, 2, None),
    # en
    ("five, thanks", SCORE, 5, "thanks"),
    ("Two - slow", SCORE, 2, "slow"),
    # opt-out, every language and script
    ("STOP", OPT_OUT, None, None),
    ("stop.", OPT_OUT, None, None),
    ("Стоп", OPT_OUT, None, None),
    ("отписаться", OPT_OUT, None, None),
    ("to‘xtat", OPT_OUT, None, None),
    ("тўхтат", OPT_OUT, None, None),
    ("Yuborma", OPT_OUT, None, None),
    ("юборманг", OPT_OUT, None, None),
    ("toqtat", OPT_OUT, None, None),
    # to an operator: no score, a negated grade, out of range, an emergency with a score
    ("Rahmat", OPERATOR, None, None),
    ("yaxshi emas", OPERATOR, None, None),
    ("10", OPERATOR, None, None),
    ("0", OPERATOR, None, None),
    ("", OPERATOR, None, None),
    ("Yordam bering, yong‘in", OPERATOR, None, None),
    ("3 lekin uyda yong‘in chiqdi", OPERATOR, None, None),
    ("5 onam nafas olmayapti", OPERATOR, None, None),
    ("2 помогите срочно", OPERATOR, None, None),
    ("1 hech kim kelmadi, tez keling", OPERATOR, None, None),
    ("STOP, help me please", OPERATOR, None, None),
    ("four help", OPERATOR, None, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "kind", "score", "comment"), CASES, ids=[c[0] or "empty" for c in CASES]
)
def test_a_reply_is_read_as_its_score_and_comment_an_opt_out_or_a_message_to_112(
    text: str, kind: Kind, score: int | None, comment: str | None
) -> None:
    reading = read_reply(text)
    assert (reading.kind, reading.score, reading.comment) == (kind, score, comment)
