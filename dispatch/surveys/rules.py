"""When a closed card earns its caller an SMS survey, and in which words (pure, no I/O).

The rules are data: ``SurveyRules`` (built from the settings, ``DISPATCH_SURVEY_*``) names the
channels and outcomes that are asked, the quiet period per number and the delay after close.
``exclusion`` gives the first reason a card is *not* asked, or None. Whatever the table says, a
card is never asked when it was routed to 1146, its incident category is violence or mental
health, a crisis protocol was walked on it (``feeds.policy.is_crisis``), or the caller is a child
(the caller's ``child`` condition, or a person of role caller under 18 or of a child's age band).
Only a number that looks like an Uzbek mobile one is asked (an SMS to a landline is lost, one
abroad costs and may reach someone else).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from cardschema import AgeBand, CallerCondition, Card, Channel, Outcome, PersonRole
from dispatch.feeds.policy import is_crisis

NEVER_SERVICES = frozenset({"1146"})
NEVER_CATEGORIES = frozenset({"violence", "mental_health"})
CHILD_BANDS = frozenset({AgeBand.INFANT, AgeBand.CHILD, AgeBand.ADOLESCENT})
ADULT_AGE = 18
# Uzbek mobile operators' codes (the two digits after +998); landlines are 55, 6x, 7x by region
# except Tashkent's 71: the codes below are the mobile networks' (Beeline, Ucell, Mobiuz, Uzmobile,
# Humans, Perfectum).
MOBILE_CODES = frozenset(
    {"20", "33", "50", "77", "88", "90", "91", "93", "94", "95", "97", "98", "99"}
)

DEFAULT_CHANNELS = (Channel.VOICE.value, Channel.SMS.value)
DEFAULT_OUTCOMES = (
    Outcome.DISPATCHED.value,
    Outcome.ADVICE_GIVEN.value,
    Outcome.REFERRED.value,
)


@dataclass(frozen=True)
class SurveyRules:
    """What is asked: enabled channels and outcomes, the quiet period, the delay, the window."""

    enabled: bool = True
    channels: frozenset[str] = frozenset(DEFAULT_CHANNELS)
    outcomes: frozenset[str] = frozenset(DEFAULT_OUTCOMES)
    quiet: timedelta = timedelta(days=30)
    delay: timedelta = timedelta(minutes=30)
    reply_window: timedelta = timedelta(days=3)


def is_mobile(number: str | None) -> bool:
    """Tell whether a normalised number looks like an Uzbek mobile one (+998 XX NNNNNNN)."""
    if number is None or not number.startswith("+998") or len(number) != 13:
        return False
    return number[1:].isdigit() and number[4:6] in MOBILE_CODES


def child_caller(card: Card) -> bool:
    """Tell whether the card marks its caller as a child."""
    if CallerCondition.CHILD in card.caller.conditions:
        return True
    for person in card.persons:
        if person.role is not PersonRole.CALLER:
            continue
        if person.age is not None and person.age < ADULT_AGE:
            return True
        if person.age_band in CHILD_BANDS:
            return True
    return False


def exclusion(
    card: Card, number: str | None, category: str | None, rules: SurveyRules
) -> str | None:
    """The first reason this closed card's caller is not asked, or None to ask them."""
    if not rules.enabled:
        return "disabled"
    if any(service.code in NEVER_SERVICES for service in card.services):
        return "service_1146"
    if category in NEVER_CATEGORIES:
        return f"category_{category}"
    if any(is_crisis(record) for record in card.protocols):
        return "crisis_protocol"
    if child_caller(card):
        return "child_caller"
    if card.channel.value not in rules.channels:
        return "channel_disabled"
    if card.outcome is None or card.outcome.value not in rules.outcomes:
        return "outcome_disabled"
    if number is None:
        return "no_number"
    if not is_mobile(number):
        return "not_mobile"
    return None


def script_language(language: str, sample: str | None) -> str:
    """The survey's language: the call's, with Uzbek in Cyrillic when the caller wrote so."""
    if language not in TEXTS:
        return "uz"
    if language == "uz" and sample and _mostly_cyrillic(sample):
        return "uz-Cyrl"
    return language


def _mostly_cyrillic(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    cyrillic = sum(1 for c in letters if "\u0400" <= c <= "\u04ff")
    return bool(letters) and cyrillic * 2 > len(letters)


TEXTS: Mapping[str, str] = {
    "en": "112: How did we help you? Reply with a number 1-5 and a comment. Reply STOP to opt out.",
    "uz": "112: Sizga qanday yordam berdik? 1 dan 5 gacha raqam va izoh bilan javob yozing. "
    "So‘rovnomalar kerak bo‘lmasa STOP deb yozing.",
    "uz-Cyrl": "112: Сизга қандай ёрдам бердик? 1 дан 5 гача рақам ва изоҳ билан жавоб ёзинг. "
    "Сўровномалар керак бўлмаса STOP деб ёзинг.",
    "ru": "112: Насколько мы вам помогли? Ответьте цифрой от 1 до 5 и комментарием. "
    "Чтобы отписаться, ответьте СТОП.",
    "kaa": "112: Sizge qalay járdem berdik? 1 den 5 ke shekem san hám pikir menen juwap jazıń. "
    "Sorawnamalar kerek bolmasa STOP dep jazıń.",
}
OPTED_OUT_TEXTS: Mapping[str, str] = {
    "en": "112: You will get no more surveys from us. In an emergency call 112 as always.",
    "uz": "112: Sizga boshqa so‘rovnoma yuborilmaydi. Favqulodda holatda 112 ga qo‘ng‘iroq qiling.",
    "uz-Cyrl": "112: Сизга бошқа сўровнома юборилмайди. Фавқулодда ҳолатда 112 га қўнғироқ қилинг.",
    "ru": "112: Вы больше не будете получать опросы. В экстренной ситуации звоните 112.",
    "kaa": "112: Sizge basqa sorawnama jiberilmeydi. Tótenshe jaǵdayda 112 ge qońıraw etiń.",
}
