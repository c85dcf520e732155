"""Retention (保存年限) and anonymisation (匿名化) of consultation records, on both databases:
the boundary day, the figures unchanged, the words gone from the search index, the audit,
and who may do it."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select, text

from kyodo_desk.domain.errors import ConcurrentEdit, ValidationError
from kyodo_desk.domain.permissions import Actor, PermissionDenied
from kyodo_desk.domain.text import fold, gram_document, query_grams
from kyodo_desk.models import AuditEntry, Consultation, Setting
from kyodo_desk.services import consultations as cons
from kyodo_desk.services import contacts, retention
from kyodo_desk.services.consultations import ConsultationDraft
from kyodo_desk.services.demo import add_demo_consultations
from kyodo_desk.services.retention import ANONYMISED_TEXT, retention_cutoff
from tests.consultation_fields import valid

TODAY = date(2026, 11, 25)
CUTOFF_5 = date(2021, 11, 25)  # five years before TODAY: the first day still kept
SECRET = "竿燈妙技会の会計を巡る内紛"  # words only the old records hold


@pytest.fixture
def admin_actor(accounts_by_login) -> Actor:  # type: ignore[no-untyped-def]
    return accounts_by_login["admin"]


def record(db, officer, facility_id: int, held_on: date, **fields) -> int:  # type: ignore[no-untyped-def]
    fields.setdefault("asked", f"{SECRET}について相談したい。")
    fields.setdefault("answered", f"{SECRET}は団体の総会で話し合うよう助言した。")
    fields.setdefault("referral", "あきた竿燈会")
    return cons.create_consultation(db, officer, ConsultationDraft(
        held_on=held_on, facility_id=facility_id, start_time=time(10), **valid(fields))).id


def found(db, term: str) -> set[int]:  # type: ignore[no-untyped-def]
    """What the app's search finds: the gram index (FTS5 / GIN), then the folded text."""
    folded = fold(term)
    with db.reading(None) as session:
        by_index = set(session.scalars(db.backend.with_grams(
            select(Consultation.id), Consultation.__table__, query_grams(folded))))
        by_text = set(session.scalars(select(Consultation.id).where(
            db.backend.contains(Consultation.search_text, folded))))
    return by_index | by_text


def figures(db) -> dict[str, list[tuple[object, ...]]]:  # type: ignore[no-untyped-def]
    """Every count the statistics show, counted in SQL."""
    month = ("strftime('%Y-%m', c.held_on)" if db.backend.is_sqlite
             else "to_char(c.held_on, 'YYYY-MM')")
    queries = {
        "topic_facility_month": (
            f"SELECT t.topic_id, c.facility_id, {month} AS m, count(*) FROM consultations c "
            "JOIN consultation_topics t ON t.consultation_id = c.id "
            "GROUP BY t.topic_id, c.facility_id, m ORDER BY 1, 2, 3"),
        "channel": "SELECT channel, count(*) FROM consultations GROUP BY 1 ORDER BY 1",
        "status": "SELECT status, count(*) FROM consultations GROUP BY 1 ORDER BY 1",
        "staff": "SELECT staff_account_id, count(*) FROM consultations GROUP BY 1 ORDER BY 1",
        "new_or_returning": (
            "SELECT CASE WHEN returning_consultee IS NULL THEN 'none' "
            "WHEN returning_consultee THEN 'returning' ELSE 'new' END AS r, count(*) "
            "FROM consultations GROUP BY 1 ORDER BY 1"),
        "anonymous": "SELECT anonymous, count(*) FROM consultations GROUP BY 1 ORDER BY 1",
        "follow_up": "SELECT follow_up_due, count(*) FROM consultations GROUP BY 1 ORDER BY 1",
    }
    with db.reading(None) as session:
        return {name: [tuple(r) for r in session.execute(text(sql))]
                for name, sql in queries.items()}


def anonymise_audit(db) -> list[dict[str, list[object]]]:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        return list(session.scalars(select(AuditEntry.changes).where(
            AuditEntry.action == "anonymise").order_by(AuditEntry.id)))


