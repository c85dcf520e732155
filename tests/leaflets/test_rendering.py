"""Each leaflet, rendered from a seeded database (SQLite and PostgreSQL), read back from the PDF:
its fonts, pages, text, line breaks and date."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from kyodo_desk import leaflets
from tests.leaflets import (
    assert_fonts_embedded,
    flat,
    kinsoku_offences,
    page_count,
    text_of,
)

TODAY = date(2026, 11, 24)
ALLOWED_PAGES = {"facility-guide": 1, "summary-edition": 2, "consultation-desk": 1}


@pytest.fixture(params=list(ALLOWED_PAGES))
def name(request: pytest.FixtureRequest) -> str:
    return request.param


def test_every_leaflet_embeds_only_the_japanese_font(db, actor, name, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pdf = leaflets.render(name, db, actor, today=TODAY)
    assert pdf.startswith(b"%PDF-")
    assert_fonts_embedded(pdf, tmp_path)


def test_every_leaflet_keeps_to_its_pages(db, actor, name, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pdf = leaflets.render(name, db, actor, today=TODAY)
    info = next(i for i in leaflets.catalog() if i.name == name)
    assert info.pages == ALLOWED_PAGES[name]
    if name == "summary-edition":
        assert 1 <= page_count(pdf, tmp_path) <= 2
    else:
        assert page_count(pdf, tmp_path) == 1


def test_no_line_breaks_against_the_kinsoku_rules(db, actor, name, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = text_of(leaflets.render(name, db, actor, today=TODAY), tmp_path)
    assert kinsoku_offences(text) == []


def test_the_date_is_printed_in_the_era(db, actor, name, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = text_of(leaflets.render(name, db, actor, today=TODAY), tmp_path)
    assert "令和8年11月" in text
    assert "2026" not in text


def test_facility_guide_has_every_phone_mail_and_postal_code_of_the_seed(
        db, actor, seed_text: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = text_of(leaflets.render("facility-guide", db, actor, today=TODAY), tmp_path)
    phones = re.findall(r"\d{3}-\d{3}-\d{4}", seed_text)
    mails = re.findall(r"[\w.-]+@[\w.-]+", seed_text)
    postal_codes = re.findall(r"〒(\d{3}-\d{4})", seed_text)
    assert (len(phones), len(mails), len(postal_codes)) == (8, 7, 8)
    for value in phones + mails:
        assert value in text
    for code in postal_codes:
        assert f"〒{code}" in text
    for url in re.findall(r"https?://\S+", seed_text):
        assert url in text  # the web pages, and the salon's Facebook page
    for facility in re.findall(r"^(\S+(?:市民サービスセンター|市民交流サロン))$", seed_text,
                               re.MULTILINE):
        assert facility in text
    assert "市民協働・都市内地域分権の拠点施設" in text


def test_summary_edition_has_the_directions_and_the_glossary(
        db, actor, seed_text: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = text_of(leaflets.render("summary-edition", db, actor, today=TODAY), tmp_path)
    headings = re.findall(r"^([1-5])\t\s*(\S+)$", seed_text, re.MULTILINE)
    assert len(headings) == 5
    for _, heading in headings:
        assert flat(heading) in flat(text)
    terms = re.findall(r"^(※[1-4]「[^」]+」)", seed_text, re.MULTILINE)
    assert len(terms) == 4
    for term in terms:
        assert term in flat(text)
    for words in ("未来の公共を", "みんなでつくりだそう", "平成30年2月", "用語解説",
                  "チャレンジ", "ステップアップ", "パートナーシップ", "市民の役割", "市の役割",
                  "計画", "PLAN", "実行", "DO", "評価", "CHECK", "改善", "ACT"):
        assert words in text
    for phone in re.findall(r"\d{3}-\d{3}-\d{4}", seed_text):
        assert phone in text  # the contact block, from the database


def test_consultation_desk_lists_the_topics_and_asks_to_call_for_hours(
        db, actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = text_of(leaflets.render("consultation-desk", db, actor, today=TODAY), tmp_path)
    for topic in ("団体設立", "NPO法人化", "団体運営", "資金・交付金", "広報・PR",
                  "協働事業提案", "地域づくり", "施設利用", "人材・ボランティア", "その他"):
        assert topic in text
    assert "相談窓口のご案内" in text
    assert "開館時間は各施設にお問い合わせください" in text  # no hours are recorded in the seed
    assert "018-887-5312" in text and "秋田市市民交流サロン" in text


def test_rendering_twice_gives_the_same_pages(db, actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = text_of(leaflets.render("facility-guide", db, actor, today=TODAY), tmp_path)
    second = text_of(leaflets.render("facility-guide", db, actor, today=TODAY), tmp_path)
    assert first == second


def test_the_default_date_is_today(db, actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.domain.dates import era_year_month

    before = era_year_month(date.today())
    text = text_of(leaflets.render("consultation-desk", db, actor), tmp_path)
    assert before in text or era_year_month(date.today()) in text  # a month may turn meanwhile
