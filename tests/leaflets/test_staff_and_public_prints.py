"""Who a print is for, as its reader sees it (issue 18). Every print declares its audience.
What citizens are handed, shown or asked to sign carries of a person only a name, its よみ and
a number: no notes, no 配慮事項, no phone, e-mail or address, and no staff mark. The staff's
prints say 取扱注意 on every page, and each one made leaves one audit row ("print") naming
the print and its pages, never a value printed on it. And a long course still gets its
one-page receipt, every day of it named."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from kyodo_desk.domain.permissions import Actor
from kyodo_desk.domain.plans import ActionCarrier
from kyodo_desk.leaflets import Audience, catalog, facility_guide
from kyodo_desk.leaflets.style import STAFF_ONLY
from kyodo_desk.models import Attendance, AuditEntry, Contact, ContactKind, Event, Facility
from kyodo_desk.services import contacts, plans
from kyodo_desk.services.events import SessionDraft
from kyodo_desk.services.events.lottery import draw_lottery
from tests.group_directory_fixtures import KAWABE_UNAGREED, PRIVATE, directory
from tests.leaflets import flat, page_count, text_of
from tests.leaflets.test_event_prints import (
    SIGNED_UP_ON,
    make_event,
    pages_of,
    render,
    sign_up,
)
from tests.leaflets.test_grant_prints import screened

NOTE = "車いすで参加します。介助者が同行します。"  # a sign-up's 配慮事項
CONTACT_NOTE = "内部メモ：手話通訳を希望、持病あり"  # every contact's notes
FACILITY_NOTE = "鍵は守衛室で受け取ること（内部用）"
PHONE, EMAIL, ADDRESS = "090-4444-7777", "hanako.yamada@example.jp", "秋田市山王4-4-4"
# Notes are looked for by any six characters of them (`shows_part_of`); the rest whole. Not
# 川辺の会's unpublished postal code: a facility shares it.
NOTES = (NOTE, CONTACT_NOTE, FACILITY_NOTE)
NEVER_PUBLIC = (PHONE, EMAIL, ADDRESS, "配慮事項", STAFF_ONLY, *PRIVATE, *KAWABE_UNAGREED[1:])
NAME, READING = "山田 花子", "やまだ はなこ"
PUBLIC = {"facility-guide", "summary-edition", "consultation-desk", "group-directory",
          "grant-call", "grant-results", "event-flyer", "event-receipt", "event-sign-in",
          "event-badges", "certificates", "plan-report", "guideline-report", "lottery-result"}
STAFF = {"consultation-report", "grant-score-sheets", "grant-ranking", "contact-record",
         "contact-disclosure", "event-roster", "lottery-result-staff"}


@pytest.fixture
def officer(accounts_by_login: dict[str, Any]) -> Any:
    return accounts_by_login["officer"]


@pytest.fixture
def world(db, actor, officer, facilities) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Something to print for every print, full of what the public must never read: each
    contact with notes, each person with a phone, e-mail and address, each facility with an
    internal memo, a sign-up with 配慮事項; the ids each kind of print is made for."""
    listed = directory(db)
    programme = screened(db).programme
    event = make_event(db, officer, facilities, capacity=4, lottery_until=SIGNED_UP_ON)
    signed = sign_up(db, actor, event.id, NAME, READING, party=2, notes=NOTE)
    draw_lottery(db, officer, event.id, today=SIGNED_UP_ON + timedelta(days=1))  # 抽選結果
    with db.writing(Actor.command_line()) as session:
        for contact in session.scalars(select(Contact)):
            contact.notes = CONTACT_NOTE
            if contact.kind is ContactKind.PERSON and contact.name == NAME:
                contact.phone, contact.email, contact.address = PHONE, EMAIL, ADDRESS
        for facility in session.scalars(select(Facility)):
            facility.notes = FACILITY_NOTE
        person = session.scalar(select(Contact.id).where(Contact.name == NAME))
    assert person is not None
    with db.writing(Actor.command_line()) as session:  # 修了: the course's one day attended
        course = session.get(Event, event.id)
        assert course is not None
        course.completion_sessions = 1
        session.add(Attendance(registration_id=signed.id, session_id=course.sessions[0].id,
                               checked_in_at=datetime.now(UTC), checked_in_by="受付"))
    district_plan = plans.create_plan(db, officer, plans.PlanDraft(
        "河辺", "河辺地域まちづくり計画", 2026, 2030, organisation_id=listed.kawabe,
        actions=(plans.ActionDraft("見守り活動", ActionCarrier.JOINT, target=10, unit="回"),)))
    return {"event": event.id, "registration": signed.id, "programme": programme,
            "contact": person, "group": listed.kawabe, "plan": district_plan.id}