# --- the setting ---------------------------------------------------------------------------

def test_kept_for_ever_until_set_and_the_setting_is_audited(db, admin_actor, actor) -> None:  # type: ignore[no-untyped-def]
    assert retention.retention_years(db, admin_actor) is None
    assert retention.set_retention_years(db, admin_actor, 5) == 5
    assert retention.retention_years(db, actor) == 5  # counter staff may know it
    retention.set_retention_years(db, admin_actor, 7)
    assert retention.retention_years(db, admin_actor) == 7
    retention.set_retention_years(db, admin_actor, None)
    assert retention.retention_years(db, admin_actor) is None
    with db.reading(None) as session:
        assert session.scalar(select(func.count()).select_from(Setting)) == 0
        audit = session.execute(select(AuditEntry.action, AuditEntry.changes)
                                .where(AuditEntry.table_name == "settings")
                                .order_by(AuditEntry.id)).all()
    assert [(a.action, a.changes) for a in audit] == [
        ("insert", {"key": [None, retention.RETENTION_KEY], "value": [None, "5"]}),
        ("update", {"key": [retention.RETENTION_KEY] * 2, "value": ["5", "7"]}),
        ("delete", {"key": [retention.RETENTION_KEY, None], "value": ["7", None]}),
    ]


@pytest.mark.parametrize("years", [0, -1, 101])
def test_years_outside_1_to_100_are_refused_naming_the_field(db, admin_actor, years: int) -> None:  # type: ignore[no-untyped-def]
    retention.set_retention_years(db, admin_actor, 3)
    with pytest.raises(ValidationError) as refused:
        retention.set_retention_years(db, admin_actor, years)
    message = refused.value.for_field("retention_years")
    assert message is not None and "保存年限" in message and "1〜100年" in message
    assert retention.retention_years(db, admin_actor) == 3


@pytest.mark.parametrize("login", ["staff", "advisor", "officer"])
def test_only_the_administrator_sets_counts_and_anonymises(
        db, accounts_by_login, facilities, login: str) -> None:  # type: ignore[no-untyped-def]
    admin, other = accounts_by_login["admin"], accounts_by_login[login]
    kept = record(db, accounts_by_login["officer"], facilities["east"], date(2001, 4, 2))
    retention.set_retention_years(db, admin, 5)
    with pytest.raises(PermissionDenied):
        retention.set_retention_years(db, other, 1)
    with pytest.raises(PermissionDenied):
        retention.expired_count(db, other, TODAY)
    with pytest.raises(PermissionDenied):
        retention.anonymise_expired(db, other, TODAY)
    assert retention.retention_years(db, admin) == 5
    assert cons.get_consultation(db, accounts_by_login["officer"], kept).asked.startswith(SECRET)
    assert anonymise_audit(db) == []


# --- the boundary --------------------------------------------------------------------------

@pytest.mark.parametrize(("today", "years", "cutoff"), [
    (date(2026, 11, 25), 5, date(2021, 11, 25)),
    (date(2026, 4, 1), 1, date(2025, 4, 1)),
    (date(2028, 2, 29), 1, date(2027, 2, 28)),  # no 29 February in 2027
    (date(2028, 2, 29), 4, date(2024, 2, 29)),
])
def test_cutoff_is_the_same_day_years_earlier(today: date, years: int, cutoff: date) -> None:
    assert retention_cutoff(today, years) == cutoff


