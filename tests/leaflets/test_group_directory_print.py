"""市民活動団体一覧 as printed (`group-directory`), read back with poppler: only the fields each
group agreed to publish, nobody's private data, no staff mark; and with no group or with 300
groups of 80-character names, every word inside the page's margins and no page left empty."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from html import unescape
from pathlib import Path

import pytest

from kyodo_desk import leaflets
from kyodo_desk.leaflets.style import MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, PAGE_SIZE, STAFF_ONLY
from tests.group_directory_fixtures import (
    AOZORA,
    AOZORA_HEAD,
    CHAIR,
    HIDDEN,
    KAWABE,
    KAWABE_PHONE,
    KAWABE_UNAGREED,
    PRIVATE,
    Directory,
    directory,
    many_groups,
)
from tests.leaflets import (
    _run,
    assert_fonts_embedded,
    flat,
    kinsoku_offences,
    page_count,
    text_of,
)

TODAY = date(2026, 12, 5)
PUBLIC_ONLY = "公開に同意した項目のみ掲載しています"


@pytest.fixture
def listed(db) -> Directory:  # type: ignore[no-untyped-def]
    return directory(db)


def render(db, actor, **options) -> bytes:  # type: ignore[no-untyped-def]
    return leaflets.render("group-directory", db, actor, today=TODAY, **options)


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float  # from the top of the page, as pdftotext gives it
    x1: float
    y1: float


def pages_of_words(pdf: bytes, tmp_path: Path) -> list[tuple[float, float, list[Word]]]:
    """Each page's width, height and words with their boxes (pdftotext -bbox), in points."""
    html = _run("pdftotext", pdf, tmp_path, "-bbox", "-enc", "UTF-8")
    pages = []
    for width, height, body in re.findall(
            r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, re.S):
        words = [Word(unescape(t), float(a), float(b), float(c), float(d)) for a, b, c, d, t in
                 re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                            r'yMax="([\d.]+)">(.*?)</word>', body)]
        pages.append((float(width), float(height), words))
    return pages


def assert_inside_the_margins_and_no_empty_page(pdf: bytes, tmp_path: Path) -> int:
    """Every word within the page's margins (the footer in the bottom margin), and every page
    with something above its footer. Returns the number of pages."""
    pages = pages_of_words(pdf, tmp_path)
    tolerance = 1.0
    body_bottom = PAGE_SIZE[1] - MARGIN_BOTTOM
    for number, (width, height, words) in enumerate(pages, start=1):
        assert (width, height) == pytest.approx(PAGE_SIZE, abs=0.5)
        outside = [w for w in words
                   if w.x0 < MARGIN_X - tolerance or w.x1 > width - MARGIN_X + tolerance
                   or w.y0 < MARGIN_TOP - tolerance or w.y1 > height]
        assert outside == [], f"page {number}: {outside[:3]}"
        body = [w for w in words if w.y1 <= body_bottom + tolerance]
        footer = [w for w in words if w.y1 > body_bottom + tolerance]
        assert body, f"page {number} holds nothing but its footer"
        assert footer and str(number) in {w.text for w in footer}, f"page {number}: no footer"
    return len(pages)


def test_each_group_shows_only_what_it_agreed_to_publish(  # type: ignore[no-untyped-def]
        db, actor, listed: Directory, tmp_path: Path) -> None:
    pdf = render(db, actor)
    found = flat(text_of(pdf, tmp_path))
    assert "市民活動団体一覧" in found and "令和8年12月5日現在" in found and PUBLIC_ONLY in found
    assert KAWABE in found and AOZORA in found
    # 川辺の会: 代表者名, 電話番号, 活動分野 and 設立年月, and what is always public.
    for shown in (CHAIR.replace(" ", ""), KAWABE_PHONE, "まちづくり、環境の保全", "平成27年4月",
                  "任意団体（法人格なし）", "地域東部"):
        assert shown in found, shown
    for hidden in (*KAWABE_UNAGREED, "25人"):
        assert flat(hidden) not in found, hidden
    # あおぞら子ども食堂 publishes everything; its 代表者 is named by her role.
    for shown in (AOZORA_HEAD.replace(" ", ""), "〒010-0001秋田市中通2-3-8", "018-800-2222",
                  "info@aozora.example.jp", "https://aozora.example.jp",
                  "https://www.instagram.com/aozora_akita", "市内全域", "12人", "令和元年10月"):
        assert shown in found, shown
    for never in (*PRIVATE, *HIDDEN, "内部メモ", STAFF_ONLY):
        assert flat(never) not in found, never
    assert kinsoku_offences(text_of(pdf, tmp_path)) == []
    assert_fonts_embedded(pdf, tmp_path)


def test_sections_by_main_field_or_by_district(  # type: ignore[no-untyped-def]
        db, actor, listed: Directory, tmp_path: Path) -> None:
    by_field = flat(text_of(render(db, actor), tmp_path))
    # In the administrator's order: 保健・医療・福祉 … まちづくり … 子どもの健全育成.
    assert by_field.index("まちづくり（1団体）") < by_field.index("子どもの健全育成（1団体）")
    assert "活動分野別" in by_field
    by_district = flat(text_of(render(db, actor, by="district"), tmp_path))
    assert by_district.index("中央地域（1団体）") < by_district.index("東部地域（1団体）")
    assert "地域別" in by_district
    east = flat(text_of(render(db, actor, district="東部"), tmp_path))
    assert KAWABE in east and AOZORA not in east and "東部地域" in east


def test_no_group_gives_one_page_that_says_so(db, actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pdf = render(db, actor)
    assert assert_inside_the_margins_and_no_empty_page(pdf, tmp_path) == 1
    found = flat(text_of(pdf, tmp_path))
    assert "掲載に同意した団体は、まだありません。" in found and "掲載0団体" in found


def test_three_hundred_groups_with_long_names_stay_inside_their_pages(  # type: ignore[no-untyped-def]
        db, actor, tmp_path: Path) -> None:
    many_groups(db, 300, name_length=80)
    pdf = render(db, actor, by="district")
    pages = assert_inside_the_margins_and_no_empty_page(pdf, tmp_path)
    assert pages == page_count(pdf, tmp_path) and pages > 10
    found = flat(text_of(pdf, tmp_path))
    assert "掲載300団体" in found
    # Every group is there, under its district's heading.
    assert len(re.findall(r"秋田市民活動ネットワーク第\d{3}支部", found)) == 300
    assert "市外（33団体）" in found and "地域の登録なし（33団体）" in found
    assert_fonts_embedded(pdf, tmp_path)


def test_an_unknown_grouping_or_district_is_refused_in_japanese(db, actor) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.domain.errors import UserError

    with pytest.raises(UserError, match="並べ方「town」はありません"):
        render(db, actor, by="town")
    with pytest.raises(UserError, match="地域「東区」はありません"):
        render(db, actor, district="東区")


def test_the_directory_is_in_the_catalogue_as_a_public_list() -> None:
    info = next(i for i in leaflets.catalog() if i.name == "group-directory")
    assert info.title == "市民活動団体一覧" and info.needs == "" and info.pages > 100
