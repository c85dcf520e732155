"""Reads of personal data (閲覧の記録): each page, search or record shown leaves exactly one
audit row holding no value shown and no word searched — on both databases."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from kyodo_desk.database import open_database
from kyodo_desk.database.changes import _changed_since, _last_audit_entry
from kyodo_desk.domain.errors import ReadOnlyDatabase
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import AuditEntry, ContactKind
from kyodo_desk.services import audit_log
from kyodo_desk.services import contacts as contact_svc
from kyodo_desk.services.consultations import ConsultationDraft, create_consultation
from kyodo_desk.services.consultations.listing import ConsultationFilter, list_consultations
from kyodo_desk.services.contacts.record import contact_record
from kyodo_desk.services.events import registrations
from kyodo_desk.services.events.checkin import CheckInOutcome, check_in
from kyodo_desk.services.grants import cases as grant_cases
from tests.consultation_fields import valid
from tests.event_fixtures import make_event
from tests.grant_fixtures import group, make_case, make_programme

NAME, READING, PHONE = "佐藤 花子", "さとう はなこ", "018-888-1234"
ASKED = "NPO法人を設立したいが、定款の書き方が分からない。"


def add_person(db, name: str = NAME, **fields) -> int:  # type: ignore[no-untyped-def]
    return contact_svc.create_contact(db, Actor.command_line(), contact_svc.ContactDraft(
        kind=ContactKind.PERSON, name=name, **fields)).id


def last_id(db) -> int:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        return session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)) or 0


def rows_after(db, after: int) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        rows = list(session.scalars(select(AuditEntry).where(AuditEntry.id > after)
                                    .order_by(AuditEntry.id)))
        session.expunge_all()
        return rows


def only_row(db, after: int) -> AuditEntry:  # type: ignore[no-untyped-def]
    """The one audit row written since *after* (fails if none or several)."""
    [row] = rows_after(db, after)
    return row


def holds_none_of(row: AuditEntry, *values: str) -> bool:
    stored = json.dumps(row.changes, ensure_ascii=False)
    return not any(v in stored for v in values)


@pytest.fixture
def people(db) -> list[int]:  # type: ignore[no-untyped-def]
    ids = [add_person(db, NAME, reading=READING, phone=PHONE, address="秋田市山王一丁目1-1")]
    ids += [add_person(db, f"利用者{n:02d}") for n in range(5)]
    return ids


# --- contacts ---------------------------------------------------------------------------------

def test_a_page_of_the_contact_list_leaves_one_row_and_the_next_page_one_more(
        db, actor, people) -> None:  # type: ignore[no-untyped-def]
    before = last_id(db)
    first = contact_svc.search_contacts(db, actor, limit=4)
    row = only_row(db, before)
    assert (row.action, row.table_name, row.record_id, row.account_id) == (
        "read", "contacts", None, actor.account_id)
    assert row.changes == {"view": "contact_list", "rows": 4, "offset": 0, "page": 1}
    assert holds_none_of(row, NAME, PHONE)

    assert first.next_key is not None
    between = last_id(db)
    second = contact_svc.search_contacts(db, actor, after=first.next_key, limit=4)
    assert len(second.entries) == 2
    scrolled = only_row(db, between)
    assert scrolled.changes["offset"] == 4 and scrolled.changes["rows"] == 2
    assert len(rows_after(db, before)) == 2


def test_a_search_leaves_one_row_without_the_words_searched(db, actor, people) -> None:  # type: ignore[no-untyped-def]
    before = last_id(db)
    for district in ("", None):  # "": 地域 未設定, as every one of these
        page = contact_svc.search_contacts(db, actor, "佐藤　花子", kinds=[ContactKind.PERSON],
                                           district=district)
        assert [e.name for e in page.entries] == [NAME]
    first, second = rows_after(db, before)
    assert second.changes == {"view": "contact_list", "rows": 1, "offset": 0, "page": 1,
                              "search": True, "filters": "kinds"}
    assert first.changes["filters"] == "district,kinds"  # the kinds of filter, not the 地域
    for row in (first, second):
        assert holds_none_of(row, "佐藤", "花子", "さとう", PHONE)


def test_a_contact_shown_and_its_record_each_leave_one_row(db, actor, people) -> None:  # type: ignore[no-untyped-def]
    before = last_id(db)
    assert contact_svc.get_contact(db, actor, people[0]).phone == PHONE
    opened = only_row(db, before)
    assert (opened.action, opened.table_name, opened.record_id) == ("open", "contacts",
                                                                   people[0])
    between = last_id(db)
    record = contact_record(db, actor, people[0])
    assert record.contact.name == NAME
    row = only_row(db, between)
    assert (row.action, row.record_id) == ("open", people[0])
    assert row.changes["view"] == "contact_record"
    assert holds_none_of(row, NAME, PHONE) and holds_none_of(opened, NAME, PHONE)


# --- consultations ----------------------------------------------------------------------------

def test_a_consultation_list_page_and_a_search_each_leave_one_row(
        db, actor, facilities, people) -> None:  # type: ignore[no-untyped-def]
    for day in range(3):
        create_consultation(db, actor, ConsultationDraft(**valid(dict(
            held_on=date.today() - timedelta(days=day + 1), facility_id=facilities["east"],
            asked=ASKED, consultee_contact_id=people[0]))))
    before = last_id(db)
    page = list_consultations(db, actor, limit=2)
    assert len(page.rows) == 2
    row = only_row(db, before)
    assert (row.action, row.table_name, row.record_id) == ("read", "consultations", None)
    assert row.changes == {"view": "consultation_list", "rows": 2, "offset": 0, "page": 1}

    between = last_id(db)
    list_consultations(db, actor, limit=2, after=page.next_key, position=2)
    assert only_row(db, between).changes["page"] == 2

    between = last_id(db)
    found = list_consultations(db, actor, ConsultationFilter(
        text="定款", facility_id=facilities["east"], date_from=date.today() - timedelta(days=9)))
    assert len(found.rows) == 3
    searched = only_row(db, between)
    assert searched.changes["search"] is True
    assert searched.changes["filters"] == "facility,period"
    assert holds_none_of(searched, "定款", ASKED, NAME)


# --- grants and events ------------------------------------------------------------------------

def test_a_grant_case_timeline_shown_leaves_one_row(db, accounts_by_login) -> None:  # type: ignore[no-untyped-def]
    officer = accounts_by_login["officer"]
    case = make_case(db, make_programme(db).id, group(db))
    grant_cases.add_note(db, officer, case.id, "代表の方の体調がすぐれず、提出が遅れる見込み。")
    before = last_id(db)
    detail = grant_cases.get_case(db, officer, case.id)
    assert any(e.kind == "note" for e in detail.timeline)
    row = only_row(db, before)
    assert (row.action, row.table_name, row.record_id) == ("open", "grant_cases", case.id)
    assert row.changes == {"view": "grant_case", "timeline": len(detail.timeline)}
    assert holds_none_of(row, "体調", "まちなか")


def test_a_sign_up_list_leaves_one_row_and_a_door_check_shown_again_one(
        db, actor, facilities, people) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"])
    signed = [registrations.sign_up(db, actor, event.id, registrations.SignUpDraft(
        contact_id, notes="車いすを使用")).registration for contact_id in people[:3]]
    before = last_id(db)
    assert len(registrations.list_registrations(db, actor, event.id)) == 3
    row = only_row(db, before)
    assert (row.action, row.table_name, row.record_id) == ("read", "registrations", None)
    assert row.changes == {"view": "sign_ups", "rows": 3, "event_id": event.id}
    assert holds_none_of(row, NAME, "車いす")

    session_id = event.sessions[0].id
    assert check_in(db, actor, signed[0].id, session_id).outcome is CheckInOutcome.CHECKED_IN
    between = last_id(db)
    again = check_in(db, actor, signed[0].id, session_id)
    assert again.outcome is CheckInOutcome.ALREADY  # shown, nothing changed: one read row
    row = only_row(db, between)
    assert (row.action, row.table_name, row.record_id) == ("open", "registrations",
                                                           signed[0].id)
    assert row.changes == {"view": "check_in"}


def test_an_export_of_the_sign_ups_is_one_export_row_not_a_read_too(
        db, actor, facilities, people, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.exports.participants import export_participants

    event = make_event(db, facilities["east"])
    registrations.sign_up(db, actor, event.id, registrations.SignUpDraft(people[0]))
    before = last_id(db)
    export_participants(db, actor, event.id, "csv", tmp_path / "sign-ups.csv")
    assert only_row(db, before).action == "export"


# --- the log's viewer, and a database that cannot record ---------------------------------------

def test_the_audit_viewer_words_a_read_in_japanese(db, actor, admin, people) -> None:  # type: ignore[no-untyped-def]
    first = contact_svc.search_contacts(db, actor, "利用者", limit=2, kinds=[ContactKind.PERSON])
    contact_svc.search_contacts(db, actor, "利用者", after=first.next_key, limit=2,
                                kinds=[ContactKind.PERSON])
    [row] = audit_log.search_audit(db, admin, audit_log.AuditFilter(action="read"), limit=1)
    assert row.action_label == "一覧の閲覧"
    assert row.table_label == "連絡先"
    assert row.description_lines == ["連絡先の一覧 2ページ目（3件目から） 2件",
                                     "検索あり（検索した語は記録しません）", "絞り込み: 区分"]


def test_the_viewer_names_the_event_of_a_sign_up_list(db, actor, admin, facilities,
                                                     people) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], title="はじめての会計講座")
    registrations.sign_up(db, actor, event.id, registrations.SignUpDraft(people[0]))
    registrations.list_registrations(db, actor, event.id)
    [row] = audit_log.search_audit(db, admin, audit_log.AuditFilter(action="read"), limit=1)
    assert row.description == "申込者の一覧 1件; イベント: はじめての会計講座"


def test_a_read_only_database_shows_no_personal_data_and_says_why(
        database_url: str, people) -> None:  # type: ignore[no-untyped-def]
    reader = open_database(database_url)
    try:
        reader.make_read_only("このデータベースは新しい版の協働デスクで更新されています。")
        staff = Actor.command_line()
        with pytest.raises(ReadOnlyDatabase) as refused:
            contact_svc.search_contacts(reader, staff, "佐藤")
        assert "閲覧の記録" in refused.value.message
        assert "新しい版" in refused.value.message
        with pytest.raises(ReadOnlyDatabase):
            contact_svc.get_contact(reader, staff, people[0])
        assert contact_svc.search_facilities(reader, staff)  # no personal data: still read
    finally:
        reader.dispose()


def test_a_search_that_finds_no_one_leaves_no_row(db, actor, people) -> None:  # type: ignore[no-untyped-def]
    before = last_id(db)
    assert contact_svc.search_contacts(db, actor, "該当なしの名前").entries == []
    assert rows_after(db, before) == []


# PostgreSQL never announces the audit log (database/changes.py): SQLite's watcher alone reads it.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_on_sqlite_a_commit_of_read_rows_alone_is_no_change_for_the_views(
        db, actor, people) -> None:  # type: ignore[no-untyped-def]
    """The live refresh must not hear its own read rows, or each refresh would start the next."""
    watcher = sqlite3.connect(f"file:{db.url.database}?mode=ro", uri=True)
    try:
        last = _last_audit_entry(watcher)
        contact_svc.search_contacts(db, actor, "利用者")
        contact_svc.get_contact(db, actor, people[0])
        changed, last = _changed_since(watcher, last)
        assert not changed
        add_person(db, "新しい 利用者")
        changed, _ = _changed_since(watcher, last)
        assert changed
    finally:
        watcher.close()
