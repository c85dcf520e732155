"""An erased contact (削除・利用停止) stays erased, on both databases: marked by its column, not
its notes; no service edits, restores or merges it, nor links a new sign-up, consultation,
grant case, membership or 代表者 to it — each says the same message and changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from kyodo_desk.domain.errors import UserError, ValidationError
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import Consultation, ContactMerge, GrantCase, Registration
from kyodo_desk.services import consultations as cons
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import Affiliation, ContactDraft, ContactKind, GroupType
from kyodo_desk.services.contacts.erasure import ERASED_REFUSAL, erase_contact
from kyodo_desk.services.contacts.merge import merge_by_id, merge_preview, undo_merge
from kyodo_desk.services.contacts.registry import confirm_contact
from kyodo_desk.services.events.registrations import SignUpDraft, sign_up
from kyodo_desk.services.grants import cases as grant_cases
from tests.consultation_fields import valid
from tests.event_fixtures import make_event
from tests.grant_fixtures import make_case, make_programme

CLI = Actor.command_line()
TODAY = date(2026, 11, 25)
REASON = "本人からの利用停止の申出"


def person(db, name: str, **fields: str) -> int:  # type: ignore[no-untyped-def]
    return svc.create_contact(db, CLI, ContactDraft(kind=ContactKind.PERSON, name=name,
                                                    **fields)).id


def group(db, name: str) -> int:  # type: ignore[no-untyped-def]
    return svc.create_contact(db, CLI, ContactDraft(
        kind=ContactKind.GROUP, name=name, group_type=GroupType.CIVIC_GROUP)).id


def count(db, model) -> int:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def erased(db, admin) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """An erased person and an erased group; a live person and group beside them."""
    ids = {"person": person(db, "象潟 澄江", phone="0184-43-9876"),
           "group": group(db, "象潟の海を守る会"),
           "live": person(db, "男鹿 次郎"), "live_group": group(db, "男鹿の会")}
    erase_contact(db, admin, ids["person"], REASON, today=TODAY)
    erase_contact(db, admin, ids["group"], REASON, today=TODAY)
    return ids


def test_erasure_marks_the_column_and_notes_mean_nothing(db, admin) -> None:  # type: ignore[no-untyped-def]
    # A clerk typing the old marker into the notes erases nobody.
    typed = person(db, "本荘 花子", notes="削除・利用停止 2026-11-25")
    contact_id = person(db, "象潟 澄江", notes="火曜は不在")
    erase_contact(db, admin, contact_id, REASON, today=TODAY)
    gone = svc.get_contact(db, CLI, contact_id)
    assert (gone.erased_on, gone.notes, gone.active) == (TODAY, "", False)
    kept = svc.get_contact(db, CLI, typed)
    assert kept.erased_on is None
    svc.update_contact(db, CLI, typed, kept.version, kept.as_draft())  # still editable
    # The export reads it too.
    assert {c.id: c.erased_on for c in svc.every_contact(db, CLI)
            if c.id in (typed, contact_id)} == {typed: None, contact_id: TODAY}


def test_an_erased_contact_is_never_edited_even_with_its_current_version(
        db, erased: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    for key in ("person", "group"):
        now = svc.get_contact(db, CLI, erased[key])
        with pytest.raises(UserError) as refused:
            svc.update_contact(db, CLI, now.id, now.version,
                               ContactDraft(kind=now.kind, group_type=now.group_type,
                                            name="書き戻した名前", notes="新しいメモ"))
        assert refused.value.message == ERASED_REFUSAL
        after = svc.get_contact(db, CLI, now.id)
        assert (after.name, after.notes, after.version) == (now.name, "", now.version)


def test_an_erased_group_is_not_confirmed(db, erased: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    now = svc.get_contact(db, CLI, erased["group"])
    with pytest.raises(UserError, match=ERASED_REFUSAL):
        confirm_contact(db, CLI, now.id, now.version, today=TODAY)
    assert svc.get_contact(db, CLI, now.id).confirmed_on == now.confirmed_on


def test_an_erased_contact_is_never_restored_nor_removed_again(
        db, erased: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    now = svc.get_contact(db, CLI, erased["person"])
    for active in (True, False):
        with pytest.raises(UserError, match=ERASED_REFUSAL):
            svc.set_contact_active(db, CLI, now.id, now.version, active)
    after = svc.get_contact(db, CLI, now.id)
    assert (after.active, after.version) == (False, now.version)


def test_an_erased_contact_is_not_merged_either_way(db, erased: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    other = person(db, "象潟 すみえ")
    for keep, merge in ((erased["person"], other), (other, erased["person"])):
        with pytest.raises(UserError, match=ERASED_REFUSAL):
            merge_preview(db, CLI, keep, merge)
        with pytest.raises(UserError, match=ERASED_REFUSAL):
            merge_by_id(db, CLI, keep_id=keep, merge_id=merge)
    assert count(db, ContactMerge) == 0
    assert svc.get_contact(db, CLI, other).merged_into_id is None


def test_a_merge_into_a_contact_erased_since_is_not_undone(db, admin) -> None:  # type: ignore[no-untyped-def]
    kept, merged = person(db, "象潟 澄江"), person(db, "象潟 すみえ", phone="0184-43-1111")
    merge_by_id(db, CLI, keep_id=kept, merge_id=merged)
    erase_contact(db, admin, kept, REASON, today=TODAY)  # the merged record goes with it
    with db.reading(None) as session:
        record_id = session.scalar(select(ContactMerge.id))
    assert record_id is not None
    with pytest.raises(UserError, match=ERASED_REFUSAL):
        undo_merge(db, CLI, record_id)
    back = svc.get_contact(db, CLI, merged)
    assert (back.active, back.merged_into_id, back.erased_on) == (False, kept, TODAY)


def test_no_one_joins_an_erased_group_but_a_kept_membership_stays_editable(
        db, admin) -> None:  # type: ignore[no-untyped-def]
    old_group, new_group = group(db, "象潟の会"), group(db, "由利の会")
    member = svc.create_contact(db, CLI, ContactDraft(
        kind=ContactKind.PERSON, name="男鹿 次郎",
        groups=(Affiliation(old_group, "", "会計"),))).id
    erase_contact(db, admin, old_group, REASON, today=TODAY)
    erase_contact(db, admin, new_group, REASON, today=TODAY)
    now = svc.get_contact(db, CLI, member)

    with pytest.raises(ValidationError) as refused:
        svc.update_contact(db, CLI, member, now.version, ContactDraft(
            kind=ContactKind.PERSON, name="男鹿 次郎",
            groups=(*now.groups, Affiliation(new_group, ""))))
    assert refused.value.for_field("groups") == ERASED_REFUSAL
    with pytest.raises(ValidationError):
        svc.create_contact(db, CLI, ContactDraft(kind=ContactKind.PERSON, name="由利 三郎",
                                                 groups=(Affiliation(new_group, ""),)))

    # The membership held before the erasure is kept through an edit of the member.
    saved = svc.update_contact(db, CLI, member, now.version, ContactDraft(
        kind=ContactKind.PERSON, name="男鹿 次郎", phone="0185-22-1111", groups=now.groups))
    assert ([g.contact_id for g in saved.groups], saved.phone) == ([old_group], "0185-22-1111")


def test_an_erased_person_is_no_group_s_representative(db, erased: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        svc.create_contact(db, CLI, ContactDraft(
            kind=ContactKind.GROUP, name="新しい会", group_type=GroupType.OTHER,
            representative=Affiliation(erased["person"], "")))
    assert "選べません" in (refused.value.for_field("representative") or "")


def test_an_erased_contact_is_not_signed_up(db, officer, facilities,  # type: ignore[no-untyped-def]
                                            erased: dict[str, int]) -> None:
    event = make_event(db, facilities["east"], capacity=5)
    before = count(db, Registration)
    for key in ("person", "group"):
        with pytest.raises(ValidationError) as refused:
            sign_up(db, officer, event.id, SignUpDraft(erased[key], 1))
        assert refused.value.for_field("contact_id") == ERASED_REFUSAL
    assert count(db, Registration) == before
    sign_up(db, officer, event.id, SignUpDraft(erased["live"], 1))  # anyone else is
    assert count(db, Registration) == before + 1


def test_no_new_consultation_names_an_erased_consultee(  # type: ignore[no-untyped-def]
        db, officer, facilities, erased: dict[str, int]) -> None:
    def draft(consultee: int) -> cons.ConsultationDraft:
        return cons.ConsultationDraft(
            held_on=date.today() - timedelta(days=1), facility_id=facilities["east"],
            start_time=time(10), asked="会の運営の相談",
            **valid({"consultee_contact_id": consultee}))

    with pytest.raises(ValidationError) as refused:
        cons.create_consultation(db, officer, draft(erased["person"]))
    assert refused.value.for_field("consultee_contact_id") == ERASED_REFUSAL
    assert count(db, Consultation) == 0
    # Nor is an existing record moved onto them.
    held = cons.create_consultation(db, officer, draft(erased["live"]))
    with pytest.raises(ValidationError) as moved:
        cons.update_consultation(db, officer, held.id, held.version, draft(erased["person"]))
    assert moved.value.for_field("consultee_contact_id") == ERASED_REFUSAL
    assert cons.get_consultation(db, officer, held.id).consultee_contact_id == erased["live"]


def test_no_grant_case_names_an_erased_group(db, officer, erased: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    programme = make_programme(db)
    with pytest.raises(ValidationError) as refused:
        grant_cases.create_case(db, officer, grant_cases.CaseDraft(
            programme.id, erased["group"], "海辺の清掃"),
            now=datetime(2026, 4, 10, 1, tzinfo=UTC))
    assert refused.value.for_field("contact") == ERASED_REFUSAL
    assert count(db, GrantCase) == 0
    case = make_case(db, programme.id, erased["live_group"])
    with pytest.raises(ValidationError) as moved:
        grant_cases.update_case(db, officer, case.id, case.version, grant_cases.CaseDraft(
            programme.id, erased["group"], case.title, case.department, requested=300_000))
    assert moved.value.for_field("contact") == ERASED_REFUSAL
    assert grant_cases.get_case(db, officer, case.id).contact_id == erased["live_group"]


@pytest.fixture
def officer(accounts_by_login) -> Actor:  # type: ignore[no-untyped-def]
    return accounts_by_login["officer"]
