"""Consultation log (相談記録): permissions by facility, validation, audit of every opening,
concurrent edits and the list filters, on both databases."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from kyodo_desk.database import open_database
from kyodo_desk.domain.errors import ConcurrentEdit, NotFound, ValidationError
from kyodo_desk.domain.permissions import PermissionDenied
from kyodo_desk.domain.text import fold, query_grams
from kyodo_desk.models import AuditEntry, Consultation, ConsultationTopicLink
from kyodo_desk.services import accounts, contacts
from kyodo_desk.services import consultations as svc
from kyodo_desk.services.consultations import (
    ConsultationChannel,
    ConsultationDraft,
    ConsultationStatus,
)
from kyodo_desk.services.consultations.listing import ConsultationFilter, list_consultations
from tests.consultation_fields import valid

SEEDED_TOPICS = ["団体設立", "NPO法人化", "団体運営", "資金・交付金", "広報・PR", "協働事業提案",
                 "地域づくり", "施設利用", "人材・ボランティア", "その他"]
TODAY = date.today()


@pytest.fixture
def second_counter(database_url: str):  # type: ignore[no-untyped-def]
    """The same database opened again, as another counter's PC does."""
    other = open_database(database_url)
    yield other
    other.dispose()


def draft(facility_id: int, asked: str = "NPO法人を設立したいが、手続きの流れを知りたい。",
          **fields) -> ConsultationDraft:  # type: ignore[no-untyped-def]
    fields.setdefault("held_on", TODAY - timedelta(days=1))
    return ConsultationDraft(facility_id=facility_id, asked=asked, **valid(fields))


def listed(db, actor, **where) -> list[int]:  # type: ignore[no-untyped-def]
    return [r.id for r in list_consultations(db, actor, ConsultationFilter(**where)).rows]


def count(db, model) -> int:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        return session.scalar(select(func.count()).select_from(model))


def audit_rows(db, action: str | None = None) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        stmt = select(AuditEntry).where(AuditEntry.table_name == "consultations")
        if action:
            stmt = stmt.where(AuditEntry.action == action)
        rows = list(session.scalars(stmt.order_by(AuditEntry.id)))
        session.expunge_all()
        return rows


# --- topics --------------------------------------------------------------------------------

def test_topics_are_seeded_in_order(db, actor) -> None:  # type: ignore[no-untyped-def]
    assert [t.name for t in svc.list_topics(db, actor)] == SEEDED_TOPICS
    assert all(t.active for t in svc.list_topics(db, actor))


# --- permissions ---------------------------------------------------------------------------

def test_counter_staff_of_another_facility_is_refused(
        db, actor, second_counter, accounts_by_login, facilities, topics) -> None:  # type: ignore[no-untyped-def]
    """Issue 3: staff of 東部 calling a consultation service of 西部 is refused, nothing changes."""
    west_staff = accounts_by_login["staff_west"]
    west = svc.create_consultation(second_counter, west_staff, draft(
        facilities["west"], topic_ids=(topics["NPO法人化"],)))
    consultations_before = count(db, Consultation)
    audit_before = count(db, AuditEntry)

    with pytest.raises(PermissionDenied, match="他の施設の相談記録を閲覧できません"):
        svc.get_consultation(db, actor, west.id)
    with pytest.raises(PermissionDenied, match="他の施設の相談記録を登録できません"):
        svc.create_consultation(db, actor, draft(facilities["west"]))
    with pytest.raises(PermissionDenied, match="他の施設の相談記録を変更できません"):
        svc.update_consultation(db, actor, west.id, west.version,
                                draft(facilities["west"], asked="書き換え"))
    # Moving the record to one's own facility is a change of the other facility's record too.
    with pytest.raises(PermissionDenied):
        svc.update_consultation(db, actor, west.id, west.version,
                                draft(facilities["east"], asked="書き換え"))
    with pytest.raises(PermissionDenied):
        listed(db, actor, facility_id=facilities["west"])
    assert listed(db, actor) == []

    assert count(db, Consultation) == consultations_before
    assert count(db, AuditEntry) == audit_before  # not even an "open" row
    again = svc.get_consultation(second_counter, west_staff, west.id)
    assert again.asked == west.asked
    assert again.version == west.version
    assert again.facility_id == facilities["west"]


