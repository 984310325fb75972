"""Phone numbers for SMS and WhatsApp: validated and written in E.164 (+966501234567)."""

from __future__ import annotations

import phonenumbers


class BadNumber(ValueError):
    """Not a phone number a message can be sent to; the message says why."""


def to_e164(text: str, region: str = "SA") -> str:
    """'+966 50 123 4567', '00966501234567' or '0501234567' (read in `region`) -> E.164."""
    words = (text or "").strip()
    if words.startswith("00"):
        words = "+" + words[2:]
    try:
        number = phonenumbers.parse(words, region)
    except phonenumbers.NumberParseException:
        raise BadNumber(f"{text!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise BadNumber(f"{text!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def sms_segments(text: str) -> int:
    """How many SMS parts a text takes: 160 GSM-7 characters (153 when split), else 70 (67)."""
    if not text:
        return 0
    gsm = all(ch in GSM_7 for ch in text)
    single, part = (160, 153) if gsm else (70, 67)
    length = len(text) if gsm else len(text.encode("utf-16-le")) // 2
    return 1 if length <= single else -(-length // part)


GSM_7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ ÆæßÉ!\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
