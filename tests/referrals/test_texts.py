"""The referral dialog's texts built from values (each kind of help) exist in Uzbek, Russian
and English, and the dialog offers exactly the server's kinds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dispatch.referrals.schemas import ReferralKind

WEB = Path(__file__).resolve().parents[2] / "dispatch" / "web"
UI = WEB / "operator" / "js"
TEXTS = WEB / "common" / "js" / "texts"


@pytest.mark.parametrize("language", ["uz", "ru", "en"])
def test_every_kind_of_help_is_named(language: str) -> None:
    texts = (TEXTS / f"{language}.js").read_text(encoding="utf-8")
    keys = set(re.findall(r"^\s*([a-z_]+):", texts, re.MULTILINE))
    assert {f"referral_kind_{kind.value}" for kind in ReferralKind} <= keys
    assert {"referral_always_open", "referral_in_region", "referral_national"} <= keys


def test_the_dialog_offers_the_servers_kinds() -> None:
    source = (UI / "referrals.js").read_text(encoding="utf-8")
    listed = re.search(r"const KINDS = \[(.*?)\];", source)
    assert listed is not None
    assert re.findall(r'"([a-z_]+)"', listed.group(1)) == [kind.value for kind in ReferralKind]
