"""削除・利用停止 of a contact, on both databases: every value gone from the records, the
file, the WAL and a PostgreSQL dump; the figures unchanged; the audit; who may do it."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, make_url, select, text

from kyodo_desk.domain.errors import NotFound, UserError, ValidationError
from kyodo_desk.domain.permissions import Actor, PermissionDenied
from kyodo_desk.domain.text import fold
from kyodo_desk.models import (
    AuditEntry,
    Consultation,
    ContactMatchKey,
    ContactMerge,
    Membership,
    Registration,
)
from kyodo_desk.services import consultations as cons
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import Affiliation, ContactDraft, ContactKind, GroupType
from kyodo_desk.services.contacts.erasure import (
    erase_contact,
    erasure_preview,
)
from kyodo_desk.services.contacts.merge import merge_by_id
from kyodo_desk.services.events.checkin import check_in
from kyodo_desk.services.events.registrations import SignUpDraft, sign_up
from tests.consultation_fields import valid
from tests.event_fixtures import make_event
from tests.services.test_retention import figures

CLI = Actor.command_line()
TODAY = date(2026, 11, 25)
REASON = "本人からの利用停止の申出（受付番号 18-4）"

# The person's own values, each written nowhere else in the database.
PERSON = dict(name="鷹巣 瑠璃子", reading="たかのす るりこ", postal_code="010-8642",
              address="秋田市手形山崎町九丁目八七六", phone="090-7531-8642",
              email="ruriko.takanosu@example.jp", website="https://ruriko.example.jp/",
              notes="人工透析のため火曜の来所は不可")
MERGED = dict(name="鷹巣 るり子", phone="018-864-2975", email="taka.ruri@example.net",
              address="秋田市保戸野鉄砲町七七")
ASKED = "瑠璃色の鷹を見守る会を立ち上げたい"
ANSWERED = "鷹見守り隊の規約の雛形を渡した"
SIGNUP_NOTE = "腎臓病の通院のため途中退席あり"
VALUES = [*PERSON.values(), *MERGED.values(), ASKED, ANSWERED, SIGNUP_NOTE]


def needles() -> list[bytes]:
    """Each value as typed and as the search columns fold it, in UTF-8."""
    found = set()
    for value in VALUES:
        found.add(value)
        if len(fold(value)) >= 6:
            found.add(fold(value))
    return [v.encode("utf-8") for v in sorted(found)]


@pytest.fixture
def officer(accounts_by_login) -> Actor:  # type: ignore[no-untyped-def]
    return accounts_by_login["officer"]


def person(db, **fields: str) -> int:  # type: ignore[no-untyped-def]
    return svc.create_contact(db, CLI, ContactDraft(kind=ContactKind.PERSON, **fields)).id


def consult(db, officer, facility_id: int, contact_id: int, held_on: date) -> int:  # type: ignore[no-untyped-def]
    return cons.create_consultation(db, officer, cons.ConsultationDraft(
        held_on=held_on, facility_id=facility_id, start_time=time(10), asked=ASKED,
        answered=ANSWERED, referral="秋田市社会福祉協議会", age_band="60代", area="手形",
        **valid({"consultee_contact_id": contact_id}))).id


def event_counts(db) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    """What the event screens count: sign-ups by event and status, people, attendance."""
    with db.reading(None) as session:
        return [tuple(r) for r in session.execute(text(
            "SELECT r.event_id, r.status, count(*), sum(r.party_size), "
            "(SELECT count(*) FROM attendances a JOIN registrations x "
            " ON x.id = a.registration_id WHERE x.event_id = r.event_id) "
            "FROM registrations r GROUP BY r.event_id, r.status ORDER BY 1, 2"))]


@pytest.fixture
def someone(db, officer, facilities) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The person with a record merged into them, consultations, a group and a sign-up
    attended; another person and their consultation, who must stay as they are."""
    ids = {"person": person(db, **PERSON), "merged": person(db, **MERGED),
           "other": person(db, name="男鹿 次郎", phone="0185-22-1111")}
    ids["group"] = svc.create_contact(db, CLI, ContactDraft(
        kind=ContactKind.GROUP, name="手形山の自然を守る会", group_type=GroupType.CIVIC_GROUP,
        representative=Affiliation(ids["person"], ""), listed_publicly=True)).id
    svc.update_contact(db, CLI, ids["person"], svc.get_contact(db, CLI, ids["person"]).version,
                       ContactDraft(kind=ContactKind.PERSON, **PERSON,
                                    groups=(Affiliation(ids["group"], "", "会計"),)))
    consult(db, officer, facilities["east"], ids["person"], TODAY - timedelta(days=40))
    consult(db, officer, facilities["west"], ids["merged"], TODAY - timedelta(days=400))
    ids["other_consultation"] = cons.create_consultation(db, officer, cons.ConsultationDraft(
        held_on=TODAY - timedelta(days=3), facility_id=facilities["east"], asked="会計の相談",
        **valid({"consultee_contact_id": ids["other"]}))).id
    event = make_event(db, facilities["east"], days=0, capacity=5,
                       signup_closes_on=date.today())
    signed = sign_up(db, officer, event.id, SignUpDraft(ids["person"], 2, SIGNUP_NOTE),
                     override_window=True)
    sign_up(db, officer, event.id, SignUpDraft(ids["other"], 1, "車いす"), override_window=True)
    check_in(db, officer, signed.registration.id, event.sessions[0].id,
             now=datetime.now().astimezone())
    ids["registration"] = signed.registration.id
    merge_by_id(db, CLI, keep_id=ids["person"], merge_id=ids["merged"])
    return ids


