"""Reading order (五十音順) and the kana rows (あ行・か行 …) that guide a reader down a list of
names, as a door list is searched: by the よみ, then the name.

The よみ is compared as `likeness.fold_reading` folds it (width, katakana, small kana, long
vowel marks), first without its voiced marks (か and が side by side, as a dictionary has them),
then with them. A よみ that starts with no kana (a Latin letter, a kanji typed by mistake)
comes after わ行 under その他; a name without a よみ comes last, under よみなし, as nobody can
say where to look for it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from typing import TypeVar

from kyodo_desk.domain.likeness import fold_name, fold_reading

T = TypeVar("T")

ROWS: tuple[tuple[str, str], ...] = (
    ("あ行", "あいうえお"), ("か行", "かきくけこ"), ("さ行", "さしすせそ"),
    ("た行", "たちつてと"), ("な行", "なにぬねの"), ("は行", "はひふへほ"),
    ("ま行", "まみむめも"), ("や行", "やゆよ"), ("ら行", "らりるれろ"), ("わ行", "わゐゑをん"),
)
OTHER = "その他"
NO_READING = "よみなし"
ROW_NAMES: tuple[str, ...] = (*(name for name, _ in ROWS), OTHER, NO_READING)
_ROW_OF = {kana: index for index, (_, kanas) in enumerate(ROWS) for kana in kanas}
_VOICING = {"\u3099", "\u309a"}  # the combining ゛ and ゜ that NFD splits off が and ぱ


def plain_kana(text: str) -> str:
    """*text* without voiced marks: が → か, ぱ → は, ゔ → う."""
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if ch not in _VOICING)


def _row_index(folded: str) -> int:
    if not folded:
        return len(ROWS) + 1
    return _ROW_OF.get(plain_kana(folded[0])[:1], len(ROWS))


def kana_row(reading: str) -> str:
    """The guide a name is listed under: 「あ行」 … 「わ行」, 「その他」 or 「よみなし」."""
    return ROW_NAMES[_row_index(fold_reading(reading))]


def reading_key(reading: str, name: str) -> tuple[int, str, str, str, str]:
    """What a list in reading order sorts by: the kana row, the よみ without and then with
    its voiced marks, then the name (folded, then as written, so equal names keep one order)."""
    folded = fold_reading(reading)
    return (_row_index(folded), plain_kana(folded), folded, fold_name(name), name)


def by_reading(items: Iterable[T], reading: Callable[[T], str],
               name: Callable[[T], str]) -> list[T]:
    """*items* in reading order (stable: items alike keep the order they came in)."""
    return sorted(items, key=lambda item: reading_key(reading(item), name(item)))


def with_guides(items: Iterable[T], reading: Callable[[T], str],
                name: Callable[[T], str]) -> list[tuple[str, T]]:
    """*items* in reading order, each with the guide to print before it: the kana row's name
    where the row changes (the first item included), else ""."""
    out: list[tuple[str, T]] = []
    last = ""
    for item in by_reading(items, reading, name):
        row = kana_row(reading(item))
        out.append((row if row != last else "", item))
        last = row
    return out
