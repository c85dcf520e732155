"""Validation and normalisation of the contact fields people type at the counter.

Each function takes what was typed and returns the stored form, or raises ValidationError
naming the field (its Japanese label) and what to type instead. Empty input is allowed and
returns "": whether a field is required is the caller's rule (`require`). Whatever is typed or
pasted (a NUL, half of a surrogate pair, a megabyte) gets one of these two answers, never
another exception, and a stored form given again comes back unchanged.

Digits are read in ASCII or full width only: NFKC would also turn ①, ¹ or the Tai Lue ᧚ into
digits, and an Arabic-Indic ٠ is a digit to Python, but nobody at the counter means them so.
"""

from __future__ import annotations

import re
import unicodedata

from kyodo_desk.domain.errors import ValidationError
from kyodo_desk.domain.text import UNTYPEABLE

# Full-width ASCII (０-９, Ａ-Ｚ, －, （）…) and the ideographic space, to their narrow forms.
_NARROW = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_DASHES = "-‐‑‒–—―−ーｰ"
_DASH_RE = re.compile(f"[{_DASHES}]")
_POSTAL_RE = re.compile(r"([0-9]{3})([0-9]{4})")
_KANA_RE = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fc\u30fb\u3000 ・ー]+")
_SCHEME_RE = re.compile(r"https?://", re.IGNORECASE)
_SPACE_RE = re.compile(r"\s")
MAX_EMAIL_CHARS = 254  # RFC 5321's limit of a forward path; validate_email slows on more
_QUOTED_CHARS = 30  # of what was typed, shown in a message
# Quoted in a message, these would break the log file (surrogates) or the line (controls).
_UNQUOTABLE_RE = re.compile(f"[{UNTYPEABLE}]")


def _narrow(text: str) -> str:
    return text.translate(_NARROW).strip()


def _quoted(value: str) -> str:
    """What was typed, fit to quote in a message: printable, and at most a line long."""
    shown = _UNQUOTABLE_RE.sub("", value[: _QUOTED_CHARS * 4]).strip()
    return shown if len(shown) <= _QUOTED_CHARS else shown[: _QUOTED_CHARS - 1] + "…"


def require(field: str, label: str, value: str) -> str:
    value = value.strip()
    if not value:
        raise ValidationError.single(field, f"{label}を入力してください。")
    return value


def postal_code(value: str, field: str = "postal_code") -> str:
    """〒010-0041, 0100041, ０１０－００４１ → 010-0041."""
    text = _narrow(value).removeprefix("〒").strip()
    if not text:
        return ""
    match = _POSTAL_RE.fullmatch(_DASH_RE.sub("", text).replace(" ", ""))
    if not match:
        raise ValidationError.single(
            field, f"郵便番号「{_quoted(value)}」は7桁の数字で入力してください（例: 010-0041）。"
        )
    return f"{match[1]}-{match[2]}"


def phone(value: str, field: str = "phone") -> str:
    """A Japanese phone number with its area code, hyphenated: 0188885640 → 018-888-5640."""
    import phonenumbers  # imported on first use: ~40 ms that start-up does not need

    text = _narrow(value)
    if not text:
        return ""
    digits = _DASH_RE.sub("", text).replace(" ", "").replace("(", "").replace(")", "")
    problem = f"電話番号「{_quoted(value)}」は市外局番から数字で入力してください（例: 018-888-5640）。"
    if not (digits.isascii() and digits.isdigit() and digits.startswith("0")):
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

    if not value.strip():
        return ""
    problem = f"メールアドレス「{_quoted(value)}」の形式が正しくありません（例: name@example.jp）。"
    if len(value) > MAX_EMAIL_CHARS * 4:  # no width or spacing makes an address of this
        raise ValidationError.single(field, problem)
    text = unicodedata.normalize("NFKC", value).strip()
    if len(text) > MAX_EMAIL_CHARS or not text.isprintable():
        raise ValidationError.single(field, problem)
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValidationError.single(field, problem) from None


def web_address(value: str, field: str = "website") -> str:
    """An http(s) address; www.example.jp gets https:// in front."""
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        return ""
    if not _SCHEME_RE.match(text):
        text = "https://" + text
    rest = text.split("://", 1)[1]
    # Something, then a dot before the last character; tested piece by piece, since one
    # regular expression for it backtracked quadratically (32,000 pasted characters: 14 s).
    # No space, control or invisible character: a browser would not open it.
    if (not rest or rest[0] in "/$.?#" or "." not in rest[1:-1] or _SPACE_RE.search(text)
            or not text.isprintable()):
        raise ValidationError.single(
            field, f"アドレス「{_quoted(value)}」は https:// で始まる形で入力してください。"
        )
    return text


def reading(value: str, field: str = "reading") -> str:
    """A kana reading (よみ): hiragana or katakana, any width; stored as typed but full width."""
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        return ""
    if not _KANA_RE.fullmatch(text):
        raise ValidationError.single(field, f"よみ「{_quoted(value)}」はひらがなかカタカナで入力してください。")
    return text