def test_erasure_removes_every_value_and_keeps_every_figure(
        db, admin, officer, someone: dict[str, int], database_url: str) -> None:  # type: ignore[no-untyped-def]
    before_figures, before_events = figures(db), event_counts(db)
    preview = erasure_preview(db, admin, someone["person"])
    assert (preview.name, preview.merged_ids, preview.consultations,
            preview.registrations, preview.erased_on) == (
        PERSON["name"], (someone["merged"],), 2, 1, None)

    result = erase_contact(db, admin, someone["person"], REASON, today=TODAY)

    assert result.erased_ids == (someone["person"], someone["merged"])
    assert (result.consultations, result.registrations) == (2, 1)
    assert figures(db) == before_figures
    assert event_counts(db) == before_events
    erased = svc.get_contact(db, CLI, someone["person"])
    assert erased.name == f"（削除済み）{someone['person']}"
    assert (erased.reading, erased.phone, erased.email, erased.address, erased.postal_code,
            erased.website, erased.active) == ("", "", "", "", "", "", False)
    assert (erased.erased_on, erased.notes) == (TODAY, "")
    assert svc.get_contact(db, CLI, someone["merged"]).name == f"（削除済み）{someone['merged']}"
    group = svc.get_contact(db, CLI, someone["group"])
    assert group.representative is None and group.active
    # The other person and their consultation are as they were.
    assert svc.get_contact(db, CLI, someone["other"]).phone == "0185-22-1111"
    assert cons.get_consultation(db, officer, someone["other_consultation"]).asked == "会計の相談"
    with db.reading(None) as session:
        assert session.scalar(select(func.count()).select_from(ContactMatchKey).where(
            ContactMatchKey.contact_id.in_([someone["person"], someone["merged"]]))) == 0
        registration = session.get(Registration, someone["registration"])
        assert registration is not None
        assert (registration.notes, registration.name_key, registration.phone_key,
                registration.party_size) == ("", "", "", 2)
        assert session.scalar(select(func.count()).select_from(Consultation).where(
            Consultation.consultee_contact_id == someone["person"])) == 0
        audit = session.execute(select(AuditEntry.record_id, AuditEntry.changes)
                                .where(AuditEntry.action == "erase")).all()
    assert [(a.record_id, a.changes["理由"], a.changes["相談"]) for a in audit] == [
        (someone["person"], REASON, 2)]
    # Nowhere in the database any more: the search finds nothing.
    assert [e.ref.id for e in svc.search_contacts(db, CLI, "鷹巣").entries] == []
    assert_no_value_in_audit_log(db)
    assert_no_value_stored(db, database_url)


def assert_no_value_in_audit_log(db) -> None:  # type: ignore[no-untyped-def]
    """Named apart from the file search, so a value the audit keeps is named by its field."""
    with db.reading(None) as session:
        rows = session.execute(select(AuditEntry.table_name, AuditEntry.action,
                                      AuditEntry.changes)).all()
    found = [(row.table_name, row.action, key) for row in rows
             for key, value in (row.changes or {}).items()
             for needle in needles()
             if needle.decode() in json.dumps(value, ensure_ascii=False)]
    assert found == []


