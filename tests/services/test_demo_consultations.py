"""Made-up consultations (架空の相談記録): realistic, consistent with what the app itself
writes (search columns, 新規/継続, the FTS/GIN index), audited per batch, on both databases."""

from __future__ import annotations

import shutil
from collections import Counter, defaultdict
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kyodo_desk.database import open_database
from kyodo_desk.domain.labels import AGE_BANDS, AREAS, DISTRICTS
from kyodo_desk.domain.permissions import Actor, PermissionDenied, Role
from kyodo_desk.domain.text import fold, gram_document, query_grams
from kyodo_desk.models import (
    Account,
    AuditEntry,
    Consultation,
    ConsultationStatus,
    ConsultationTopic,
    ConsultationTopicLink,
    Contact,
    Facility,
)
from kyodo_desk.services import accounts
from kyodo_desk.services.accounts import SignInRefused
from kyodo_desk.services.demo import DEMO_NOTE, add_demo_consultations, add_demo_contacts

TODAY = date(2026, 11, 24)  # a Tuesday, in fiscal year 2026 (令和8年度)
FIRST_DAY = date(2022, 4, 1)  # five fiscal years: 2022 … 2026
COUNT = 600


def consultations(db) -> list[Consultation]:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        rows = list(session.scalars(select(Consultation).order_by(Consultation.held_on,
                                                                  Consultation.id)))
        session.expunge_all()
        return rows


def topic_links(db) -> dict[int, list[int]]:  # type: ignore[no-untyped-def]
    links: dict[int, list[int]] = defaultdict(list)
    with db.reading(None) as session:
        for cid, tid in session.execute(select(ConsultationTopicLink.consultation_id,
                                               ConsultationTopicLink.topic_id)):
            links[cid].append(tid)
    return links


@pytest.fixture
def filled(db):  # type: ignore[no-untyped-def]
    progress: list[tuple[int, int]] = []
    added = add_demo_consultations(db, Actor.command_line(), COUNT, seed=3, today=TODAY,
                                   batch=250, progress=lambda *p: progress.append(p))
    assert added == COUNT
    return progress


def test_dates_times_and_durations_look_like_office_work(db, filled) -> None:  # type: ignore[no-untyped-def]
    rows = consultations(db)
    assert len(rows) == COUNT
    days = [r.held_on for r in rows]
    assert min(days) >= FIRST_DAY and max(days) <= TODAY  # never in the future
    assert min(days) < date(2022, 6, 1) and max(days) > date(2026, 10, 1)  # spread over it all
    assert {d.weekday() for d in days} <= {0, 1, 2, 3, 4}
    assert not [d for d in days if (d.month, d.day) >= (12, 29) or (d.month, d.day) <= (1, 3)]
    by_fiscal_year = Counter(d.year if d.month >= 4 else d.year - 1 for d in days)
    assert sorted(by_fiscal_year) == [2022, 2023, 2024, 2025, 2026]
    assert all(time(9) <= r.start_time <= time(16, 45) for r in rows)
    assert all(5 <= r.duration_minutes <= 120 and r.duration_minutes % 5 == 0 for r in rows)
    assert all(r.follow_up_due is None or r.follow_up_due > r.held_on for r in rows)
    assert 0.1 < sum(r.follow_up_due is not None for r in rows) / COUNT < 0.4
    old = [r for r in rows if (TODAY - r.held_on).days > 60]
    assert sum(r.status is ConsultationStatus.DONE for r in old) / len(old) > 0.9
    assert len({r.channel for r in rows}) == 5


def test_every_facility_has_records_and_the_salon_the_most(db, filled) -> None:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        codes = dict(session.execute(select(Facility.id, Facility.code)).all())
        staff_facility = dict(session.execute(select(Account.id, Account.facility_id)).all())
    rows = consultations(db)
    per_facility = Counter(codes[r.facility_id] for r in rows)
    assert set(per_facility) == set(codes.values())
    assert per_facility.most_common(1)[0][0] == "salon"
    # The member of staff always works at the facility where the consultation was held.
    assert all(staff_facility[r.staff_account_id] == r.facility_id for r in rows)


def test_facilities_without_staff_get_disabled_demo_accounts(db, filled) -> None:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        demo = session.execute(select(Account.login, Account.active, Account.role,
                                      Account.password_hash, Facility.code)
                               .join(Facility, Facility.id == Account.facility_id)
                               .where(Account.login.like("demo.%"))).all()
    # The test database has staff at 東部, 西部, the salon and 中央 (the officer) only.
    assert sorted({r.code for r in demo}) == ["kawabe", "north", "south", "yuwa"]
    assert len(demo) == 8
    assert all(not r.active and r.role is Role.COUNTER_STAFF for r in demo)
    assert all(r.password_hash.startswith("$argon2id$") for r in demo)
    with pytest.raises(SignInRefused):  # no password to guess, and disabled anyway
        accounts.sign_in(db, demo[0].login, "")


def test_consultees_are_demo_contacts_or_anonymous(db, filled) -> None:  # type: ignore[no-untyped-def]
    rows = consultations(db)
    with db.reading(None) as session:
        notes = dict(session.execute(select(Contact.id, Contact.notes)).all())
    named = [r for r in rows if r.consultee_contact_id is not None]
    anonymous = [r for r in rows if r.anonymous]
    assert 0.4 < len(named) / COUNT < 0.8 and 0.15 < len(anonymous) / COUNT < 0.45
    assert {notes[r.consultee_contact_id] for r in named} == {DEMO_NOTE}
    assert all(r.consultee_contact_id is None and r.age_band in AGE_BANDS
               and r.area in AREAS for r in anonymous)
    assert all(r.age_band == "" and r.area == "" for r in rows if not r.anonymous)
    assert len({r.age_band for r in anonymous}) >= 5
    assert {r.area for r in anonymous} >= set(DISTRICTS)


