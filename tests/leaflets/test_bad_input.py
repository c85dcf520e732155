"""Awkward data still gives a clean page: long fields wrap or shrink, missing ones are left out,
and content that cannot fit is refused with a Japanese message instead of a broken page.

The facilities come from the shipped seed file with one field spoiled, through a stand-in for
contacts.list_facilities, so no database is needed here.
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kyodo_desk import leaflets, paths
from kyodo_desk.domain.errors import UserError
from kyodo_desk.leaflets import Audience, LeafletDoesNotFit, LeafletInfo
from kyodo_desk.services import contacts
from kyodo_desk.services.contacts import FacilityDetail
from tests.leaflets import (
    assert_fonts_embedded,
    flat,
    kinsoku_offences,
    page_count,
    text_of,
)

TODAY = date(2026, 11, 24)
# The leaflets that print the facilities' contact block (the 月報 prints figures instead,
# the 団体一覧 groups; their own bad input is tested in test_consultation_report.py and
# test_group_directory_print.py).
PAGES = {info.name: info.pages for info in leaflets.catalog()
         if info.name not in ("consultation-report", "group-directory")}
LONG_ADDRESS = ("秋田市河辺和田字北条ヶ崎38番地２河辺市民サービスセンター別館（旧河辺町役場第二庁舎）"
                "二階北側奥の市民協働・地域づくり相談コーナー前、正面玄関からお入りいただき左手の階段を"
                "上がって右側、掲示板の隣にある窓口です。お車は北側の駐車場をどうぞ。")


def seed_facilities() -> list[FacilityDetail]:
    data = json.loads((paths.db_dir() / "seed" / "facilities.json").read_text("utf-8"))
    return [
        FacilityDetail(id=i, code=f["code"], kind=f["kind"], name=f["name"], reading=f["reading"],
                       postal_code=f["postal_code"], address=f["address"],
                       building=f["building"], phone=f["phone"], email=f["email"],
                       website=f["website"], facebook=f["facebook"], hours="", notes="",
                       version=1)
        for i, f in enumerate(data["facilities"], start=1)
    ]


@pytest.fixture
def facilities(monkeypatch: pytest.MonkeyPatch) -> list[FacilityDetail]:
    """The seed's facilities, as every leaflet will read them; change the list in a test."""
    current = seed_facilities()
    monkeypatch.setattr(contacts, "list_facilities", lambda db, actor: list(current))
    return current


def render(name: str) -> bytes:
    return leaflets.render(name, None, None, today=TODAY)  # type: ignore[arg-type]


def check_page(pdf: bytes, name: str, tmp_path: Path) -> str:
    assert_fonts_embedded(pdf, tmp_path)
    pages = page_count(pdf, tmp_path)
    assert 1 <= pages <= PAGES[name]
    text = text_of(pdf, tmp_path)
    assert kinsoku_offences(text) == []
    return text


@pytest.mark.parametrize("name", list(PAGES))
def test_a_120_character_address_wraps_within_the_page(
        facilities: list[FacilityDetail], name: str, tmp_path: Path) -> None:
    assert len(LONG_ADDRESS) == 120
    facilities[5] = replace(facilities[5], address=LONG_ADDRESS)
    text = check_page(render(name), name, tmp_path)
    assert flat(LONG_ADDRESS) in flat(text)
    assert "018-882-5221" in text


@pytest.mark.parametrize("name", list(PAGES))
def test_a_missing_e_mail_is_left_out(
        facilities: list[FacilityDetail], name: str, tmp_path: Path) -> None:
    facilities[0] = replace(facilities[0], email="")
    text = check_page(render(name), name, tmp_path)
    assert "ro-sces@city.akita.lg.jp" not in text
    assert "018-853-1039" in text and "ro-scws@city.akita.lg.jp" in text
    assert text.count("@") == 6  # the other centers' addresses; no empty E-mail line


@pytest.mark.parametrize("name", list(PAGES))
def test_two_hundred_facilities_are_refused_in_japanese(
        facilities: list[FacilityDetail], name: str) -> None:
    facilities[:] = [replace(facilities[i % 8], id=i, name=f"{facilities[i % 8].name}{i}")
                     for i in range(200)]
    with pytest.raises(LeafletDoesNotFit) as caught:
        render(name)
    info = next(i for i in leaflets.catalog() if i.name == name)
    message = str(caught.value)
    assert isinstance(caught.value, UserError)
    assert f"「{info.title}」" in message
    assert "収まりません" in message and "75%" in message


def test_a_few_more_facilities_shrink_the_guide_onto_its_page(
        facilities: list[FacilityDetail], tmp_path: Path) -> None:
    facilities += [replace(f, id=f.id + 100, name=f.name.replace("市民", "第二市民"))
                   for f in facilities[:2]]
    text = check_page(render("facility-guide"), "facility-guide", tmp_path)
    assert text.count("018-853-1039") == 2  # the original and its copy, both on the page


def test_consultation_desk_prints_recorded_hours_and_no_invented_ones(
        facilities: list[FacilityDetail], tmp_path: Path) -> None:
    facilities[7] = replace(facilities[7], hours="9:00〜21:00（毎月第3水曜日休館）")
    text = check_page(render("consultation-desk"), "consultation-desk", tmp_path)
    assert "9:00〜21:00（毎月第3水曜日休館）" in flat(text)
    assert "記載のない施設の開館時間は各施設にお問い合わせください" in flat(text)
    assert "17:" not in text and "8:30" not in text