def assert_no_value_stored(db, database_url: str) -> None:  # type: ignore[no-untyped-def]
    """Every byte the database keeps: the SQLite file and its -wal, or a PostgreSQL dump."""
    if db.backend.is_sqlite:
        path = Path(make_url(database_url).database or "")
        stored = b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal"))
                          if p.exists())
        assert len(stored) > 100_000  # the whole file, its tables and indexes
    else:
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            pytest.skip("pg_dump is not on PATH")
        url = make_url(database_url).set(drivername="postgresql")
        stored = subprocess.run([pg_dump, url.render_as_string(hide_password=False)],
                                check=True, capture_output=True).stdout
        assert b"COPY public.contacts" in stored
    assert [n.decode() for n in needles() if n in stored] == []


def test_a_role_that_names_the_person_and_the_merge_records_lose_the_values(
        db, admin, someone: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    other_group = svc.create_contact(db, CLI, ContactDraft(
        kind=ContactKind.GROUP, name="山の会", group_type=GroupType.OTHER)).id
    detail = svc.get_contact(db, CLI, someone["person"])
    svc.update_contact(db, CLI, detail.id, detail.version, ContactDraft(
        kind=ContactKind.PERSON, **PERSON, groups=(
            *detail.groups, Affiliation(other_group, "", "鷹巣瑠璃子個人事務所"))))

    erase_contact(db, admin, someone["person"], REASON, today=TODAY)

    with db.reading(None) as session:
        roles = dict(session.execute(select(Membership.group_id, Membership.role)
                                     .where(Membership.person_id == someone["person"])).all())
        (before, moved), = session.execute(select(ContactMerge.kept_before, ContactMerge.moved))
    assert roles == {someone["group"]: "会計", other_group: ""}  # the memberships stay
    assert all(v.encode() not in (before + moved).encode() for v in VALUES)
    assert json.loads(before)["phone"] == ""


def test_a_group_leaves_the_public_directory(db, admin, someone: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    erase_contact(db, admin, someone["group"], REASON, today=TODAY)
    group = svc.get_contact(db, CLI, someone["group"])
    assert (group.name, group.listed_publicly, group.active) == (
        f"（削除済み）{someone['group']}", False, False)
    with db.reading(None) as session:
        assert session.scalar(select(func.count()).select_from(Membership).where(
            Membership.group_id == someone["group"])) == 1  # the member count stays


@pytest.mark.parametrize("login", ["staff", "advisor", "officer"])
def test_only_an_administrator_erases(db, accounts_by_login, someone, login: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied, match="管理者に依頼"):
        erase_contact(db, accounts_by_login[login], someone["person"], REASON)
    with pytest.raises(PermissionDenied):
        erasure_preview(db, accounts_by_login[login], someone["person"])
    assert svc.get_contact(db, CLI, someone["person"]).name == PERSON["name"]


def test_refusals_say_why_and_change_nothing(db, admin, someone: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as blank:
        erase_contact(db, admin, someone["person"], "  ")
    assert "理由" in (blank.value.for_field("reason") or "")
    with pytest.raises(NotFound, match="番号 999999"):
        erase_contact(db, admin, 999999, REASON)
    with pytest.raises(UserError, match=f"番号 {someone['person']}.*を削除すると"):
        erase_contact(db, admin, someone["merged"], REASON)
    assert svc.get_contact(db, CLI, someone["merged"]).phone == MERGED["phone"]
    erase_contact(db, admin, someone["person"], REASON, today=TODAY)
    with pytest.raises(UserError, match="2026年11月25日 に削除・利用停止済み"):
        erase_contact(db, admin, someone["person"], REASON)
    with db.reading(None) as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == "erase")) == 1


def test_a_stale_form_cannot_write_the_values_back(db, admin, someone: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    open_form = svc.get_contact(db, CLI, someone["person"])
    erase_contact(db, admin, someone["person"], REASON, today=TODAY)
    with pytest.raises(UserError):
        svc.update_contact(db, CLI, open_form.id, open_form.version, open_form.as_draft())
    assert svc.get_contact(db, CLI, someone["person"]).phone == ""
