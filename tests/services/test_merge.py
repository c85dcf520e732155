"""統合 (issue 16, item 3): two records of one person or group made one, every kind of linked
row moved to the kept record, the merge refused when it must be, and undone exactly — on both
databases."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from kyodo_desk.domain.errors import ConcurrentEdit, NotFound, UserError
from kyodo_desk.domain.events import RegistrationStatus
from kyodo_desk.domain.permissions import Actor, PermissionDenied
from kyodo_desk.domain.text import fold
from kyodo_desk.models import (
    AuditEntry,
    ContactMerge,
    DistinctContacts,
    Membership,
    Registration,
)
from kyodo_desk.services import consultations
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import Affiliation, ContactDraft, ContactKind, GroupType
from kyodo_desk.services.contacts import merge as m
from kyodo_desk.services.events import checkin, get_event
from kyodo_desk.services.events.registrations import (
    SignUpDraft,
    cancel_registration,
    get_registration,
    sign_up,
)
from kyodo_desk.services.grants import cases as grant_cases
from tests.consultation_fields import valid
from tests.event_fixtures import TODAY, make_event
from tests.grant_fixtures import make_case, make_programme
from tests.two_processes import TIMEOUT, race

CLI = Actor.command_line()
S = RegistrationStatus


@pytest.fixture
def officer(accounts_by_login):  # type: ignore[no-untyped-def]
    return accounts_by_login["officer"]


def new_person(db, name: str, reading: str = "", **fields) -> int:  # type: ignore[no-untyped-def]
    return svc.create_contact(db, CLI, ContactDraft(kind=ContactKind.PERSON, name=name,
                                                    reading=reading, **fields)).id


def new_group(db, name: str, **fields) -> int:  # type: ignore[no-untyped-def]
    return svc.create_contact(db, CLI, ContactDraft(
        kind=ContactKind.GROUP, group_type=GroupType.CIVIC_GROUP, name=name, **fields)).id


def consult(db, actor, facility_id: int, contact_id: int, asked: str = "団体を作りたい") -> int:  # type: ignore[no-untyped-def]
    return consultations.create_consultation(db, actor, consultations.ConsultationDraft(
        held_on=TODAY - timedelta(days=3), facility_id=facility_id, asked=asked,
        **valid({"consultee_contact_id": contact_id}))).id


def version(db, contact_id: int) -> int:  # type: ignore[no-untyped-def]
    return svc.get_contact(db, CLI, contact_id).version


def merge(db, actor, keep: int, gone: int, take: frozenset[str] = frozenset()) -> m.MergeResult:  # type: ignore[no-untyped-def]
    return m.merge_contacts(db, actor, keep_id=keep, keep_version=version(db, keep),
                            merge_id=gone, merge_version=version(db, gone),
                            take_from_merged=take)


def registration_keys(db, registration_id: int) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        row = session.execute(select(Registration.name_key, Registration.reading_key,
                                     Registration.phone_key)
                              .where(Registration.id == registration_id)).one()
        return tuple(row)  # type: ignore[return-value]


def distinct_pairs(db) -> set[tuple[int, int]]:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        return {(a, b) for a, b in session.execute(
            select(DistinctContacts.first_id, DistinctContacts.second_id))}


# --- a person: consultations, sign-ups with attendance, groups, 別の方です -------------------

def test_every_kind_of_linked_row_moves_to_the_kept_person_and_the_undo_puts_each_back(
        db, actor, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    east = facilities["east"]
    music, garden = new_group(db, "秋田まちなか音楽の会"), new_group(db, "広面花壇の会")
    keep = svc.create_contact(db, CLI, ContactDraft(
        kind=ContactKind.PERSON, name="山田 太郎", reading="やまだ たろう", phone="018-888-1234",
        groups=(Affiliation(music, "", "代表"),))).id
    gone = svc.create_contact(db, CLI, ContactDraft(
        kind=ContactKind.PERSON, name="ﾔﾏﾀﾞ ﾀﾛｳ", reading="ヤマダ タロウ", phone="0188881234",
        email="taro@example.jp",
        groups=(Affiliation(music, "", "会員"), Affiliation(garden, "", "事務局")))).id
    other = new_person(db, "山田 次郎", "やまだ じろう")
    svc.update_contact(db, CLI, other, version(db, other), replace(
        svc.get_contact(db, CLI, other).as_draft(), distinct_from=(gone,)))

    mine = consult(db, actor, east, keep, "初めての相談")
    theirs = [consult(db, actor, east, gone, f"相談{n}") for n in range(3)]
    course = make_event(db, east, capacity=10, session_count=2, title="つむぎすと講座")
    festa = make_event(db, east, capacity=10, title="市民活動フェスタ")
    signed = sign_up(db, actor, course.id, SignUpDraft(gone, party_size=2),
                     today=TODAY).registration
    checkin.check_in(db, actor, signed.id, course.sessions[0].id)
    own = sign_up(db, actor, festa.id, SignUpDraft(keep), today=TODAY).registration
    old_keys = registration_keys(db, signed.id)
    seats_before = get_event(db, actor, course.id).seats

    preview = m.merge_preview(db, officer, keep, gone)
    assert preview.keep.name == "山田 太郎" and preview.merge.name == "ﾔﾏﾀﾞ ﾀﾛｳ"
    assert preview.keep_links == m.LinkedCounts(consultations=1, registrations=1,
                                                attendances=0, grant_cases=0, memberships=1)
    assert preview.merge_links == m.LinkedCounts(consultations=3, registrations=1,
                                                 attendances=1, grant_cases=0, memberships=2)
    assert preview.merge_links.total() == 7

    result = merge(db, officer, keep, gone)

    assert result.summary == (f"山田 太郎（番号 {keep}）に ﾔﾏﾀﾞ ﾀﾛｳ（番号 {gone}）を統合しました"
                              "（相談 3件・申込 1件・出席 1件・所属 1件）。")
    assert result.moved == m.LinkedCounts(consultations=3, registrations=1, attendances=1,
                                          grant_cases=0, memberships=1)
    kept = svc.get_contact(db, CLI, keep)
    assert result.kept == kept
    # 音楽の会 was the kept person's already (their role stays); 花壇の会 came along.
    assert [(g.name, g.role) for g in kept.groups] == [("広面花壇の会", "事務局"),
                                                       ("秋田まちなか音楽の会", "代表")]
    assert kept.email == ""  # nothing was picked from the merged record
    for cid in [mine, *theirs]:
        seen = consultations.get_consultation(db, actor, cid)
        assert (seen.consultee_contact_id, seen.consultee_name) == (keep, "山田 太郎")
    moved = get_registration(db, actor, signed.id)
    assert (moved.contact_id, moved.contact_name) == (keep, "山田 太郎")
    assert moved.attended_session_ids == (course.sessions[0].id,)
    assert registration_keys(db, signed.id) == (fold("山田 太郎"), fold("やまだ たろう"),
                                                fold("018-888-1234"))
    assert get_event(db, actor, course.id).seats == seats_before
    assert get_registration(db, actor, own.id).contact_id == keep
    # The merged record stays, removed and pointing at the kept one.
    left = svc.get_contact(db, CLI, gone)
    assert (left.active, left.merged_into_id, left.groups) == (False, keep, ())
    assert gone not in [e.ref.id for e in svc.search_contacts(db, actor, "ﾀﾛｳ").entries]
    assert distinct_pairs(db) == {tuple(sorted((keep, other)))}

    restored = m.undo_merge(db, officer, result.merge_id)

    assert restored.name == "山田 太郎" and restored.merged_into_id is None
    assert [(g.name, g.role) for g in restored.groups] == [("秋田まちなか音楽の会", "代表")]
    back = svc.get_contact(db, CLI, gone)
    assert (back.active, back.merged_into_id) == (True, None)
    assert [(g.name, g.role) for g in back.groups] == [("広面花壇の会", "事務局"),
                                                       ("秋田まちなか音楽の会", "会員")]
    assert consultations.get_consultation(db, actor, mine).consultee_contact_id == keep
    for cid in theirs:
        assert consultations.get_consultation(db, actor, cid).consultee_contact_id == gone
    again = get_registration(db, actor, signed.id)
    assert (again.contact_id, again.attended_session_ids) == (gone, (course.sessions[0].id,))
    assert registration_keys(db, signed.id) == old_keys
    assert get_registration(db, actor, own.id).contact_id == keep
    assert distinct_pairs(db) == {tuple(sorted((gone, other)))}
    assert m.merge_preview(db, officer, keep, gone).merge_links == preview.merge_links


def test_a_group_merge_moves_its_grant_cases_and_members_and_the_undo_restores_them(
        db, officer) -> None:  # type: ignore[no-untyped-def]
    programme = make_programme(db)
    keep = new_group(db, "特定非営利活動法人あきた子ども食堂")
    gone = new_group(db, "NPO法人 あきた子ども食堂", phone="018-800-0001")
    case = make_case(db, programme.id, gone, "こども食堂の運営")
    own_case = make_case(db, programme.id, keep, "学習支援")
    both = new_person(db, "佐藤 花子")
    only = svc.create_contact(db, CLI, ContactDraft(
        kind=ContactKind.PERSON, name="鈴木 一郎", groups=(Affiliation(gone, "", "事務局"),))).id
    for group_id, role in ((keep, "代表"), (gone, "会員")):
        draft = svc.get_contact(db, CLI, both).as_draft()
        svc.update_contact(db, CLI, both, version(db, both), replace(
            draft, groups=(*draft.groups, Affiliation(group_id, "", role))))
    stale_form = svc.get_contact(db, CLI, only)

    result = merge(db, officer, keep, gone, frozenset({"phone"}))

    assert result.moved.grant_cases == 1 and result.moved.memberships == 1
    assert grant_cases.get_case(db, officer, case.id).contact_id == keep
    assert {c.id for c in grant_cases.list_cases(db, officer, contact_id=keep)} == {
        case.id, own_case.id}
    kept = svc.get_contact(db, CLI, keep)
    assert kept.phone == "018-800-0001"  # picked from the merged record
    assert sorted((a.name, a.role) for a in kept.members) == [("佐藤 花子", "代表"),
                                                             ("鈴木 一郎", "事務局")]
    # A form opened before the merge would put 鈴木 back into the removed group: refused.
    with pytest.raises(ConcurrentEdit):
        svc.update_contact(db, CLI, only, stale_form.version, stale_form.as_draft())
    stale_case = grant_cases.get_case(db, officer, case.id)

    m.undo_merge(db, officer, result.merge_id)

    assert grant_cases.get_case(db, officer, case.id).contact_id == gone
    assert grant_cases.get_case(db, officer, own_case.id).contact_id == keep
    assert [a.name for a in svc.get_contact(db, CLI, keep).members] == ["佐藤 花子"]
    assert sorted((a.name, a.role) for a in svc.get_contact(db, CLI, gone).members) == [
        ("佐藤 花子", "会員"), ("鈴木 一郎", "事務局")]
    assert svc.get_contact(db, CLI, keep).phone == ""
    assert stale_case.version < grant_cases.get_case(db, officer, case.id).version


# --- field picking -------------------------------------------------------------------------

def test_the_clerk_picks_each_field_and_the_search_and_sign_ups_follow(
        db, actor, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    keep = new_person(db, "山田 太郎", "やまだ たろう", phone="018-888-1234",
                      notes="車いす利用")
    gone = new_person(db, "山田 太朗", "やまだ たろう", email="taro@example.jp",
                      address="秋田市山王一丁目1番1号")
    event = make_event(db, facilities["east"])
    signed = sign_up(db, actor, event.id, SignUpDraft(gone), today=TODAY).registration

    result = merge(db, officer, keep, gone, frozenset({"name", "email"}))

    kept = result.kept
    assert (kept.name, kept.email, kept.phone, kept.address, kept.notes) == (
        "山田 太朗", "taro@example.jp", "018-888-1234", "", "車いす利用")
    assert [e.ref.id for e in svc.search_contacts(db, actor, "太朗").entries] == [keep]
    assert registration_keys(db, signed.id)[0] == fold("山田 太朗")
    with pytest.raises(ValueError, match="kind"):
        merge(db, officer, keep, new_person(db, "別人"), frozenset({"kind"}))

    restored = m.undo_merge(db, officer, result.merge_id)

    assert (restored.name, restored.email, restored.phone, restored.notes) == (
        "山田 太郎", "", "018-888-1234", "車いす利用")
    assert [e.ref.id for e in svc.search_contacts(db, actor, "太朗").entries] == [gone]


def test_the_command_lines_merge_fills_only_the_kept_records_empty_fields(db) -> None:  # type: ignore[no-untyped-def]
    keep = new_person(db, "山田 太郎", phone="018-888-1234")
    gone = new_person(db, "ﾔﾏﾀﾞ ﾀﾛｳ", "やまだ たろう", phone="090-1111-2222",
                      email="taro@example.jp")
    kept = m.merge_by_id(db, CLI, keep_id=keep, merge_id=gone).kept
    assert (kept.name, kept.reading, kept.phone, kept.email) == (
        "山田 太郎", "やまだ たろう", "018-888-1234", "taro@example.jp")


# --- refusals ------------------------------------------------------------------------------

def test_each_refusal_says_why_and_changes_nothing(db, officer) -> None:  # type: ignore[no-untyped-def]
    keep, gone = new_person(db, "山田 太郎"), new_person(db, "山田 太郎")
    group = new_group(db, "山田商店")
    removed = new_person(db, "山田 太郎")
    svc.set_contact_active(db, CLI, removed, version(db, removed), False)
    earlier, into = new_person(db, "山田 太郎"), new_person(db, "山田 太郎")
    merge(db, officer, into, earlier)
    versions = {c: version(db, c) for c in (keep, gone, group, removed, earlier, into)}

    cases = [
        ((keep, keep), "同じ連絡先どうしは統合できません"),
        ((keep, group), f"個人と団体は統合できません（「山田 太郎」（番号 {keep}）は個人、"
                        f"「山田商店」（番号 {group}）は団体です）"),
        ((group, keep), "個人と団体は統合できません"),
        ((keep, removed), f"「山田 太郎」（番号 {removed}）は削除されているため統合できません"),
        ((removed, keep), "削除されているため"),
        ((keep, earlier), f"（番号 {earlier}）はすでに番号 {into} の連絡先に統合されています"),
        ((earlier, keep), "すでに番号"),
    ]
    for (k, g), says in cases:
        with pytest.raises(UserError) as refused:
            m.merge_contacts(db, officer, keep_id=k, keep_version=versions[k], merge_id=g,
                             merge_version=versions[g])
        assert says in refused.value.message, (k, g)
        with pytest.raises(UserError) as previewed:
            m.merge_preview(db, officer, k, g)
        assert previewed.value.message == refused.value.message
    with pytest.raises(NotFound, match="番号 999999 の連絡先は見つかりません"):
        m.merge_preview(db, officer, keep, 999_999)
    # A record changed since the clerk looked at it: 競合, as any save.
    svc.update_contact(db, CLI, gone, versions[gone], replace(
        svc.get_contact(db, CLI, gone).as_draft(), phone="018-800-1111"))
    with pytest.raises(ConcurrentEdit):
        m.merge_contacts(db, officer, keep_id=keep, keep_version=versions[keep],
                         merge_id=gone, merge_version=versions[gone])
    assert m.merge_preview(db, officer, keep, gone).merge.phone == "018-800-1111"
    assert version(db, keep) == versions[keep]
    assert svc.get_contact(db, CLI, gone).active
    with db.reading(None) as session:
        assert len(session.scalars(select(ContactMerge)).all()) == 1


def test_only_officers_and_administrators_merge(db, actor, officer, admin) -> None:  # type: ignore[no-untyped-def]
    keep, gone = new_person(db, "山田 太郎"), new_person(db, "山田 太郎")
    for call in (lambda: m.merge_preview(db, actor, keep, gone),
                 lambda: merge(db, actor, keep, gone),
                 lambda: m.merges_of(db, actor, keep),
                 lambda: m.undo_merge(db, actor, 1)):
        with pytest.raises(PermissionDenied, match="重複の確認と統合"):
            call()
    done = merge(db, admin, keep, gone)
    assert [r.merged_by_name for r in m.merges_of(db, officer, keep)] == ["管理 太郎"]
    m.undo_merge(db, officer, done.merge_id)


def test_two_live_sign_ups_for_one_event_are_refused_until_one_is_cancelled(
        db, actor, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    keep, gone = new_person(db, "山田 太郎"), new_person(db, "ﾔﾏﾀﾞ ﾀﾛｳ")
    event = make_event(db, facilities["east"], capacity=3, title="まちづくりワークショップ")
    first = sign_up(db, actor, event.id, SignUpDraft(keep), today=TODAY).registration
    second = sign_up(db, actor, event.id, SignUpDraft(gone, party_size=2),
                     today=TODAY).registration
    sign_up(db, actor, event.id, SignUpDraft(new_person(db, "待つ 人")), today=TODAY)
    says = ("イベント「まちづくりワークショップ」に両方の申込があります（受付番号 1・受付済 と "
            "受付番号 2・受付済）。統合すると同じ方の二重申込になるため、どちらかの申込をキャンセル"
            "してから統合してください。")
    with pytest.raises(UserError) as refused:
        merge(db, officer, keep, gone)
    assert refused.value.message == says
    with pytest.raises(UserError, match="二重申込"):
        m.merge_preview(db, officer, keep, gone)

    cancel_registration(db, actor, second.id)  # frees 2 seats; the waiting person moves up
    seats = get_event(db, actor, event.id).seats
    merge(db, officer, keep, gone)

    assert get_event(db, actor, event.id).seats == seats
    assert {(r.contact_id, r.status) for r in (get_registration(db, actor, first.id),
                                               get_registration(db, actor, second.id))} == {
        (keep, S.CONFIRMED), (keep, S.CANCELLED)}


def test_sign_ups_both_over_are_history_and_both_move(db, actor, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    keep, gone = new_person(db, "山田 太郎"), new_person(db, "ﾔﾏﾀﾞ ﾀﾛｳ")
    event = make_event(db, facilities["east"], capacity=5)
    regs = [sign_up(db, actor, event.id, SignUpDraft(c), today=TODAY).registration
            for c in (keep, gone)]
    for reg in regs:
        checkin.check_in(db, actor, reg.id, event.sessions[0].id)
    seats = get_event(db, actor, event.id).seats

    result = merge(db, officer, keep, gone)

    assert (result.moved.registrations, result.moved.attendances) == (1, 1)
    assert [get_registration(db, actor, r.id).contact_id for r in regs] == [keep, keep]
    assert get_event(db, actor, event.id).seats == seats


def test_two_cases_of_one_project_are_refused(db, officer) -> None:  # type: ignore[no-untyped-def]
    programme = make_programme(db)
    keep, gone = new_group(db, "秋田まちなか音楽の会"), new_group(db, "秋田まちなか音楽の会")
    make_case(db, programme.id, keep, "まちなかコンサート")
    make_case(db, programme.id, gone, "まちなかｺﾝｻｰﾄ")
    with pytest.raises(UserError) as refused:
        merge(db, officer, keep, gone)
    assert refused.value.message.startswith(
        f"{programme.name}の「まちなかコンサート」の案件が両方にあります。")


# --- what a merged record still answers to --------------------------------------------------

def test_an_old_receipt_still_checks_in_under_the_kept_name(db, actor, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    keep, gone = new_person(db, "山田 太郎"), new_person(db, "ﾔﾏﾀﾞ ﾀﾛｳ")
    course = make_event(db, facilities["east"], session_count=2)
    reg = sign_up(db, actor, course.id, SignUpDraft(gone), today=TODAY).registration
    checkin.check_in_by_code(db, actor, course.sessions[0].id, reg.ticket.text())
    merge(db, officer, keep, gone)

    scanned = checkin.check_in_by_code(db, actor, course.sessions[1].id, reg.ticket.text())

    assert scanned.outcome is checkin.CheckInOutcome.CHECKED_IN
    assert scanned.message == "山田 太郎さんを出席にしました。"
    assert svc.get_contact(db, CLI, gone).merged_into_id == keep


def test_a_form_opened_before_the_merge_cannot_put_its_row_back(
        db, actor, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    keep, gone = new_person(db, "山田 太郎"), new_person(db, "ﾔﾏﾀﾞ ﾀﾛｳ")
    opened = consultations.get_consultation(
        db, actor, consult(db, actor, facilities["east"], gone))
    merge(db, officer, keep, gone)
    with pytest.raises(ConcurrentEdit):
        consultations.update_consultation(db, actor, opened.id, opened.version,
                                          replace(opened.as_draft(), answered="回答しました"))
    assert consultations.get_consultation(db, actor, opened.id).consultee_contact_id == keep


def test_a_record_merged_earlier_then_points_at_the_new_kept_record(db, officer) -> None:  # type: ignore[no-untyped-def]
    a, b, c = (new_person(db, "山田 太郎") for _ in range(3))
    merge(db, officer, b, c)
    later = merge(db, officer, a, b)
    assert svc.get_contact(db, CLI, c).merged_into_id == a
    m.undo_merge(db, officer, later.merge_id)
    assert svc.get_contact(db, CLI, c).merged_into_id == b


def test_every_link_to_a_contact_is_moved_by_a_merge() -> None:
    assert m.unhandled_links() == []
    assert {f"{t.name}.{c.name}" for t, c in m.plain_links()} >= {
        "consultations.consultee_contact_id", "grant_cases.contact_id",
        "contacts.merged_into_id"}


# --- audit, history, undo ------------------------------------------------------------------

def test_the_merge_and_its_undo_are_audited_with_numbers_never_values(db, officer) -> None:  # type: ignore[no-untyped-def]
    keep = new_person(db, "山田 太郎", phone="018-888-1234")
    gone = new_person(db, "ﾔﾏﾀﾞ ﾀﾛｳ", "やまだ たろう", email="taro@example.jp",
                      phone="090-1111-2222")
    with db.reading(None) as session:
        start = session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    done = merge(db, officer, keep, gone)
    m.undo_merge(db, officer, done.merge_id)

    with db.reading(None) as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.id > start)
                               .order_by(AuditEntry.id)).all()
        session.expunge_all()
    acts = {(r.action, r.table_name) for r in rows}
    assert {("merge", "contacts"), ("merge_undo", "contacts"), ("insert", "contact_merges"),
            ("update", "contact_merges")} <= acts
    # But the contacts' versions, read (and so logged, "open") by the command line.
    assert all(r.actor == "協働 三郎" for r in rows if r.action != "open")
    [event] = [r for r in rows if r.action == "merge"]
    assert event.record_id == keep
    assert event.changes["merged_id"] == gone and event.changes["merge_id"] == done.merge_id
    [inserted] = [r for r in rows if r.action == "insert" and r.table_name == "contact_merges"]
    assert inserted.changes["kept_before"] == [None, "********"]
    assert inserted.changes["moved"] == [None, "********"]
    written = json.dumps([r.changes for r in rows], ensure_ascii=False)
    for value in ("ﾔﾏﾀﾞ", "やまだ", "taro@example.jp", "090-1111-2222", "018-888-1234"):
        assert value not in written


def test_merges_are_listed_newest_first_and_undone_in_reverse_order(db, officer) -> None:  # type: ignore[no-untyped-def]
    a, b, c = new_person(db, "山田 太郎"), new_person(db, "ﾔﾏﾀﾞ ﾀﾛｳ"), new_person(db, "山田 太朗")
    first, second = merge(db, officer, a, b), merge(db, officer, a, c)
    listed = m.merges_of(db, officer, a)
    assert [(r.merge_id, r.merged_id, r.merged_name, r.merged_by_name) for r in listed] == [
        (second.merge_id, c, "山田 太朗", "協働 三郎"), (first.merge_id, b, "ﾔﾏﾀﾞ ﾀﾛｳ", "協働 三郎")]
    assert [r.merge_id for r in m.merges_of(db, officer, b)] == [first.merge_id]

    with pytest.raises(UserError) as refused:
        m.undo_merge(db, officer, first.merge_id)
    assert refused.value.message.startswith(f"統合の後に「山田 太郎」（番号 {a}）が変更されたため")
    m.undo_merge(db, officer, second.merge_id)
    m.undo_merge(db, officer, first.merge_id)
    assert m.merges_of(db, officer, a) == []
    with pytest.raises(UserError, match="この統合はすでに取り消されています"):
        m.undo_merge(db, officer, first.merge_id)
    with pytest.raises(NotFound):
        m.undo_merge(db, officer, 999_999)


def test_an_undo_after_the_kept_record_was_edited_is_refused(db, officer) -> None:  # type: ignore[no-untyped-def]
    keep, gone = new_person(db, "山田 太郎"), new_person(db, "ﾔﾏﾀﾞ ﾀﾛｳ")
    done = merge(db, officer, keep, gone)
    svc.update_contact(db, CLI, keep, version(db, keep), replace(
        svc.get_contact(db, CLI, keep).as_draft(), phone="018-888-0000"))
    with pytest.raises(UserError, match="取り消せません"):
        m.undo_merge(db, officer, done.merge_id)
    assert svc.get_contact(db, CLI, gone).merged_into_id == keep
    assert svc.get_contact(db, CLI, keep).phone == "018-888-0000"


# --- two officers merging the same pair at once ---------------------------------------------

ROUNDS = 8  # half the same way round, half crossed (one keeps A, the other keeps B)


def _officer_process(url: str, side: int, officer: Actor, pairs: list[tuple[int, int]],
                     barrier, out) -> None:  # type: ignore[no-untyped-def]
    """One officer's PC: its own connection; at each round it reads both records as the merge
    screen does, waits for the other, then merges at once (without the retry, so a deadlock
    shows as Contention)."""
    import traceback

    from kyodo_desk.database import open_database
    from kyodo_desk.domain.errors import Contention

    seen: list[tuple[str, str]] = []
    try:
        db = open_database(url)
        try:
            for n, (a, b) in enumerate(pairs):
                keep, gone = (b, a) if side == 1 and n % 2 else (a, b)
                preview = m.merge_preview(db, officer, keep, gone)
                barrier.wait(timeout=TIMEOUT)
                try:
                    m.merge_contacts.__wrapped__(
                        db, officer, keep_id=keep, keep_version=preview.keep.version,
                        merge_id=gone, merge_version=preview.merge.version)
                    seen.append(("done", ""))
                except Contention:
                    seen.append(("error", traceback.format_exc()))
                except UserError as exc:
                    seen.append(("refused", exc.message))
                except Exception:
                    seen.append(("error", traceback.format_exc()))
        finally:
            db.dispose()
    except BaseException:
        seen.append(("error", traceback.format_exc()))
        barrier.abort()
    out.put((side, seen))


def test_two_officers_merging_one_pair_at_once_one_wins_and_the_other_is_told_why(
        db, database_url, officer) -> None:  # type: ignore[no-untyped-def]

    club = new_group(db, "秋田まちなか音楽の会")
    pairs = [tuple(svc.create_contact(db, CLI, ContactDraft(
        kind=ContactKind.PERSON, name=f"同時 統合{n}", groups=(Affiliation(club, "", ""),))).id
        for _ in range(2)) for n in range(ROUNDS)]
    reports = race(_officer_process, database_url, officer, pairs)

    errors = [msg for side in (0, 1) for kind, msg in reports[side] if kind == "error"]
    assert not errors, "\n".join(errors[:2])
    for (a, b), first, second in zip(pairs, reports[0], reports[1], strict=True):
        assert sorted([first[0], second[0]]) == ["done", "refused"]
        refusal = first[1] or second[1]
        assert "統合されています" in refusal or "他の窓口で変更されました" in refusal, refusal
        left = [svc.get_contact(db, CLI, c) for c in (a, b)]
        assert sorted(c.active for c in left) == [False, True]
        kept = next(c for c in left if c.active)
        assert next(c for c in left if not c.active).merged_into_id == kept.id
        assert [g.name for g in kept.groups] == ["秋田まちなか音楽の会"]
        assert [r.kept_id for r in m.merges_of(db, officer, kept.id)] == [kept.id]
    assert len(svc.get_contact(db, CLI, club).members) == ROUNDS


def test_memberships_keep_their_joining_day_through_a_merge_and_its_undo(
        db, officer) -> None:  # type: ignore[no-untyped-def]
    """加入日 moves with a membership; one dropped (the kept record's already) comes back
    with its own day on the undo."""
    music, garden = new_group(db, "秋田まちなか音楽の会"), new_group(db, "広面花壇の会")
    keep = new_person(db, "山田 太郎", groups=(Affiliation(music, "", ""),))
    gone = new_person(db, "ﾔﾏﾀﾞ ﾀﾛｳ", groups=(Affiliation(music, "", ""),
                                                Affiliation(garden, "", "")))
    days = {(keep, music): date(2023, 7, 1), (gone, music): date(2021, 5, 1),
            (gone, garden): date(2022, 6, 1)}

    def joined() -> dict[tuple[int, int], date | None]:
        with db.reading(None) as session:
            return {(p, g): day for p, g, day in session.execute(
                select(Membership.person_id, Membership.group_id, Membership.joined_on)
                .where(Membership.person_id.in_((keep, gone))))}

    assert set(joined().values()) == {date.today()}  # recorded by the form today
    with db.writing(CLI) as session:
        for key, day in days.items():
            session.get_one(Membership, key).joined_on = day
    done = merge(db, officer, keep, gone)
    assert joined() == {(keep, music): date(2023, 7, 1), (keep, garden): date(2022, 6, 1)}
    m.undo_merge(db, officer, done.merge_id)
    assert joined() == days