def test_consultation_desk_prints_the_hours_kept_in_the_facility_form(
        facilities: list[FacilityDetail], tmp_path: Path) -> None:
    from datetime import time

    facilities[4] = replace(facilities[4], opens_at=time(8, 30), closes_at=time(17, 15),
                            open_days="月火水木金", closed_days="土日祝日、年末年始")
    facilities[7] = replace(facilities[7], opens_at=time(9, 0), closes_at=time(21, 0),
                            open_days="月火水木金土日", closed_days="毎月第3水曜日")
    text = flat(check_page(render("consultation-desk"), "consultation-desk", tmp_path))
    assert "中央市民サービスセンター8:30〜17:15（月〜金）休館日:土日祝日、年末年始" in text
    assert "秋田市市民交流サロン9:00〜21:00（毎日）休館日:毎月第3水曜日" in text
    assert "記載のない施設の開館時間は各施設にお問い合わせください" in text


def test_a_facility_card_with_hours_reads_the_structured_hours() -> None:
    from datetime import time

    from kyodo_desk.leaflets.style import facility_card

    salon = replace(seed_facilities()[7], opens_at=time(9, 0), closes_at=time(17, 0),
                    open_days="月火水木金", closed_days="年末年始")
    assert ("開館時間", "9:00〜17:00（月〜金）　休館日: 年末年始") in facility_card(
        salon, hours=True).pairs
    assert "開館時間" not in dict(facility_card(seed_facilities()[0], hours=True).pairs)


# --- the summary edition's text, as data --------------------------------------------------

def shipped_content() -> dict[str, Any]:
    from kyodo_desk.leaflets import summary_edition

    return summary_edition.load_content()


@pytest.fixture
def content(monkeypatch: pytest.MonkeyPatch, facilities: list[FacilityDetail]) -> dict[str, Any]:
    """The summary edition's data, as the leaflet will read it; change it in a test."""
    from kyodo_desk.leaflets import summary_edition

    data = copy.deepcopy(shipped_content())
    monkeypatch.setattr(summary_edition, "load_content", lambda: data)
    return data


def test_eight_glossary_notes_still_fit(content: dict[str, Any], tmp_path: Path) -> None:
    extra = [
        {"term": "都市内地域分権", "text": "地域住民が主体となって地域の特性を生かした個性的で魅力的な"
                                    "まちを形成していく仕組み。" * 2},
        {"term": "地域づくり組織", "text": "町内会や地域の団体などが連携し、地域の課題に取り組む組織。" * 2},
        {"term": "地域愛形成事業", "text": "地域への愛着を育む事業。住民が自ら企画し、実施する。" * 2},
        {"term": "コミュニティビジネス", "text": "地域の課題を、ビジネスの手法で解決する事業。" * 2},
    ]
    content["glossary"] += extra
    content["roles"]["steps"][2]["actions"][0] += "※8"
    text = check_page(render("summary-edition"), "summary-edition", tmp_path)
    for i, note in enumerate(content["glossary"], start=1):
        assert f"※{i}「{note['term']}」" in flat(text)


def test_a_sixty_character_title_wraps_in_the_band(content: dict[str, Any],
                                                   tmp_path: Path) -> None:
    title = "未来の公共をみんなでつくりだそう、" * 4
    title = title[:60]
    assert len(title) == 60
    content["title"] = title
    text = check_page(render("summary-edition"), "summary-edition", tmp_path)
    assert flat(title) in flat(text)
    assert "指針の目指す方向" in text and "用語解説" in text


def test_a_mark_without_its_note_is_refused(content: dict[str, Any]) -> None:
    content["directions"]["items"][0]["heading"] += "※9"
    with pytest.raises(UserError, match="※9"):
        render("summary-edition")


def test_a_whole_book_of_text_is_refused(content: dict[str, Any]) -> None:
    content["introduction"] *= 40
    with pytest.raises(LeafletDoesNotFit, match="秋田市市民協働指針 概要版"):
        render("summary-edition")


# --- the shrink-to-fit build itself ---------------------------------------------------------

def test_fitting_shrinks_step_by_step_then_gives_up() -> None:
    from kyodo_desk.leaflets import fitting

    info = LeafletInfo("test", "試験", "試験用", 1, Audience.PUBLIC)
    scales_seen: list[float] = []

    def compose(lines: int):  # type: ignore[no-untyped-def]
        def make(kit):  # type: ignore[no-untyped-def]
            scales_seen.append(kit.scale)
            return [kit.para("市民協働の拠点施設です。" * 3) for _ in range(lines)]
        return make

    assert fitting.build(info, compose(10)).startswith(b"%PDF")
    assert scales_seen == [1.0]
    scales_seen.clear()
    fitting.build(info, compose(56))  # a little too long at full size
    assert scales_seen[0] == 1.0 and 0.75 <= scales_seen[-1] < 1.0
    scales_seen.clear()
    with pytest.raises(LeafletDoesNotFit, match="「試験」"):
        fitting.build(info, compose(400))
    assert scales_seen == list(fitting.SCALES)
