"""What a person reads beside the codes QA keeps: people's full names, incident type, channel
and stratum names, scorecard titles, in the reader's language (uz, ru, en).

The JSON keeps every code (usernames, incident type codes, item keys) and carries these names
beside them (``operator_name``, ``item_title``, ...); the exports add a name column beside
each code column. Names are looked up once per request (``load``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.auth import service as auth
from dispatch.cards.routing import UnknownIncidentType, default_classifier
from dispatch.qa.sampling import UNCLASSIFIED
from dispatch.qa.schemas import ScorecardDefinition

Language = Literal["uz", "ru", "en"]

CHANNELS: Mapping[str, Mapping[str, str]] = {
    "voice": {"uz": "Ovozli", "ru": "Голос", "en": "Voice"},
    "video": {"uz": "Video", "ru": "Видео", "en": "Video"},
    "sms": {"uz": "SMS", "ru": "SMS", "en": "SMS"},
    "email": {"uz": "E-mail", "ru": "E-mail", "en": "E-mail"},
}
NO_TYPE: Mapping[str, str] = {"uz": "turi yo‘q", "ru": "без типа", "en": "unclassified"}


def text(names: Mapping[str, str], language: str) -> str:
    """A ``{uz, ru, en}`` text in ``language``, else English, else any."""
    return names.get(language) or names.get("en") or next(iter(names.values()), "")


@dataclass(frozen=True)
class Names:
    """The names of one request's answer, in its language."""

    language: str
    people: Mapping[str, str]

    def person(self, username: str | None) -> str | None:
        """The account's full name (its username when it has none); None for nobody."""
        if username is None:
            return None
        return self.people.get(username) or username

    def people_of(self, usernames: Iterable[str | None]) -> dict[str, str]:
        """``{username: full name}`` of the accounts named."""
        return {u: self.people.get(u) or u for u in sorted({u for u in usernames if u})}

    def incident_type(self, code: str | None) -> str | None:
        """The incident type's name (the code itself when the classifier no longer has it)."""
        if code is None:
            return None
        try:
            return default_classifier().get(code).name(self.language)
        except UnknownIncidentType:
            return code

    def channel(self, code: str) -> str:
        """The channel's name (voice, video, SMS, e-mail)."""
        return text(CHANNELS[code], self.language) if code in CHANNELS else code

    def stratum(self, key: str) -> str:
        """``incident type / channel`` in words, e.g. "Fire in a building / Voice"."""
        kind, _, channel = key.rpartition("/")
        shown = text(NO_TYPE, self.language) if kind == UNCLASSIFIED else self.incident_type(kind)
        return f"{shown} / {self.channel(channel)}"


async def load(session: AsyncSession, language: str) -> Names:
    """The names for an answer in ``language`` (every account's full name, read once)."""
    people = {u.username: u.full_name for u in await auth.list_users(session) if u.full_name}
    return Names(language=language, people=people)


def titles(definition: ScorecardDefinition, language: str) -> dict[str, str]:
    """``{section or item key: title}`` of a scorecard in ``language``."""
    out: dict[str, str] = {}
    for section in definition.sections:
        out[section.key] = text(section.title, language)
        for item in section.items:
            out[item.key] = text(item.text, language)
    return out
