"""Which files are taken, recognised by their first bytes, and their names kept for display.

Pure functions, no I/O. A file is taken only when its declared media type is allowed and its
first bytes are that type's (a ``.jpg`` that is really a script or an HTML page is refused).
"""

from __future__ import annotations

import re
import unicodedata

# Photos and video as phones send them (iPhones: HEIC photos, QuickTime video; MMS: 3GPP).
# No documents (PDF, office files): they can carry active content and are not what a caller
# in an emergency sends; a type is added here with its signature below.
ALLOWED: dict[str, str] = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/heic": "heic",
    "video/mp4": "mp4",
    "video/quicktime": "mov",
    "video/3gpp": "3gp",
}
# Names gateways and browsers use for the same types.
ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
    "image/heif": "image/heic",
    "video/x-quicktime": "video/quicktime",
    "audio/3gpp": "video/3gpp",
}
# ISO base media files (MP4 family): the major brand in the ``ftyp`` box says which.
_MP4_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ", b"dash"}
)
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis"})
# A QuickTime file without an ``ftyp`` box starts with one of these atoms.
_QUICKTIME_ATOMS = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")
MAX_NAME = 200


def declared(media_type: str | None) -> str:
    """The declared type without parameters, in lower case, aliases resolved."""
    plain = (media_type or "").split(";", 1)[0].strip().lower()
    return ALIASES.get(plain, plain)


def sniff(head: bytes) -> str | None:
    """The allowed type these first bytes are, if any."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    box = head[4:8]
    if box == b"ftyp":
        brand = head[8:12]
        if brand == b"qt  ":
            return "video/quicktime"
        if brand.startswith((b"3gp", b"3g2")):
            return "video/3gpp"
        if brand in _HEIC_BRANDS:
            return "image/heic"
        if brand in _MP4_BRANDS:
            return "video/mp4"
        return None
    if box in _QUICKTIME_ATOMS:
        return "video/quicktime"
    return None


def display_name(raw: str | None, media_type: str) -> str:
    """A file name fit to show and to offer as the download's name: the last part of what the
    sender wrote, without control or path characters; never used as a path on this server."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE.sub("_", name).strip(" ._")[:MAX_NAME]
    return name or f"attachment.{ALLOWED.get(media_type, 'bin')}"
