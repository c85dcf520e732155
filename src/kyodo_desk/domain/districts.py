"""地域 from an address: which of the city's seven districts (中央・東部・西部・南部・北部・河辺・
雄和) an address or postal code lies in, or 市外.

The towns of each district are data (db/seed/districts.json, read by database.seed.seed_towns,
then the district_towns table the administrator keeps): this module only reads an address
against them. What it gives is a
suggestion the clerk confirms; "" when it cannot tell.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from kyodo_desk.domain import postal
from kyodo_desk.domain.labels import OUTSIDE_CITY

PREFECTURE = "秋田県"
CITY = "秋田市"

# The start of an address that names a prefecture, or another city, town or village: 潟上市,
# 南秋田郡五城目町, 東京都… No town of Akita City has 市 or 郡 in its name, so a 市 or 郡 after
# 1–6 characters is another place even at the end (大館市); many end in 町 (川尻町), so a 町 or
# 村 is another place only where the address goes on after it.
_OTHER_PLACE = re.compile(r"^(?:.{1,4}[都道府県]|.{1,6}?[市郡]|.{1,6}?[町村](?=.))")
# A postal code written before the address (〒010-0041 秋田市広面…).
_LEADING_POSTAL_CODE = re.compile(r"^〒?\d{3}[-ー−‐]?\d{4}")
# A town's name is this long at least before the towns that begin with it may decide alone.
_SHARED_START = 2


def _normal(text: str) -> str:
    """Width and spacing folded, ヶ/ヵ as Japan Post writes them (南ケ丘)."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(text.split())
    text = _LEADING_POSTAL_CODE.sub("", text)
    return text.replace("ヶ", "ケ").replace("ヵ", "カ")


def town_district(rest: str, towns: Mapping[str, str]) -> str:
    """The district of the longest town *rest* (an address after 秋田市) begins with; ""."""
    by_name, longest = _by_normal_name(towns)
    for length in range(min(longest, len(rest)), 0, -1):
        if (district := by_name.get(rest[:length])) is not None:
            return district
    return ""


# The last table read, its towns by their folded names: an import asks for thousands of rows
# with one table, where folding 323 names for each row cost milliseconds.
_last: tuple[Mapping[str, str], dict[str, str], int] | None = None


def _by_normal_name(towns: Mapping[str, str]) -> tuple[dict[str, str], int]:
    global _last
    last = _last
    if last is None or last[0] is not towns:
        folded = {_normal(town): district for town, district in towns.items()}
        last = _last = (towns, folded, max(map(len, folded), default=0))
    return last[1], last[2]


def shared_district(rest: str, towns: Mapping[str, str]) -> str:
    """The district of every town that begins as *rest* does, when they all lie in one: an
    address spelled as the town was before the merger (河辺町和田 for 河辺和田), or a postal
    code shared by several towns (〒011-0951 → 土崎港, whose towns are all 北部). ""."""
    best, districts = 0, set()
    for name, district in _by_normal_name(towns)[0].items():
        shared = next((n for n, (a, b) in enumerate(zip(rest, name, strict=False)) if a != b),
                      min(len(rest), len(name)))
        if shared > best:
            best, districts = shared, {district}
        elif shared == best:
            districts.add(district)
    return districts.pop() if best >= _SHARED_START and len(districts) == 1 else ""


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
        rest = rest.removeprefix(CITY)
        return town_district(rest, towns) or shared_district(rest, towns)
    if not rest:
        return ""  # 秋田県 and nothing more
    in_city = town_district(rest, towns)
    if in_city:
        return in_city
    if rest != text:  # 秋田県 named, 秋田市 not: a town as it was spelled, or another place
        return shared_district(rest, towns) or OUTSIDE_CITY
    if _OTHER_PLACE.match(rest):
        return OUTSIDE_CITY  # another place of the prefecture, or another prefecture
    return shared_district(rest, towns)
