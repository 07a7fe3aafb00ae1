"""Which files are taken: the allow-list, the sniffing of first bytes, the name shown."""

from __future__ import annotations

import pytest

from dispatch.attachments import kinds
from dispatch.attachments.service import Policy, checked_type
from dispatch.errors import DomainError
from tests.attachments import files


@pytest.mark.parametrize(
    ("content", "media_type"),
    [
        (files.png(), "image/png"),
        (files.JPEG, "image/jpeg"),
        (files.JPEG, "image/jpg"),
        (files.GIF, "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 24, "image/webp"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "image/heic"),
        (files.MP4, "video/mp4"),
        (files.MOV, "video/quicktime"),
        (b"\x00\x00\x00\x08wide\x00\x00\x00\x10mdat", "video/quicktime"),
        (files.THREE_GP, "video/3gpp"),
        (files.JPEG, "IMAGE/JPEG; name=photo.jpg"),
    ],
)
def test_the_allowed_kinds_are_taken_when_their_bytes_agree(
    content: bytes, media_type: str
) -> None:
    assert checked_type(content, media_type, Policy()) in kinds.ALLOWED


@pytest.mark.parametrize(
    ("content", "media_type", "status", "code"),
    [
        (files.HTML, "text/html", 415, "attachment_type_refused"),
        (files.PDF, "application/pdf", 415, "attachment_type_refused"),
        (files.JPEG, None, 415, "attachment_type_refused"),
        (files.HTML, "image/jpeg", 415, "attachment_type_mismatch"),
        (files.png(), "image/jpeg", 415, "attachment_type_mismatch"),
        (files.PDF, "video/mp4", 415, "attachment_type_mismatch"),
        # an ISO media file of a brand not taken (an AVIF image) is not an MP4 video
        (
            b"\x00\x00\x00\x18ftypavif\x00\x00\x00\x00mif1",
            "video/mp4",
            415,
            "attachment_type_mismatch",
        ),
        (b"", "image/png", 422, "attachment_empty"),
        (files.png() + b"\x00" * 300, "image/png", 413, "attachment_too_large"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_a_file_not_taken_is_refused_with_its_reason(
    content: bytes, media_type: str | None, status: int, code: str
) -> None:
    with pytest.raises(DomainError) as refused:
        checked_type(content, media_type, Policy(max_bytes=200))
    assert refused.value.status_code == status
    assert refused.value.code == code
    assert refused.value.body()["detail_code"] == code


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\photo.jpg", "photo.jpg"),
        ("fire\x00\n.jpg", "fire_.jpg"),
        ("Ёнғин олови.jpg", "Ёнғин олови.jpg"),
        ("..", "attachment.jpg"),
        (None, "attachment.jpg"),
        ('a"b;c.jpg', "a_b;c.jpg"),
    ],
)
def test_the_name_shown_never_carries_a_path(raw: str | None, shown: str) -> None:
    assert kinds.display_name(raw, "image/jpeg") == shown