def test_the_boundary_day_is_kept_and_the_day_before_is_not(
        db, admin_actor, accounts_by_login, facilities) -> None:  # type: ignore[no-untyped-def]
    officer = accounts_by_login["officer"]
    ids = {day: record(db, officer, facilities["east"], day)
           for day in (CUTOFF_5 - timedelta(days=1), CUTOFF_5, CUTOFF_5 + timedelta(days=1))}
    retention.set_retention_years(db, admin_actor, 5)
    assert retention.expired_count(db, admin_actor, TODAY) == 1
    assert retention.anonymise_expired(db, admin_actor, TODAY) == 1
    with db.reading(None) as session:
        anonymised = dict(session.execute(select(Consultation.held_on,
                                                 Consultation.anonymised_on)).all())
    assert anonymised == {CUTOFF_5 - timedelta(days=1): TODAY, CUTOFF_5: None,
                          CUTOFF_5 + timedelta(days=1): None}
    # The next day, the record held on the old cut-off day has had its five full years.
    tomorrow = TODAY + timedelta(days=1)
    assert retention.expired_count(db, admin_actor, TODAY) == 0
    assert retention.expired_count(db, admin_actor, tomorrow) == 1
    assert retention.anonymise_expired(db, admin_actor, tomorrow) == 1
    assert cons.get_consultation(db, officer, ids[CUTOFF_5]).asked == ANONYMISED_TEXT
    assert cons.get_consultation(db, officer, ids[CUTOFF_5 + timedelta(days=1)]).asked != (
        ANONYMISED_TEXT)


def test_nothing_expires_while_kept_for_ever(db, admin_actor, accounts_by_login, facilities) -> None:  # type: ignore[no-untyped-def]
    record(db, accounts_by_login["officer"], facilities["east"], date(2000, 4, 3))
    assert retention.expired_count(db, admin_actor, TODAY) == 0
    assert retention.anonymise_expired(db, admin_actor, TODAY) == 0
    assert found(db, SECRET)


# --- what anonymising does -----------------------------------------------------------------

def test_personal_fields_are_cleared_and_the_rest_kept(
        db, admin_actor, accounts_by_login, facilities) -> None:  # type: ignore[no-untyped-def]
    officer = accounts_by_login["officer"]
    topics = {t.name: t.id for t in cons.list_topics(db, officer)}
    person = contacts.create_contact(db, officer, contacts.ContactDraft(
        kind=contacts.ContactKind.PERSON, name="秋田 竿太郎", reading="あきた かんたろう"))
    old_day = date(2019, 6, 3)
    named = record(db, officer, facilities["salon"], old_day, consultee_contact_id=person.id,
                   topic_ids=(topics["団体運営"], topics["資金・交付金"]),
                   channel=cons.ConsultationChannel.PHONE, duration_minutes=25,
                   follow_up_due=old_day + timedelta(days=7),
                   follow_up_plan="会計の資料を見せてもらうよう電話する")
    anonymous = record(db, officer, facilities["east"], old_day, anonymous=True,
                       age_band="60代", area="東部", topic_ids=(topics["その他"],))
    before = {i: cons.get_consultation(db, officer, i) for i in (named, anonymous)}
    retention.set_retention_years(db, admin_actor, 5)

    assert retention.anonymise_expired(db, admin_actor, TODAY) == 2
    for cid, was in before.items():
        now = cons.get_consultation(db, officer, cid)
        assert (now.consultee_contact_id, now.age_band, now.area) == (None, "", "")
        assert (now.asked, now.answered, now.referral) == (ANONYMISED_TEXT, "", "")
        assert now.follow_up_plan == ""  # what was to be done, with whom: personal too
        assert now.version == was.version + 1
        kept = ("held_on", "start_time", "duration_minutes", "facility_id", "staff_account_id",
                "anonymous", "channel", "topics", "follow_up_due", "status")
        assert {k: getattr(now, k) for k in kept} == {k: getattr(was, k) for k in kept}
    with db.reading(None) as session:
        rows = session.execute(select(Consultation.id, Consultation.returning_consultee,
                                      Consultation.anonymised_on, Consultation.search_text,
                                      Consultation.search_grams, Consultation.sort_key)).all()
    document = gram_document(ANONYMISED_TEXT, "", "")
    assert {r.id: r.returning_consultee for r in rows} == {named: False, anonymous: None}
    assert all(r.anonymised_on == TODAY for r in rows)
    assert all((r.search_text, r.search_grams, r.sort_key) == (*document, "") for r in rows)


