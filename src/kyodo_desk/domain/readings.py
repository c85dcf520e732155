"""The reading of an event title suggested in katakana (よみの候補, イベント名_カナ).

pykakasi reads the kanji and kana from its dictionary; what it leaves as it was is read here,
because a reading (validation.reading) and the open-data column イベント名_カナ both hold kana
only: numbers as people say them (2026 → ニセンニジュウロク, 第3期 → ダイサンキ, 1回 → イッカイ),
Latin letters by their names (NPO → エヌピーオー, SDGs → エスディージーズ), and brackets and other
signs as a space between words. The result is a suggestion that a clerk corrects where the
dictionary guessed wrong (3日 is read サンニチ, not ミッカ): it is never stored unasked.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import TYPE_CHECKING

import jaconv

if TYPE_CHECKING:
    from pykakasi import kakasi as Kakasi

_DIGIT = ("ゼロ", "イチ", "ニ", "サン", "ヨン", "ゴ", "ロク", "ナナ", "ハチ", "キュウ")
# The units inside a group of four digits, and the readings that change before them
# (三百 サンビャク, 八千 ハッセン): what a number read aloud sounds like.
_UNITS = ((1000, "セン"), (100, "ヒャク"), (10, "ジュウ"))
_JOINED = {
    (3, "ヒャク"): "サンビャク", (6, "ヒャク"): "ロッピャク", (8, "ヒャク"): "ハッピャク",
    (3, "セン"): "サンゼン", (8, "セン"): "ハッセン",
}
_GROUPS = ("", "マン", "オク", "チョウ", "ケイ")
# 1回 イッカイ, 8期 ハッキ, 10歳 ジュッサイ: the number's last sound doubles before these.
_DOUBLED = {"イチ": ("イッ", "カキクケコサシスセソタチツテトパピプペポ"),
            "ハチ": ("ハッ", "カキクケコサシスセソタチツテトパピプペポ"),
            "ロク": ("ロッ", "カキクケコパピプペポ"),
            "ジュウ": ("ジュッ", "カキクケコサシスセソタチツテトパピプペポ")}
_LETTER = {
    "a": "エー", "b": "ビー", "c": "シー", "d": "ディー", "e": "イー", "f": "エフ", "g": "ジー",
    "h": "エイチ", "i": "アイ", "j": "ジェー", "k": "ケー", "l": "エル", "m": "エム", "n": "エヌ",
    "o": "オー", "p": "ピー", "q": "キュー", "r": "アール", "s": "エス", "t": "ティー",
    "u": "ユー", "v": "ブイ", "w": "ダブリュー", "x": "エックス", "y": "ワイ", "z": "ゼット",
}
_NUMBER_RE = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
# Latin letters with their accents (Café): the accent is not read, the letter is.
_LETTERS_RE = re.compile(r"[A-Za-z\u00c0-\u024f]+")
# What a reading may hold (validation.reading): katakana, ー and ・; the rest parts words.
_NOT_KANA_RE = re.compile(r"[^\u30a1-\u30fa\u30fc\u30fb]+")
_PLURAL_AFTER = 2  # SDGs, NPOs: a lowercase s after capitals is the plural ズ


def suggested_reading(title: str) -> str:
    """The title read in full-width katakana (よみの候補); "" for a title with nothing to read.

    「市民活動はじめて講座」→「シミンカツドウハジメテコウザ」,
    「第3期つむぎすと講座（全5回）」→「ダイサンキツムギストコウザ ゼンゴカイ」.
    """
    text = unicodedata.normalize("NFKC", title).strip()
    if not text:
        return ""
    kana = "".join(part["kana"] for part in _converter().convert(text))
    kana = _NUMBER_RE.sub(lambda m: _number_reading(m.group(), kana[m.end():m.end() + 1]),
                          kana)
    kana = _LETTERS_RE.sub(lambda m: _letters_reading(m.group()), kana)
    kana = jaconv.hira2kata(kana)
    return " ".join(_NOT_KANA_RE.split(kana)).strip()


@cache
def _converter() -> Kakasi:
    # Loaded once, when the first title is read: its dictionaries take most of a second.
    from pykakasi import kakasi

    return kakasi()  # type: ignore[no-untyped-call]  # pykakasi leaves __init__ untyped


def _number_reading(number: str, following: str) -> str:
    whole, _, fraction = number.replace(",", "").partition(".")
    if len(whole) > 1 and whole.startswith("0"):  # 007, 0120: digits, not an amount
        spoken = "".join(_DIGIT[int(d)] for d in whole)
    else:
        spoken = _integer_reading(int(whole))
    if fraction:
        return spoken + "テン" + "".join(_DIGIT[int(d)] for d in fraction)
    for plain, (doubled, before) in _DOUBLED.items():
        if following and following in before and spoken.endswith(plain):
            return spoken[: -len(plain)] + doubled
    return spoken


def _integer_reading(n: int) -> str:
    if n == 0:
        return _DIGIT[0]
    if n >= 10 ** (4 * len(_GROUPS)):  # beyond 京: digit by digit, as a code is read
        return "".join(_DIGIT[int(d)] for d in str(n))
    parts = []
    for power, name in reversed(list(enumerate(_GROUPS))):
        group = n // 10 ** (4 * power) % 10_000
        if group:
            parts.append(_group_reading(group) + name)
    return "".join(parts)


def _group_reading(n: int) -> str:
    """One to four digits: 1234 → センニヒャクサンジュウヨン."""
    parts = []
    for size, unit in _UNITS:
        count = n // size % 10
        if count:
            parts.append(_JOINED.get((count, unit),
                                     unit if count == 1 else _DIGIT[count] + unit))
    if n % 10:
        parts.append(_DIGIT[n % 10])
    return "".join(parts)


def _letters_reading(word: str) -> str:
    plural = (word.endswith("s") and len(word) > _PLURAL_AFTER
              and word[:-1].isupper())
    letters = unicodedata.normalize("NFKD", word[:-1] if plural else word)
    return "".join(_LETTER.get(c.lower(), "") for c in letters) + ("ズ" if plural else "")
