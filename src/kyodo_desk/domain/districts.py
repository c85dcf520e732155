"""地域 from an address: which of the city's seven districts (中央・東部・西部・南部・北部・河辺・
雄和) an address or postal code lies in, or 市外.

The towns of each district are data (db/seed/districts.json, then the district_towns table the
administrator keeps): this module only reads an address against them. What it gives is a
suggestion the clerk confirms; "" when it cannot tell.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping

from kyodo_desk import paths
from kyodo_desk.domain import postal
from kyodo_desk.domain.labels import OUTSIDE_CITY

PREFECTURE = "秋田県"
CITY = "秋田市"

# The start of an address that names a prefecture, or another city, town or village: 潟上市,
# 南秋田郡五城目町, 東京都… (a town of Akita City never ends in 市, 郡 or 都道府県 after 2–6
# characters and then goes on with a place).
_OTHER_PLACE = re.compile(r"^(?:.{1,4}[都道府県])|^(?:.{1,6}?郡)?.{1,6}?[市町村](?=.)")


def seed_towns() -> dict[str, str]:
    """The shipped table: 町名 → 地域 (db/seed/districts.json)."""
    data = json.loads((paths.db_dir() / "seed" / "districts.json").read_text(encoding="utf-8"))
    return dict(data["towns"])


def _normal(text: str) -> str:
    """Width and spacing folded, ヶ/ヵ as Japan Post writes them (南ケ丘)."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(text.split())
    return text.replace("ヶ", "ケ").replace("ヵ", "カ")


def town_district(rest: str, towns: Mapping[str, str]) -> str:
    """The district of the longest town *rest* (an address after 秋田市) begins with; ""."""
    best = ""
    for town in towns:
        if len(town) > len(best) and rest.startswith(_normal(town)):
            best = town
    return towns[best] if best else ""


def suggest_district(address: str, postal_code: str, towns: Mapping[str, str]) -> str:
    """The 地域 an address (or, failing that, its postal code) lies in: a district of *towns*,
    OUTSIDE_CITY, or "" when neither tells.

    秋田県秋田市広面字鍋沼… → 東部; 広面… (the city left out) → 東部 too; 潟上市… or 東京都…
    → 市外. The postal code decides only where the address does not: 〒010-0041 → 東部.
    """
    found = _from_address(_normal(address), towns)
    if found:
        return found
    place = postal.address_for(postal_code) if postal_code.strip() else None
    return _from_address(_normal(place), towns) if place else ""


def _from_address(text: str, towns: Mapping[str, str]) -> str:
    if not text:
        return ""
    rest = text.removeprefix(PREFECTURE)
    if rest.startswith(CITY):
        return town_district(rest.removeprefix(CITY), towns)
    in_city = town_district(rest, towns)
    if in_city:
        return in_city
    if rest != text or _OTHER_PLACE.match(rest):
        return OUTSIDE_CITY  # another place of the prefecture, or another prefecture
    return ""
