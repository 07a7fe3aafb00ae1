"""GSM 7-bit packed text (3GPP TS 23.038), as phones send AML in a binary "data" SMS. Pure."""

from __future__ import annotations

# GSM 03.38 default alphabet; "\x1b" is the escape to the extension table below.
_GSM7 = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = {
    0x0A: "\f",
    0x14: "^",
    0x28: "{",
    0x29: "}",
    0x2F: "\\",
    0x3C: "[",
    0x3D: "~",
    0x3E: "]",
    0x40: "|",
    0x65: "€",
}


def decode_gsm7(data: bytes) -> str:
    """Unpack GSM 7-bit packed septets (3GPP TS 23.038) into text."""
    if not data:
        return ""
    septets: list[int] = []
    carry, carried_bits = 0, 0
    for byte in data:
        septets.append(((byte << carried_bits) | carry) & 0x7F)
        carry = byte >> (7 - carried_bits)
        carried_bits += 1
        if carried_bits == 7:
            septets.append(carry)
            carry, carried_bits = 0, 0
    # Eight septets fill seven octets exactly; then a last septet of 0 (or CR) is padding.
    if len(data) % 7 == 0 and septets[-1] in (0x00, 0x0D):
        septets.pop()
    chars: list[str] = []
    escaped = False
    for septet in septets:
        if escaped:
            chars.append(_GSM7_EXTENSION.get(septet, " "))
            escaped = False
        elif septet == 0x1B:
            escaped = True
        else:
            chars.append(_GSM7[septet])
    return "".join(chars)
