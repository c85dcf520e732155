"""地域 from an address or a postal code (domain/districts.py), against the shipped town table."""

from __future__ import annotations

import pytest

from kyodo_desk.database.seed import seed_towns
from kyodo_desk.domain.districts import suggest_district
from kyodo_desk.domain.labels import DISTRICT_CHOICES, OUTSIDE_CITY

TOWNS = seed_towns()


def test_the_shipped_table_names_only_the_citys_districts() -> None:
    assert len(TOWNS) == 323
    assert set(TOWNS.values()) == set(DISTRICT_CHOICES) - {OUTSIDE_CITY}


@pytest.mark.parametrize(("address", "district"), [
    ("秋田県秋田市広面字鍋沼1-1", "東部"),
    ("秋田市広面字鍋沼1-1", "東部"),
    ("広面字鍋沼1-1", "東部"),  # the prefecture and the city left out
    ("秋田市中通二丁目3番8号", "中央"),
    ("秋田市中通２丁目３－８", "中央"),  # full-width digits and dash
    ("秋田市 中通 2-3-8", "中央"),  # spaces between the parts
    ("秋田県　秋田市　広面", "東部"),  # full-width spaces
    ("秋田市八橋南一丁目", TOWNS["八橋南"]),
    ("秋田市土崎港中央一丁目", "北部"),
    ("秋田市新屋扇町", TOWNS["新屋扇町"]),
])
def test_an_address_of_the_city_gives_its_towns_district(address: str, district: str) -> None:
    assert suggest_district(address, "", TOWNS) == district


def test_the_longest_town_the_address_begins_with_decides() -> None:
    towns = {"八橋": "中央", "八橋南": "西部"}
    assert suggest_district("秋田市八橋南1丁目", "", towns) == "西部"
    assert suggest_district("秋田市八橋本町", "", towns) == "中央"


@pytest.mark.parametrize(("address", "town"), [
    ("秋田市南ヶ丘一丁目", "南ケ丘"), ("秋田市南ケ丘一丁目", "南ケ丘"), ("南ヶ丘1-2", "南ケ丘"),
    ("秋田市雄和萱ヶ沢字", "雄和萱ケ沢"), ("秋田市下浜名ヶ沢", "下浜名ケ沢"),
])
def test_small_ke_is_read_as_japan_post_writes_it(address: str, town: str) -> None:
    assert suggest_district(address, "", TOWNS) == TOWNS[town]


@pytest.mark.parametrize(("address", "district"), [
    ("秋田市河辺和田字北条ケ崎1", "河辺"),
    ("河辺戸島字七曲", "河辺"),
    ("秋田市雄和妙法字上大部", "雄和"),
    ("秋田市雄和椿川字", "雄和"),
    # Spelled as before the 2005 merger (河辺町・雄和町): every town that begins so is 河辺/雄和.
    ("秋田市河辺町和田", "河辺"),
    ("秋田県河辺郡河辺町和田", "河辺"),
    ("秋田市雄和町妙法", "雄和"),
])
def test_kawabe_and_yuwa_towns_give_their_districts(address: str, district: str) -> None:
    assert suggest_district(address, "", TOWNS) == district


@pytest.mark.parametrize("address", [
    "潟上市天王字長沼", "秋田県潟上市天王", "男鹿市船川港船川", "秋田県男鹿市", "大館市", "にかほ市象潟町",
    "南秋田郡五城目町", "秋田県南秋田郡八郎潟町字大道", "東京都千代田区霞が関1-2-1", "北海道旭川市1条通",
    "旭川市1条通", "大阪府大阪市北区", "仙台市青葉区国分町", "秋田県由利本荘市",
])
def test_another_place_is_outside_the_city(address: str) -> None:
    assert suggest_district(address, "", TOWNS) == OUTSIDE_CITY


@pytest.mark.parametrize(("postal_code", "district"), [
    ("010-0041", "東部"),  # 秋田市広面
    ("０１０－００４１", "東部"),
    ("011-0951", "北部"),  # shared by 土崎港相染町 and 土崎港古川町: both 北部
    ("010-8560", TOWNS["山王"]),  # 秋田市役所, 山王1丁目
    ("018-1401", OUTSIDE_CITY),  # 潟上市
])
def test_the_postal_code_decides_when_there_is_no_address(postal_code: str,
                                                           district: str) -> None:
    assert suggest_district("", postal_code, TOWNS) == district


def test_the_address_decides_before_the_postal_code() -> None:
    assert suggest_district("秋田市山王一丁目", "018-1401", TOWNS) == TOWNS["山王"]
    assert suggest_district("潟上市天王", "010-0041", TOWNS) == OUTSIDE_CITY
    # An address that tells nothing leaves it to the code.
    assert suggest_district("秋田市", "010-0041", TOWNS) == "東部"


def test_a_postal_code_written_before_the_address_is_not_read_as_the_address() -> None:
    assert suggest_district("〒010-0041 秋田市広面字鍋沼", "", TOWNS) == "東部"
    assert suggest_district("〒０１０ー００４１　広面", "", TOWNS) == "東部"


@pytest.mark.parametrize(("address", "postal_code"), [
    ("", ""), ("   ", ""), ("どこか", ""), ("秋田県", ""), ("秋田県秋田市", ""), ("秋田市", ""),
    ("", "010-9999"), ("", "abc"), ("市内", ""), ("不明", ""),
])
def test_what_tells_nothing_gives_no_district(address: str, postal_code: str) -> None:
    assert suggest_district(address, postal_code, TOWNS) == ""


def test_the_administrators_table_decides_not_the_seed() -> None:
    corrected = dict(TOWNS, 広面="中央")
    assert suggest_district("秋田市広面", "", corrected) == "中央"
    assert suggest_district("", "010-0041", corrected) == "中央"