def test_own_facility_is_allowed(db, actor, facilities, topics) -> None:  # type: ignore[no-untyped-def]
    created = svc.create_consultation(db, actor, draft(
        facilities["east"], topic_ids=(topics["広報・PR"], topics["団体設立"]),
        start_time=time(10, 30), duration_minutes=45, channel=ConsultationChannel.PHONE,
        follow_up_due=TODAY + timedelta(days=7)))
    assert created.staff_account_id == actor.account_id  # the signed-in account by default
    assert created.staff_name == "窓口 花子"
    assert created.facility_name
    assert [t.name for t in created.topics] == ["団体設立", "広報・PR"]  # in list order
    assert created.version == 1

    opened = svc.get_consultation(db, actor, created.id)
    assert opened == created
    changed = svc.update_consultation(
        db, actor, created.id, opened.version,
        svc.replace_draft(opened.as_draft(), answered="定款の例を案内した。",
                          status=ConsultationStatus.DONE, topic_ids=(topics["団体設立"],)))
    assert changed.version == 2
    assert changed.status is ConsultationStatus.DONE
    assert changed.topic_ids == (topics["団体設立"],)
    assert listed(db, actor) == [created.id]


def test_advisor_sees_only_the_salon_and_the_officer_sees_all(
        db, accounts_by_login, facilities) -> None:  # type: ignore[no-untyped-def]
    made = {}
    for login, code in (("staff", "east"), ("staff_west", "west"), ("advisor", "salon")):
        made[code] = svc.create_consultation(db, accounts_by_login[login],
                                             draft(facilities[code], asked=f"{code}の相談")).id
    advisor, officer, admin = (accounts_by_login[k] for k in ("advisor", "officer", "admin"))

    assert listed(db, advisor) == [made["salon"]]
    with pytest.raises(PermissionDenied):
        svc.get_consultation(db, advisor, made["east"])
    assert set(listed(db, officer)) == set(made.values())
    assert listed(db, officer, facility_id=facilities["west"]) == [made["west"]]
    assert svc.get_consultation(db, officer, made["west"]).asked == "westの相談"
    # The officer records for any facility; the administrator counts all but opens and
    # records none.
    svc.create_consultation(db, officer, draft(facilities["west"]))
    assert set(listed(db, admin)) >= set(made.values())
    with pytest.raises(PermissionDenied, match="件数の集計だけ"):
        svc.get_consultation(db, admin, made["west"])
    before = count(db, Consultation)
    with pytest.raises(PermissionDenied):
        svc.create_consultation(db, admin, draft(facilities["central"]))
    assert count(db, Consultation) == before


