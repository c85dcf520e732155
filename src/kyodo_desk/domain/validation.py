"""Validation and normalisation of the contact fields people type at the counter.

Each function takes what was typed and returns the stored form, or raises ValidationError
naming the field (its Japanese label) and what to type instead. Empty input is allowed and
returns "": whether a field is required is the caller's rule (`require`).
"""

from __future__ import annotations

import re
import unicodedata

from kyodo_desk.domain.errors import ValidationError

_DASHES = "-‐‑‒–—―−－ー"
_DASH_RE = re.compile(f"[{_DASHES}]")
_POSTAL_RE = re.compile(r"^(\d{3})(\d{4})$")
_KANA_RE = re.compile(r"^[\u3041-\u3096\u30a1-\u30fa\u30fc\u30fb\u3000 ・ー]+$")


def _half_width(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def require(field: str, label: str, value: str) -> str:
    value = value.strip()
    if not value:
        raise ValidationError.single(field, f"{label}を入力してください。")
    return value


def postal_code(value: str, field: str = "postal_code") -> str:
    """〒010-0041, 0100041, ０１０－００４１ → 010-0041."""
    text = _half_width(value).removeprefix("〒").strip()
    if not text:
        return ""
    digits = _DASH_RE.sub("", text).replace(" ", "")
    match = _POSTAL_RE.match(digits)
    if not match:
        raise ValidationError.single(
            field, f"郵便番号「{value.strip()}」は7桁の数字で入力してください（例: 010-0041）。"
        )
    return f"{match[1]}-{match[2]}"


def phone(value: str, field: str = "phone") -> str:
    """A Japanese phone number with its area code, hyphenated: 0188885640 → 018-888-5640."""
    import phonenumbers  # imported on first use: ~40 ms that start-up does not need

    text = _half_width(value)
    if not text:
        return ""
    digits = _DASH_RE.sub("", text).replace(" ", "").replace("(", "").replace(")", "")
    problem = f"電話番号「{value.strip()}」は市外局番から数字で入力してください（例: 018-888-5640）。"
    if not digits.isdigit() or not digits.startswith("0"):
        raise ValidationError.single(field, problem)
    try:
        number = phonenumbers.parse(digits, "JP")
    except phonenumbers.NumberParseException:
        raise ValidationError.single(field, problem) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError.single(field, problem)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def email(value: str, field: str = "email") -> str:
    """An e-mail address, checked for its form only (the city network reaches no DNS)."""
    from email_validator import EmailNotValidError, validate_email

    text = _half_width(value)
    if not text:
        return ""
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValidationError.single(
            field, f"メールアドレス「{value.strip()}」の形式が正しくありません（例: name@example.jp）。"
        ) from None


def web_address(value: str, field: str = "website") -> str:
    """An http(s) address; www.example.jp gets https:// in front."""
    text = _half_width(value)
    if not text:
        return ""
    if not re.match(r"^https?://", text, re.IGNORECASE):
        text = "https://" + text
    if not re.match(r"^https?://[^\s/$.?#][^\s]*\.[^\s]+$", text, re.IGNORECASE):
        raise ValidationError.single(
            field, f"アドレス「{value.strip()}」は https:// で始まる形で入力してください。"
        )
    return text


def reading(value: str, field: str = "reading") -> str:
    """A kana reading (よみ): hiragana or katakana, any width; stored as typed but full width."""
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        return ""
    if not _KANA_RE.match(text):
        raise ValidationError.single(field, f"よみ「{value.strip()}」はひらがなかカタカナで入力してください。")
    return text