def test_the_words_leave_the_search_index(db, admin_actor, accounts_by_login, facilities) -> None:  # type: ignore[no-untyped-def]
    officer = accounts_by_login["officer"]
    old = record(db, officer, facilities["east"], date(2020, 5, 11))
    recent = record(db, officer, facilities["east"], date(2025, 5, 12), asked="竿燈の相談。",
                    answered="", referral="")
    assert found(db, SECRET) == {old}
    assert found(db, "内紛") == {old}  # two characters: the bigram path
    assert found(db, "竿燈") == {old, recent}
    retention.set_retention_years(db, admin_actor, 5)
    retention.anonymise_expired(db, admin_actor, TODAY)
    assert found(db, SECRET) == set()
    assert found(db, "内紛") == set()
    assert found(db, "竿燈") == {recent}
    assert found(db, "会計") == set()


def test_every_figure_is_the_same_before_and_after(db, admin_actor) -> None:  # type: ignore[no-untyped-def]
    add_demo_consultations(db, Actor.command_line(), 500, seed=5, today=TODAY)
    before = figures(db)
    retention.set_retention_years(db, admin_actor, 2)
    expired = retention.expired_count(db, admin_actor, TODAY)
    assert 200 < expired < 500  # most of five fiscal years are older than two years
    assert retention.anonymise_expired(db, admin_actor, TODAY, batch=64) == expired
    assert figures(db) == before
    with db.reading(None) as session:
        left = session.scalar(select(func.count()).select_from(Consultation).where(
            Consultation.anonymised_on.is_(None),
            Consultation.held_on < retention_cutoff(TODAY, 2)))
        personal = session.scalar(select(func.count()).select_from(Consultation).where(
            Consultation.anonymised_on.is_not(None),
            (Consultation.consultee_contact_id.is_not(None)) | (Consultation.age_band != "")
            | (Consultation.area != "") | (Consultation.answered != "")))
    assert left == 0 and personal == 0


def test_audited_once_per_batch_without_the_text_and_idempotent(
        db, admin_actor, accounts_by_login, facilities) -> None:  # type: ignore[no-untyped-def]
    officer = accounts_by_login["officer"]
    ids = [record(db, officer, facilities["west"], date(2018, 7, day)) for day in (2, 3, 4, 5, 6)]
    retention.set_retention_years(db, admin_actor, 5)
    done: list[int] = []
    assert retention.anonymise_expired(db, admin_actor, TODAY, batch=2,
                                       progress=done.append) == 5
    assert done == [2, 4, 5]
    audit = anonymise_audit(db)
    assert [a["匿名化した件数"] for a in audit] == [[None, 2], [None, 2], [None, 1]]
    assert all(a["対象"] == [None, "相談日が2021年11月25日より前"] and a["保存年限"] == [None, "5年"]
               for a in audit)
    assert audit[0]["番号の範囲"] == [None, f"{ids[0]}〜{ids[1]}"]
    assert SECRET not in repr(audit)
    with db.reading(None) as session:
        assert session.scalar(select(AuditEntry.actor).where(
            AuditEntry.action == "anonymise").limit(1)) == admin_actor.name
    # Again, later: nothing left to do, and the first date stays on the records.
    assert retention.anonymise_expired(db, admin_actor, TODAY + timedelta(days=30)) == 0
    with db.reading(None) as session:
        assert set(session.scalars(select(Consultation.anonymised_on))) == {TODAY}
    assert len(anonymise_audit(db)) == 3


def test_a_form_left_open_cannot_save_the_text_back(
        db, admin_actor, accounts_by_login, facilities) -> None:  # type: ignore[no-untyped-def]
    officer = accounts_by_login["officer"]
    opened = cons.get_consultation(db, officer, record(db, officer, facilities["east"],
                                                       date(2019, 1, 7)))
    retention.set_retention_years(db, admin_actor, 5)
    retention.anonymise_expired(db, admin_actor, TODAY)
    with pytest.raises(ConcurrentEdit):
        cons.update_consultation(db, officer, opened.id, opened.version,
                                 cons.replace_draft(opened.as_draft(), status=cons.ConsultationStatus.DONE))
    assert cons.get_consultation(db, officer, opened.id).asked == ANONYMISED_TEXT
