"""Prints that hold (issue 21): the flyer in the summary edition's style — the seed's ※ note
on its events, no subtitle repeating the title, the lottery, the photo, the application slip
behind a 切り取り線, no blank band — and score sheets of 15 long criteria one page a case,
headings never broken inside a word. Read back from the PDF on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import date, time
from pathlib import Path

from PIL import Image

from kyodo_desk.domain.events import EventKind
from kyodo_desk.domain.grants import Criterion, Stage
from kyodo_desk.leaflets.style import MARGIN_BOTTOM, PAGE_SIZE
from kyodo_desk.services.events import SessionDraft, photos
from tests.grant_fixtures import group, make_case, make_programme
from tests.leaflets import flat, page_count, text_of
from tests.leaflets.test_event_prints import make_event, officer, render
from tests.leaflets.test_extreme_prints import (
    KATAKANA_TITLE,
    LONG_TITLE,
    problems_of,
    words_broken_in,
    words_of,
)

__all__ = ["officer"]  # a fixture, used by name

TSUMUGIST_NOTE = "市と市民活動団体等を結ぶ人材を養成する講座。市民と市職員がともに学び"
SLIP = ("切り取り線", "申込書", "ふりがな", "氏名", "電話番号", "人数", "提出先")


def jpeg(size: tuple[int, int] = (800, 560)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (90, 150, 190)).save(out, format="JPEG")
    return out.getvalue()


def blank_band(pdf: bytes, tmp_path: Path) -> float:
    """The tallest strip of the page's body with no word in it, as a share of the page."""
    _, words = words_of(pdf, tmp_path)
    body = PAGE_SIZE[1] - MARGIN_BOTTOM
    edges = sorted((w.y0, w.y1) for w in words if w.page == 1 and w.y1 <= body)
    gap, bottom = 0.0, edges[0][1]
    for top, low in edges:
        gap = max(gap, top - bottom)
        bottom = max(bottom, low)
    return max(gap, body - bottom) / PAGE_SIZE[1]


def test_the_tsumugist_flyer_carries_the_seeds_note_and_a_slip_to_cut_off(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, officer, facilities, kind=EventKind.TSUMUGIST, title="つむぎすと講座",
                       description="全3回の講座です。")
    pdf = render("event-flyer", db, actor, event_id=event.id)
    assert page_count(pdf, tmp_path) == 1
    text = flat(text_of(pdf, tmp_path))
    assert "※「つむぎすと講座」" in text and TSUMUGIST_NOTE in text
    assert text.count("つむぎすと講座") == 3  # band, note, slip: no subtitle repeating it
    for expected in SLIP:
        assert expected in text, expected
    assert "イベント名つむぎすと講座" in text
    assert problems_of("event-flyer", pdf, tmp_path) == []
    assert blank_band(pdf, tmp_path) < 0.1


def test_an_event_the_seed_does_not_describe_has_no_note_but_its_kind_as_subtitle(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, officer, facilities, title="市民活動はじめの一歩")
    text = flat(text_of(render("event-flyer", db, actor, event_id=event.id), tmp_path))
    assert "※「" not in text and "用語解説" not in text
    assert "セミナー・講座" in text


def test_a_lottery_says_so_with_its_closing_day_instead_of_first_come(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, officer, facilities, capacity=20, lottery_until=date(2026, 11, 30))
    text = flat(text_of(render("event-flyer", db, actor, event_id=event.id), tmp_path))
    assert "20名応募多数の場合は抽選（11月30日締切）" in text
    assert "先着順" not in text and "キャンセル待ち" not in text


def test_a_photo_is_printed_in_the_upper_part_and_a_cancelled_event_has_no_slip(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, officer, facilities)
    without = render("event-flyer", db, actor, event_id=event.id)
    photos.set_event_photo(db, officer, event.id, jpeg())
    pdf = render("event-flyer", db, actor, event_id=event.id)
    assert b"/Subtype /Image" in pdf and b"/Subtype /Image" not in without
    assert page_count(pdf, tmp_path) == 1 and problems_of("flyer", pdf, tmp_path) == []
    cancelled = make_event(db, officer, facilities, cancelled=True)
    text = flat(text_of(render("event-flyer", db, actor, event_id=cancelled.id), tmp_path))
    assert "中止" in text and "申込書" not in text and "切り取り線" not in text


def test_an_extreme_flyer_with_a_photo_keeps_every_word_on_its_page_and_words_whole(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for title in (LONG_TITLE, KATAKANA_TITLE):
        event = make_event(
            db, officer, facilities, title=title, kind=EventKind.TSUMUGIST,
            description="市と市民活動団体等を結ぶ人材を養成する講座です。" * 14,
            how_to_apply="電話、E-mail、または窓口でお申し込みください。" * 3,
            sessions=tuple(SessionDraft(date(2026, 12, 5 + 7 * n), time(13, 30), time(16),
                                        f"第{n + 1}回 ワークショップ") for n in range(3)))
        photos.set_event_photo(db, officer, event.id, jpeg((600, 900)))
        pdf = render("event-flyer", db, actor, event_id=event.id)
        assert page_count(pdf, tmp_path) == 1
        assert problems_of("event-flyer", pdf, tmp_path) == []
        assert words_broken_in(text_of(pdf, tmp_path), title) == []


def test_score_sheets_of_15_long_criteria_take_one_page_a_case(
        db, admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    criteria = tuple(Criterion(f"観点{n + 1:02d} 地域課題の解決に向けた事業の公益性と、市民協働"
                               "による実施体制の妥当性および継続性", 1 + n % 3, 5 + n % 6)
                     for n in range(15))
    programme = make_programme(db, criteria=criteria, name=KATAKANA_TITLE)
    for n in range(3):
        make_case(db, programme.id, group(db, f"団体{n}"), LONG_TITLE, stage=Stage.APPLICATION)
    pdf = render("grant-score-sheets", db, admin, programme_id=programme.id)
    assert page_count(pdf, tmp_path) == 3
    pages = text_of(pdf, tmp_path).split("\f")[:-1]
    for page in pages:
        found = flat(page)
        assert "審査表" in found and "観点01" in found and "観点15" in found
        assert "コメント" in found and "合計" in found
    assert problems_of("grant-score-sheets", pdf, tmp_path) == []
    ranking = render("grant-ranking", db, admin, programme_id=programme.id)
    assert words_broken_in(text_of(ranking, tmp_path), KATAKANA_TITLE) == []
