"""郵便番号 → 住所 from the postal data shipped with the app (domain/postal.py)."""

from __future__ import annotations

import pytest

from kyodo_desk.domain.postal import address_for


@pytest.mark.parametrize("typed", ["010-0041", "0100041", "〒010-0041", "〒 010-0041",
                                   "０１０－００４１", "〒０１０ー００４１", " 010ー0041 "])
def test_a_code_in_any_usual_form_gives_prefecture_city_and_town(typed: str) -> None:
    assert address_for(typed) == "秋田県秋田市広面"


def test_a_code_for_a_whole_city_gives_the_city() -> None:
    assert address_for("010-0000") == "秋田県秋田市"  # 以下に掲載がない場合


def test_a_code_shared_by_two_towns_gives_only_what_they_share() -> None:
    assert address_for("011-0951") == "秋田県秋田市土崎港"  # 土崎港相染町 / 土崎港古川町


def test_an_office_code_gives_its_street_and_number() -> None:
    assert address_for("010-8560") == "秋田県秋田市山王1丁目1-1"  # 秋田市役所


@pytest.mark.parametrize("typed", ["010-9999", "000-0000"])
def test_a_code_japan_post_does_not_list_gives_none(typed: str) -> None:
    assert address_for(typed) is None


@pytest.mark.parametrize("typed", ["", "  ", "〒", "010-004", "01000411", "abc-defg", "010_0041",
                                   "①①①-①①①①", "010-0041\x00", "0" * 100_000])
def test_what_is_not_a_whole_code_gives_none(typed: str) -> None:
    assert address_for(typed) is None