def test_new_or_returning_is_true_exactly_after_a_first_consultation(db, filled) -> None:  # type: ignore[no-untyped-def]
    seen: set[int] = set()
    returning = 0
    for r in consultations(db):  # in (held_on, id) order
        if r.consultee_contact_id is None:
            assert r.returning_consultee is None
            continue
        assert r.returning_consultee is (r.consultee_contact_id in seen), r.id
        returning += r.returning_consultee
        seen.add(r.consultee_contact_id)
    assert returning > 0 and len(seen) > 0


def test_topics_and_texts(db, filled) -> None:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        topic_ids = set(session.scalars(select(ConsultationTopic.id)))
    links = topic_links(db)
    rows = consultations(db)
    assert all(1 <= len(links[r.id]) <= 3 for r in rows)
    assert all(len(set(links[r.id])) == len(links[r.id]) for r in rows)
    assert set().union(*links.values()) == topic_ids  # every seeded topic comes up
    assert all(r.asked.endswith("。") and r.answered for r in rows)
    assert any("NPO法人" in r.asked for r in rows)
    assert len({r.asked for r in rows}) > COUNT // 4  # varied, not one sentence a topic
    assert 0.05 < sum(bool(r.referral) for r in rows) / COUNT < 0.4


def test_search_columns_are_what_the_orm_writes_and_the_index_has_them(db, filled) -> None:  # type: ignore[no-untyped-def]
    rows = consultations(db)
    for r in rows:
        assert (r.search_text, r.search_grams) == gram_document(r.asked, r.answered, r.referral)
        assert r.sort_key == ""
        assert r.version == 1 and r.anonymised_on is None

    def found(term: str) -> set[int]:
        with db.reading(None) as session:
            return set(session.scalars(db.backend.with_grams(
                select(Consultation.id), Consultation.__table__, query_grams(fold(term)))))

    for term in ("法人", "定款", "交付金", "子ども食堂"):
        expected = {r.id for r in rows if fold(term) in r.search_text}
        assert expected and found(term) >= expected  # the index holds every generated row


def test_one_audit_row_per_batch_and_progress(db, filled) -> None:  # type: ignore[no-untyped-def]
    assert filled == [(250, COUNT), (500, COUNT), (600, COUNT)]
    with db.reading(None) as session:
        audit = session.execute(select(AuditEntry.action, AuditEntry.record_id,
                                       AuditEntry.changes)
                                .where(AuditEntry.table_name == "consultations")).all()
    assert [(a.action, a.record_id, a.changes) for a in audit] == [
        ("insert", None, {DEMO_NOTE: [None, n]}) for n in (250, 250, 100)]


def test_a_second_fill_uses_new_consultees_and_keeps_the_first(db) -> None:  # type: ignore[no-untyped-def]
    cli = Actor.command_line()
    add_demo_consultations(db, cli, 100, today=TODAY)
    first = {r.id: r.returning_consultee for r in consultations(db)}
    add_demo_consultations(db, cli, 100, today=TODAY)
    rows = consultations(db)
    assert len(rows) == 200
    assert {r.id: r.returning_consultee for r in rows if r.id in first} == first
    old_consultees = {r.consultee_contact_id for r in rows if r.id in first} - {None}
    new_consultees = {r.consultee_contact_id for r in rows if r.id not in first} - {None}
    assert not old_consultees & new_consultees
    with db.reading(None) as session:
        assert session.scalar(select(func.count()).select_from(Account)
                              .where(Account.login.like("demo.%"))) == 8  # made once


def test_existing_demo_contacts_are_used_first(db) -> None:  # type: ignore[no-untyped-def]
    cli = Actor.command_line()
    add_demo_contacts(db, cli, 50)
    with db.reading(None) as session:
        before = set(session.scalars(select(Contact.id)))
    add_demo_consultations(db, cli, 100, today=TODAY)  # wants 20 consultees
    with db.reading(None) as session:
        after = set(session.scalars(select(Contact.id)))
    assert after == before
    assert {r.consultee_contact_id for r in consultations(db)} - {None} <= before


def test_only_an_administrator_may_fill(db, accounts_by_login) -> None:  # type: ignore[no-untyped-def]
    for login in ("staff", "advisor", "officer"):
        with pytest.raises(PermissionDenied):
            add_demo_consultations(db, accounts_by_login[login], 10, today=TODAY)
    assert add_demo_consultations(db, accounts_by_login["admin"], 0, today=TODAY) == 0
    assert consultations(db) == []


def test_the_same_seed_gives_the_same_records(template_databases, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    def fill(name: str) -> list[tuple[object, ...]]:
        target = tmp_path / name
        shutil.copyfile(template_databases["sqlite"], target)
        db = open_database(f"sqlite:///{target}")
        try:
            add_demo_consultations(db, Actor.command_line(), 150, seed=11, today=TODAY)
            links = topic_links(db)
            return [(r.id, r.held_on, r.start_time, r.facility_id, r.staff_account_id,
                     r.consultee_contact_id, r.age_band, r.area, r.channel, r.asked,
                     r.answered, r.referral, r.follow_up_due, r.status, sorted(links[r.id]))
                    for r in consultations(db)]
        finally:
            db.dispose()

    first = fill("one.sqlite3")
    assert fill("two.sqlite3") == first
    assert max(r[1] for r in first) <= TODAY
    assert TODAY - timedelta(days=30) < max(r[1] for r in first)
