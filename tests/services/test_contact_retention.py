"""Retention of people (個人の保存年限) and of sign-ups' notes, on both databases: what counts as
activity, the boundary day, 29 February, the figures kept, the audit, who may do it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, update

from kyodo_desk.domain.errors import ValidationError
from kyodo_desk.domain.permissions import Actor, PermissionDenied
from kyodo_desk.models import AuditEntry, Contact, Registration
from kyodo_desk.services import consultations as cons
from kyodo_desk.services import contact_retention as retention
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import Affiliation, ContactDraft, ContactKind, GroupType
from kyodo_desk.services.contacts.erasure import erase_contact
from kyodo_desk.services.events import SessionDraft
from kyodo_desk.services.events.registrations import SignUpDraft, sign_up
from kyodo_desk.services.retention import retention_cutoff
from tests.consultation_fields import valid
from tests.event_fixtures import make_event
from tests.services.test_retention import figures

CLI = Actor.command_line()
TODAY = date(2026, 11, 25)
CUTOFF = date(2021, 11, 25)  # five years before TODAY: activity on it keeps a person
LONG_AGO = datetime(2019, 4, 1, 9, tzinfo=UTC)


def at_start_of(day: date, seconds: int = 0) -> datetime:
    """The start of *day* here, moved by *seconds*, as a stored stamp."""
    return retention.stamp_cutoff(day) + timedelta(seconds=seconds)


def aged(db, contact_id: int, when: datetime = LONG_AGO) -> None:  # type: ignore[no-untyped-def]
    """The record as if last changed *when* (the stamps the app writes itself)."""
    with db.begin_write() as connection:
        connection.execute(update(Contact.__table__).where(Contact.__table__.c.id == contact_id)
                           .values(created_at=when, updated_at=when))


def person(db, name: str, **fields) -> int:  # type: ignore[no-untyped-def]
    return svc.create_contact(db, CLI, ContactDraft(kind=ContactKind.PERSON, name=name,
                                                    **fields)).id


def consult(db, officer, facility_id: int, contact_id: int, held_on: date) -> None:  # type: ignore[no-untyped-def]
    cons.create_consultation(db, officer, cons.ConsultationDraft(
        held_on=held_on, facility_id=facility_id, start_time=time(10), asked="会の運営の相談",
        **valid({"consultee_contact_id": contact_id})))


def old_event(db, facility_id: int, last_day: date) -> int:  # type: ignore[no-untyped-def]
    return make_event(db, facility_id, sessions=(SessionDraft(last_day, time(10), time(12), ""),),
                      signup_opens_on=None, signup_closes_on=None).id


def signed_up(db, officer, event_id: int, contact_id: int, note: str,  # type: ignore[no-untyped-def]
              when: datetime = LONG_AGO) -> int:
    reg = sign_up(db, officer, event_id, SignUpDraft(contact_id, 1, note),
                  override_window=True).registration.id
    with db.begin_write() as connection:
        connection.execute(update(Registration.__table__)
                           .where(Registration.__table__.c.id == reg)
                           .values(created_at=when, updated_at=when))
    return reg


@pytest.fixture
def officer(accounts_by_login) -> Actor:  # type: ignore[no-untyped-def]
    return accounts_by_login["officer"]


def test_kept_for_ever_until_set_then_only_the_inactive_are_listed(
        db, admin, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    east = facilities["east"]
    ids = {name: person(db, name) for name in (
        "休眠 一郎", "境界 二郎", "前日 三郎", "申込 四郎", "最近 五郎", "代表 六郎")}
    for contact_id in ids.values():
        aged(db, contact_id)
    consult(db, officer, east, ids["境界 二郎"], CUTOFF)
    consult(db, officer, east, ids["前日 三郎"], CUTOFF - timedelta(days=1))
    signed_up(db, officer, old_event(db, east, date(2019, 5, 1)), ids["申込 四郎"], "",
              when=at_start_of(CUTOFF))
    aged(db, ids["最近 五郎"], at_start_of(CUTOFF))
    group = svc.create_contact(db, CLI, ContactDraft(
        kind=ContactKind.GROUP, name="代表の会", group_type=GroupType.OTHER,
        representative=Affiliation(ids["代表 六郎"], ""))).id
    for contact_id in ids.values():  # the consultations and sign-ups above touched none
        if contact_id != ids["最近 五郎"]:
            aged(db, contact_id)
    aged(db, ids["最近 五郎"], at_start_of(CUTOFF))
    one_second_before = person(db, "一秒前 七郎")
    aged(db, one_second_before, at_start_of(CUTOFF, -1))

    assert retention.inactive_people(db, admin, TODAY) == []  # no retention set
    retention.set_retention_years(db, admin, 5)
    listed = retention.inactive_people(db, admin, TODAY)

    assert listed == sorted([ids["休眠 一郎"], ids["前日 三郎"], one_second_before])
    assert group not in listed  # groups are not anonymised by age


def test_a_person_erased_already_is_left_and_notes_do_not_say_who_is(
        db, admin) -> None:  # type: ignore[no-untyped-def]
    erased = person(db, "消去 一郎")
    erase_contact(db, admin, erased, "本人の申出", today=date(2020, 1, 10))
    # Typed by a clerk: the words of an erasure in the notes make no one erased.
    typed = person(db, "手書き 二郎", notes="削除・利用停止 2020-01-10")
    for contact_id in (erased, typed):
        aged(db, contact_id)
    retention.set_retention_years(db, admin, 5)
    assert retention.inactive_people(db, admin, TODAY) == [typed]


def test_anonymising_erases_the_inactive_and_clears_old_sign_up_notes(
        db, admin, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    east = facilities["east"]
    dormant, active = person(db, "休眠 花子", phone="090-1111-2222"), person(db, "常連 太郎")
    old = old_event(db, east, CUTOFF - timedelta(days=1))
    kept_event = old_event(db, east, CUTOFF)
    notes = {
        "old": signed_up(db, officer, old, active, "手話通訳を希望", when=at_start_of(TODAY)),
        "kept": signed_up(db, officer, kept_event, active, "車いすを使用",
                          when=at_start_of(TODAY)),
        "dormant": signed_up(db, officer, old, dormant, "託児を希望"),
    }
    consult(db, officer, east, dormant, date(2020, 6, 1))
    aged(db, dormant)
    retention.set_retention_years(db, admin, 5)
    before = figures(db)
    assert retention.expired_sign_up_count(db, admin, TODAY) == 2

    result = retention.anonymise_inactive(db, admin, TODAY, batch=1)

    assert (result.people, result.sign_ups) == (1, 1)  # the dormant one's went with them
    assert figures(db) == before
    gone = svc.get_contact(db, CLI, dormant)
    assert (gone.name, gone.phone, gone.notes, gone.erased_on) == (
        f"（削除済み）{dormant}", "", "", TODAY)
    assert svc.get_contact(db, CLI, active).name == "常連 太郎"
    with db.reading(None) as session:
        stored = dict(session.execute(select(Registration.id, Registration.notes)).all())
        audit = session.execute(select(AuditEntry.table_name, AuditEntry.record_id,
                                       AuditEntry.changes)
                                .where(AuditEntry.action == "anonymise")
                                .order_by(AuditEntry.id)).all()
    assert stored == {notes["old"]: "", notes["kept"]: "車いすを使用", notes["dormant"]: ""}
    assert [(a.table_name, a.record_id) for a in audit] == [
        ("contacts", None), ("registrations", None)]
    assert audit[0].changes["番号"] == [dormant]
    assert audit[0].changes["理由"] == "保存年限の経過"
    assert audit[1].changes["メモを消去した申込"] == 1
    # A second run finds nothing left to do.
    assert retention.inactive_people(db, admin, TODAY) == []
    assert retention.anonymise_inactive(db, admin, TODAY).people == 0


@pytest.mark.parametrize("login", ["staff", "advisor", "officer"])
def test_only_the_administrator_sets_lists_and_anonymises(
        db, admin, accounts_by_login, login: str) -> None:  # type: ignore[no-untyped-def]
    other = accounts_by_login[login]
    dormant = person(db, "休眠 花子")
    aged(db, dormant)
    retention.set_retention_years(db, admin, 5)
    for call in (lambda: retention.set_retention_years(db, other, 1),
                 lambda: retention.inactive_people(db, other, TODAY),
                 lambda: retention.anonymise_inactive(db, other, TODAY)):
        with pytest.raises(PermissionDenied):
            call()
    assert retention.retention_years(db, admin) == 5
    assert svc.get_contact(db, CLI, dormant).name == "休眠 花子"


@pytest.mark.parametrize("years", [0, 101])
def test_years_outside_1_to_100_are_refused(db, admin, years: int) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        retention.set_retention_years(db, admin, years)
    assert "個人の連絡先の保存年限" in (refused.value.for_field("retention_years") or "")
    assert retention.retention_years(db, admin) is None


@given(today=st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31)),
       years=st.integers(min_value=1, max_value=100))
def test_the_cutoff_is_the_same_day_years_before_and_its_stamp_starts_it(
        today: date, years: int) -> None:
    cutoff = retention_cutoff(today, years)
    assert cutoff.year == today.year - years and cutoff.month == today.month
    assert cutoff.day == today.day or (today.month, today.day, cutoff.day) == (2, 29, 28)
    stamp = retention.stamp_cutoff(cutoff)
    assert stamp.astimezone().date() == cutoff
    assert (stamp - timedelta(microseconds=1)).astimezone().date() == cutoff - timedelta(days=1)


def test_on_29_february_the_cutoff_of_a_non_leap_year_is_28_february(
        db, admin, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    leap_day = date(2024, 2, 29)
    on_28th, on_27th = person(db, "二月 二十八"), person(db, "二月 二十七")
    consult(db, officer, facilities["east"], on_28th, date(2023, 2, 28))
    consult(db, officer, facilities["east"], on_27th, date(2023, 2, 27))
    aged(db, on_28th)
    aged(db, on_27th)
    retention.set_retention_years(db, admin, 1)
    assert retention.inactive_people(db, admin, leap_day) == [on_27th]
