"""Who a print is for, as its reader sees it: the staff's lists of people and scores say
取扱注意 on every page; what is handed out or put up carries no one's notes (配慮事項, a
facility's internal memo) and no such mark. And a long course still gets its one-page
receipt, every day of it named."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from kyodo_desk.leaflets import catalog, facility_guide
from kyodo_desk.leaflets.style import STAFF_ONLY
from kyodo_desk.services import contacts
from kyodo_desk.services.events import SessionDraft
from tests.leaflets import flat, page_count, text_of
from tests.leaflets.test_event_prints import make_event, pages_of, render, sign_up
from tests.leaflets.test_grant_prints import screened

NOTE = "車いすで参加します。介助者が同行します。"


@pytest.fixture
def officer(accounts_by_login: dict[str, Any]) -> Any:
    return accounts_by_login["officer"]


def test_the_event_lists_for_staff_say_so_on_every_page_and_handouts_do_not(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, officer, facilities, capacity=4)
    signed = sign_up(db, actor, event.id, "山田 花子", "やまだ はなこ", notes=NOTE)
    for name in ("event-roster", "event-sign-in"):
        pages = pages_of(render(name, db, actor, event_id=event.id), tmp_path)
        assert pages and all(STAFF_ONLY in page for page in pages), name
    # The 出席簿 lies at the door for every attendee to sign: no one's 配慮事項 on it (the
    # 参加者名簿 the staff keep has them).
    sheet = flat(text_of(render("event-sign-in", db, actor, event_id=event.id), tmp_path))
    assert "山田花子" in sheet and flat(NOTE) not in sheet and "配慮事項" not in sheet
    assert flat(NOTE) in flat(text_of(render("event-roster", db, actor, event_id=event.id),
                                      tmp_path))
    handouts = {"event-flyer": {"event_id": event.id}, "event-badges": {"event_id": event.id},
                "event-receipt": {"registration_id": signed.id}}
    for name, ids in handouts.items():
        found = flat(text_of(render(name, db, actor, **ids), tmp_path))
        assert STAFF_ONLY not in found and flat(NOTE) not in found, name
        assert "山田花子" in found or name == "event-flyer"


def test_score_sheets_and_ranking_say_so_on_every_page(
        db, admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    programme = screened(db).programme
    for name in ("grant-score-sheets", "grant-ranking"):
        pages = pages_of(render(name, db, admin, programme_id=programme), tmp_path)
        assert pages and all(STAFF_ONLY in page for page in pages), name
    for name, options in (("grant-call", {"programme_id": programme}),
                          ("grant-results", {"fiscal_year": 2026})):
        assert STAFF_ONLY not in flat(text_of(render(name, db, admin, **options), tmp_path))


def test_the_facility_guide_never_prints_a_facilitys_internal_notes(
        db, admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    memo = "鍵は守衛室で受け取ること（内部用）"
    noted = [replace(f, notes=memo) for f in contacts.list_facilities(db, admin)]
    info = next(i for i in catalog() if i.name == "facility-guide")
    found = flat(text_of(facility_guide.build(noted, info=info, today=date(2026, 11, 24)),
                         tmp_path))
    assert noted[0].name in found and flat(memo) not in found and STAFF_ONLY not in found


def test_a_course_of_thirty_evenings_gets_a_one_page_receipt_naming_every_day(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    days = [date(2026, 12, 1) + timedelta(weeks=n) for n in range(30)]
    event = make_event(db, officer, facilities, capacity=None, sessions=tuple(
        SessionDraft(day, time(18, 30), time(20, 45), f"第{n}回")
        for n, day in enumerate(days, start=1)))
    signed = sign_up(db, actor, event.id, "山田 花子", "やまだ はなこ")
    pdf = render("event-receipt", db, actor, registration_id=signed.id)
    assert page_count(pdf, tmp_path) == 1
    found = flat(text_of(pdf, tmp_path))
    assert "全30回18:30～20:45" in found
    assert "令和8年12月1日（火）、12/8（火）" in found and "令和9年1月5日（火）" in found
    assert "6/22（火）" in found  # the last evening