def test_the_search_index_follows_inserts_and_updates(db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    created = svc.create_consultation(db, actor, draft(facilities["east"], asked="広報の相談"))

    def found(term: str) -> list[int]:
        stmt = select(Consultation.id)
        with db.reading(None) as session:
            return list(session.scalars(db.backend.with_grams(
                stmt, Consultation.__table__, query_grams(fold(term)))))

    assert found("広報") == [created.id]
    svc.update_consultation(db, actor, created.id, created.version,
                            svc.replace_draft(created.as_draft(), asked="法人化の相談"))
    assert found("広報") == []
    assert found("法人") == [created.id]


# --- validation ----------------------------------------------------------------------------

def test_bad_input_names_each_field_and_stores_nothing(db, actor, facilities, topics) -> None:  # type: ignore[no-untyped-def]
    contact = contacts.create_contact(db, actor, contacts.ContactDraft(
        kind=contacts.ContactKind.PERSON, name="佐藤 花子"))
    before = (count(db, Consultation), count(db, AuditEntry))
    with pytest.raises(ValidationError) as info:
        svc.create_consultation(db, actor, draft(
            facilities["east"], asked="  ", held_on=TODAY + timedelta(days=1),
            follow_up_due=TODAY, duration_minutes=0, anonymous=True,
            consultee_contact_id=contact.id))
    problems = info.value
    assert problems.for_field("asked") == "相談内容を入力してください。"
    assert "相談日" in problems.for_field("held_on")
    assert "今日" in problems.for_field("held_on")
    assert "期限" in problems.for_field("follow_up_due")
    assert "相談時間" in problems.for_field("duration_minutes")
    assert "匿名" in problems.for_field("consultee_contact_id")

    with pytest.raises(ValidationError) as info:
        svc.create_consultation(db, actor, draft(facilities["east"], topic_ids=(9999,)))
    assert "相談の分野" in info.value.for_field("topic_ids")
    assert "9999" in info.value.for_field("topic_ids")
    # At least one topic, and a consultee chosen from the contacts or 匿名.
    with pytest.raises(ValidationError) as info:
        svc.create_consultation(db, actor, draft(facilities["east"], topic_ids=(),
                                                 anonymous=False))
    assert info.value.for_field("topic_ids") == "相談の分野を一つ以上選んでください。"
    assert "匿名" in info.value.for_field("consultee_contact_id")
    assert (count(db, Consultation), count(db, AuditEntry)) == before

    # Today itself, and a follow-up on the day, are fine.
    svc.create_consultation(db, actor, draft(facilities["east"], held_on=TODAY,
                                             follow_up_due=TODAY, duration_minutes=1))


def test_a_refused_change_keeps_the_record(db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    created = svc.create_consultation(db, actor, draft(facilities["east"]))
    with pytest.raises(ValidationError):
        svc.update_consultation(db, actor, created.id, created.version,
                                draft(facilities["east"], asked="", topic_ids=(9999,)))
    with pytest.raises(ValidationError, match="相談の分野"):
        svc.update_consultation(db, actor, created.id, created.version,
                                draft(facilities["east"], asked="別の内容", topic_ids=(9999,)))
    assert svc.get_consultation(db, actor, created.id) == created


# --- audit ---------------------------------------------------------------------------------

def test_every_opening_writes_one_open_row(db, actor, accounts_by_login, facilities) -> None:  # type: ignore[no-untyped-def]
    created = svc.create_consultation(db, actor, draft(facilities["east"]))
    assert audit_rows(db, "open") == []
    svc.get_consultation(db, actor, created.id)
    opened = audit_rows(db, "open")
    assert [(r.actor, r.account_id, r.record_id) for r in opened] == [
        ("窓口 花子", actor.account_id, created.id)]

    officer = accounts_by_login["officer"]
    svc.get_consultation(db, officer, created.id)
    svc.get_consultation(db, actor, created.id)
    assert [(r.actor, r.record_id) for r in audit_rows(db, "open")] == [
        ("窓口 花子", created.id), ("協働 三郎", created.id), ("窓口 花子", created.id)]
    # Listing is not opening; a refused or missing record writes nothing.
    listed(db, actor)
    with pytest.raises(PermissionDenied):
        svc.get_consultation(db, accounts_by_login["staff_west"], created.id)
    with pytest.raises(NotFound):
        svc.get_consultation(db, actor, created.id + 1000)
    assert len(audit_rows(db, "open")) == 3


def test_insert_and_update_are_audited(db, actor, facilities, topics) -> None:  # type: ignore[no-untyped-def]
    created = svc.create_consultation(db, actor, draft(
        facilities["east"], topic_ids=(topics["団体運営"],)))
    [insert] = audit_rows(db, "insert")
    assert insert.record_id == created.id
    assert insert.actor == "窓口 花子"
    assert insert.changes["asked"] == [None, "********"]  # personal text: only that it was set
    assert insert.changes["channel"] == [None, "visit"]

    svc.update_consultation(db, actor, created.id, created.version, svc.replace_draft(
        created.as_draft(), answered="会則の見直しを提案。", topic_ids=(topics["その他"],)))
    [update] = audit_rows(db, "update")
    assert update.record_id == created.id
    assert update.changes == {"answered": [None, "********"]}  # was empty, now written
    with db.reading(None) as session:
        links = session.execute(
            select(AuditEntry.action, AuditEntry.changes)
            .where(AuditEntry.table_name == ConsultationTopicLink.__tablename__)
            .order_by(AuditEntry.id)).all()
    assert [(a, c["topic_id"]) for a, c in links] == [
        ("insert", [None, topics["団体運営"]]), ("insert", [None, topics["その他"]]),
        ("delete", [topics["団体運営"], None])]


def test_a_changed_start_time_is_audited_as_text(db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    created = svc.create_consultation(db, actor, draft(facilities["east"], start_time=time(9, 0)))
    assert audit_rows(db, "insert")[0].changes["start_time"] == [None, "09:00:00"]
    svc.update_consultation(db, actor, created.id, created.version,
                            svc.replace_draft(created.as_draft(), start_time=time(13, 30)))
    assert audit_rows(db, "update")[0].changes == {"start_time": ["09:00:00", "13:30:00"]}


# --- concurrent edits ----------------------------------------------------------------------

def test_a_stale_version_is_refused_and_the_first_save_kept(
        db, actor, second_counter, facilities) -> None:  # type: ignore[no-untyped-def]
    created = svc.create_consultation(db, actor, draft(facilities["east"]))
    here = svc.get_consultation(db, actor, created.id)
    there = svc.get_consultation(second_counter, actor, created.id)

    svc.update_consultation(second_counter, actor, there.id, there.version,
                            svc.replace_draft(there.as_draft(), answered="先に保存"))
    with pytest.raises(ConcurrentEdit, match="他の窓口で変更されました"):
        svc.update_consultation(db, actor, here.id, here.version,
                                svc.replace_draft(here.as_draft(), answered="後から保存"))
    seen = {svc.get_consultation(d, actor, created.id).answered for d in (db, second_counter)}
    assert seen == {"先に保存"}


def test_staff_to_choose_are_the_facility_s_people_and_the_officers(
        db, accounts_by_login, facilities) -> None:  # type: ignore[no-untyped-def]
    staff, officer = accounts_by_login["staff"], accounts_by_login["officer"]
    east = [m.name for m in svc.list_consultation_staff(db, staff, facilities["east"])]
    assert east[0] == staff.name  # the signed-in account first
    assert set(east) == {staff.name, officer.name}
    salon = [m.name for m in svc.list_consultation_staff(db, officer, facilities["salon"])]
    assert salon[0] == officer.name and accounts_by_login["advisor"].name in salon
    with pytest.raises(PermissionDenied):
        svc.list_consultation_staff(db, staff, facilities["west"])


def test_personal_text_never_reaches_the_append_only_audit_log(db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    person = contacts.create_contact(db, actor, contacts.ContactDraft(
        kind=contacts.ContactKind.PERSON, name="秘密 太郎"))
    created = svc.create_consultation(db, actor, draft(
        facilities["east"], asked="借金の返済に困っている", answered="法律相談を案内",
        referral="弁護士会", consultee_contact_id=person.id))
    svc.update_consultation(db, actor, created.id, created.version, svc.replace_draft(
        created.as_draft(), asked="家族の借金の相談", status=ConsultationStatus.DONE))
    rows = audit_rows(db)
    assert [r.action for r in rows] == ["insert", "update"]
    text = repr([r.changes for r in rows])
    for secret in ("借金", "法律相談", "弁護士会", "秘密"):
        assert secret not in text
    inserted, updated = rows[0].changes, rows[1].changes
    assert inserted["asked"] == [None, "********"]
    assert inserted["consultee_contact_id"] == [None, "********"]
    assert updated["asked"] == ["********", "********"]  # that it changed is kept
    assert updated["status"] == ["in_progress", "done"]


# --- the follow-up plan (issue 14, defect 7) -------------------------------------------------

PLAN = "定款・設立書類の準備状況を電話で確認"


def test_the_follow_up_plan_is_kept_with_the_record_and_audited_without_its_text(
        db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    created = svc.create_consultation(db, actor, draft(
        facilities["east"], follow_up_due=TODAY + timedelta(days=14),
        follow_up_plan=f"  {PLAN}\n"))
    opened = svc.get_consultation(db, actor, created.id)
    assert opened.follow_up_plan == PLAN
    assert opened.as_draft().follow_up_plan == PLAN  # what the form is filled from

    changed = svc.update_consultation(db, actor, opened.id, opened.version, svc.replace_draft(
        opened.as_draft(), follow_up_plan="申請書の下書きを確認"))
    assert svc.get_consultation(db, actor, created.id).follow_up_plan == "申請書の下書きを確認"
    assert changed.version > opened.version

    inserted, updated = (r.changes for r in audit_rows(db) if r.action != "open")
    assert inserted["follow_up_plan"] == [None, "********"]
    assert updated == {"follow_up_plan": ["********", "********"]}  # that it changed, only
    assert "電話で確認" not in repr(inserted) and "下書き" not in repr(updated)


def test_a_plan_without_a_due_date_is_refused(db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    before = count(db, Consultation)
    with pytest.raises(ValidationError) as info:
        svc.create_consultation(db, actor, draft(facilities["east"], follow_up_plan=PLAN))
    assert "期限" in info.value.for_field("follow_up_plan")
    assert count(db, Consultation) == before


# --- the consultation's own bounds (issue 14, defect 5) -------------------------------------

@pytest.mark.parametrize("held_on", [date(1, 1, 1), date(1999, 12, 31), date(2000, 3, 31)])
def test_a_consultation_date_before_the_log_began_is_refused(
        db, actor, facilities, held_on: date) -> None:  # type: ignore[no-untyped-def]
    before = count(db, Consultation)
    with pytest.raises(ValidationError) as info:
        svc.create_consultation(db, actor, draft(facilities["east"], held_on=held_on))
    message = info.value.for_field("held_on")
    assert "相談日" in message and "2000年4月1日から今日まで" in message
    assert count(db, Consultation) == before


def test_the_first_day_of_the_log_and_a_follow_up_a_year_on_are_accepted(
        db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    first = svc.EARLIEST_HELD_ON
    kept = svc.create_consultation(db, actor, draft(
        facilities["east"], held_on=first, follow_up_due=date(2001, 4, 1), follow_up_plan=PLAN))
    assert (kept.held_on, kept.follow_up_due) == (date(2000, 4, 1), date(2001, 4, 1))
    with pytest.raises(ValidationError) as info:
        svc.update_consultation(db, actor, kept.id, kept.version, svc.replace_draft(
            kept.as_draft(), follow_up_due=date(2001, 4, 2)))
    message = info.value.for_field("follow_up_due")
    assert "フォローアップの期限" in message and "2001年4月1日まで" in message
    assert svc.get_consultation(db, actor, kept.id).follow_up_due == date(2001, 4, 1)


def test_the_staff_member_is_an_active_account_that_records_at_the_facility(
        db, accounts_by_login, facilities) -> None:  # type: ignore[no-untyped-def]
    officer, east = accounts_by_login["officer"], facilities["east"]
    before = count(db, Consultation)
    for login in ("staff_west", "advisor", "admin"):  # another facility's, or no recorder
        with pytest.raises(ValidationError) as info:
            svc.create_consultation(db, officer, draft(
                east, staff_account_id=accounts_by_login[login].account_id))
        message = info.value.for_field("staff_account_id")
        assert "担当者" in message and accounts_by_login[login].name in message
    assert count(db, Consultation) == before
    for login in ("staff", "officer"):  # the facility's own, and the officers
        svc.create_consultation(db, officer, draft(
            east, staff_account_id=accounts_by_login[login].account_id))

    west = facilities["west"]
    by_west = svc.create_consultation(db, officer, draft(
        west, staff_account_id=accounts_by_login["staff_west"].account_id))
    accounts.set_active(db, accounts_by_login["admin"], "staff_west", False)
    with pytest.raises(ValidationError) as info:
        svc.create_consultation(db, officer, draft(
            west, staff_account_id=accounts_by_login["staff_west"].account_id))
    assert "無効" in info.value.for_field("staff_account_id")
    # A record of someone who has left can still be corrected, as long as 担当者 stays.
    corrected = svc.update_consultation(db, officer, by_west.id, by_west.version,
                                        svc.replace_draft(by_west.as_draft(), answered="追記"))
    assert (corrected.staff_name, corrected.answered) == ("西部 次郎", "追記")
    # The form offers the same people the save accepts.
    offered = {m.account_id for m in svc.list_consultation_staff(db, officer, west)}
    assert accounts_by_login["staff_west"].account_id not in offered
    assert offered == {officer.account_id}