def options(needs: str, world: dict[str, int]) -> dict[str, Any]:
    """What `render` is told for a print that *needs* it."""
    return {"": {}, "event": {"event_id": world["event"]},
            "registration": {"registration_id": world["registration"]},
            "programme": {"programme_id": world["programme"]}, "fiscal_year": {"fiscal_year": 2026},
            "contact": {"contact_id": world["contact"]},
            "plan": {"plan_id": world["plan"], "fiscal_year": 2026}}[needs]


def shows_part_of(value: str, text: str) -> bool:
    """Whether *text* (flat) has any six characters running of *value*: a note wrapped in a
    table cell comes out of pdftotext cut and interleaved with the next cell."""
    v = flat(value)
    return any(v[i:i + 6] in text for i in range(max(1, len(v) - 5)))


def prints_row_count(db) -> int:  # type: ignore[no-untyped-def]
    with db.reading(Actor.command_line()) as session:
        return session.scalar(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == "print")) or 0


def test_every_print_declares_who_it_is_for() -> None:
    infos = catalog(every=True)
    assert {i.name for i in infos if i.audience is Audience.PUBLIC} == PUBLIC
    assert {i.name for i in infos if i.audience is Audience.STAFF} == STAFF
    assert all(i.records for i in infos if i.audience is Audience.STAFF)


def test_no_print_for_the_public_shows_a_note_a_phone_or_a_staff_mark(
        db, admin, world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = prints_row_count(db)
    for info in catalog(every=True):
        if info.audience is not Audience.PUBLIC:
            continue
        found = flat(text_of(render(info.name, db, admin, **options(info.needs, world)),
                             tmp_path))
        leaked = [value for value in NOTES if shows_part_of(value, found)]
        leaked += [value for value in NEVER_PUBLIC if flat(value) in found]
        assert leaked == [], info.name
        if info.name in ("event-sign-in", "event-badges", "event-receipt", "certificates"):
            assert flat(NAME) in found, info.name
    assert prints_row_count(db) == before  # a handout is not a disclosure to log


def test_the_sign_in_sheet_has_name_reading_party_number_and_a_box_to_sign(
        db, admin, world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sheet = flat(text_of(render("event-sign-in", db, admin, event_id=world["event"]),
                         tmp_path))
    for shown in (NAME, READING, "2名", "受付番号", "署名"):
        assert flat(shown) in sheet, shown
    # The 参加者名簿 the staff keep is where the 配慮事項 are.
    roster = flat(text_of(render("event-roster", db, admin, event_id=world["event"]), tmp_path))
    assert flat(NOTE) in roster


def test_every_staff_print_says_so_on_every_page_and_leaves_one_audit_row_without_values(
        db, admin, world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    personal = (NOTE, CONTACT_NOTE, PHONE, EMAIL, ADDRESS, NAME, READING)
    for info in catalog(every=True):
        if info.audience is not Audience.STAFF:
            continue
        made = options(info.needs, world)
        before = prints_row_count(db)
        pdf = render(info.name, db, admin, month=date(2026, 11, 1), **made)
        pages = pages_of(pdf, tmp_path)
        assert pages and all(STAFF_ONLY in page for page in pages), info.name
        assert prints_row_count(db) == before + 1, info.name
        with db.reading(Actor.command_line()) as session:
            row = session.scalars(select(AuditEntry).where(AuditEntry.action == "print")
                                  .order_by(AuditEntry.id.desc()).limit(1)).one()
        assert (row.table_name, row.record_id, row.actor) == (
            info.records, next(iter(made.values()), None), admin.name), info.name
        assert row.changes == {"印刷物": [None, info.title],
                               "ページ数": [None, page_count(pdf, tmp_path)]}, info.name
        logged = json.dumps(row.changes, ensure_ascii=False)
        assert not [value for value in personal if value in logged], info.name
    # The カルテ printed is the person's own, with what the staff need of them.
    record = flat(text_of(render("contact-record", db, admin, contact_id=world["contact"]),
                          tmp_path))
    assert flat(PHONE) in record and flat(NAME) in record


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
