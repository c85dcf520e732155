"""保有個人情報の開示 as printed (`contact-disclosure`), read back with poppler: everything held
about a group or person — the record, the content of its consultations, its sign-ups with
their notes, its cases and the history of its record — on pages marked 取扱注意, made by an
administrator only, each one audited with the request's reason and no value; long histories
flow over pages that keep every word inside, empty sections say 該当なし, and a contact whose
personal values were erased still discloses what is left."""

from __future__ import annotations

import json
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from kyodo_desk import leaflets
from kyodo_desk.domain.events import EventKind
from kyodo_desk.domain.permissions import Actor, PermissionDenied
from kyodo_desk.leaflets.style import STAFF_ONLY
from kyodo_desk.models import AuditEntry, ContactKind, GroupType
from kyodo_desk.services.contacts import ContactDraft, create_contact
from kyodo_desk.services.contacts.erasure import erase_contact
from kyodo_desk.services.events import SessionDraft
from kyodo_desk.services.events.registrations import SignUpDraft, sign_up
from tests.event_fixtures import make_event
from tests.leaflets import assert_fonts_embedded, flat, kinsoku_offences, text_of
from tests.leaflets.test_event_prints import pages_of
from tests.leaflets.test_group_directory_print import assert_inside_the_margins_and_no_empty_page
from tests.services.test_contact_record import EAST_ASKED, WEST_ASKED, History, consult
from tests.services.test_contact_record import history as history  # a fixture

TODAY = date(2026, 12, 5)
REASON = "本人からの開示請求（令和8年12月1日受付 第12号）"
ANSWERED = "定款の例と設立までの流れを説明し、県の窓口を紹介した。"
NOTE = "車いすで参加します。介助者が同行します。"
CLI = Actor.command_line()


def render(db, actor, contact_id: int, **options) -> bytes:  # type: ignore[no-untyped-def]
    return leaflets.render("contact-disclosure", db, actor, today=TODAY, contact_id=contact_id,
                           **options)


def rows_of(db, action: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with db.reading(CLI) as session:
        found = list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                     .order_by(AuditEntry.id)))
        session.expunge_all()
    return found


@pytest.fixture
def told(db, accounts_by_login, facilities, history: History) -> History:  # type: ignore[no-untyped-def]
    """The カルテ's group, with an answer to one consultation and a sign-up with 配慮事項."""
    consult(db, accounts_by_login["staff"], facilities["east"], history.group, date(2026, 8, 3),
            "会計の付け方を知りたい。", answered=ANSWERED)
    made = make_event(db, facilities["east"], title="川辺の清掃ボランティア説明会",
                      kind=EventKind.SEMINAR, signup_opens_on=None, signup_closes_on=None,
                      sessions=(SessionDraft(date(2026, 9, 12), time(10), time(12), ""),))
    sign_up(db, CLI, made.id, SignUpDraft(history.group, party_size=3, notes=NOTE))
    return history


def test_the_disclosure_holds_everything_held_and_is_marked(  # type: ignore[no-untyped-def]
        db, admin, told: History, tmp_path: Path) -> None:
    leaflets.render("contact-record", db, admin, today=TODAY, contact_id=told.group)
    pdf = render(db, admin, told.group, reason=REASON)
    pages = pages_of(pdf, tmp_path)
    assert pages and all(STAFF_ONLY in page for page in pages)
    found = flat(text_of(pdf, tmp_path))
    for shown in ("保有個人情報の開示", "令和8年12月5日", f"番号{told.group}", flat(REASON),
                  "あきた川辺の会",  # the record, every field labelled
                  "名称", "よみ", "電話番号", "E-mail", "メモ", "（登録なし）",
                  "構成員（2件）", "川辺一郎", "代表",  # memberships
                  "相談記録（3件）", flat(EAST_ASKED), flat(WEST_ASKED), flat(ANSWERED),
                  "回答・助言", "相談方法", "電話", "NPO法人化",  # the consultations in full
                  "イベントの申込・出席（2件）", flat(NOTE), "川辺の清掃ボランティア説明会", "3名",
                  "交付金案件（2件）", "川辺の夏まつり", "250,000円", "採択",  # cases, moves
                  "記録の操作履歴"):
        assert shown in found, shown
    # The history of its record and its consultations: who made them, and each print.
    assert "相談記録（番号" in found and "窓口花子" in found and "西部次郎" in found
    assert flat(f"{admin.name}印刷連絡先印刷物: 団体カルテ・個人カルテ") in found
    assert kinsoku_offences(text_of(pdf, tmp_path)) == []
    assert_fonts_embedded(pdf, tmp_path)


def test_the_disclosure_is_audited_with_the_reason_and_no_value(  # type: ignore[no-untyped-def]
        db, admin, told: History, tmp_path: Path) -> None:
    pdf = render(db, admin, told.group, reason=REASON)
    (disclosed,) = rows_of(db, "disclose")
    assert (disclosed.table_name, disclosed.record_id, disclosed.actor) == (
        "contacts", told.group, admin.name)
    assert disclosed.changes == {"理由": [None, REASON]}
    printed = rows_of(db, "print")[-1]
    assert printed.changes["印刷物"] == [None, "保有個人情報の開示"]
    logged = json.dumps([disclosed.changes, printed.changes], ensure_ascii=False)
    for value in ("あきた川辺の会", EAST_ASKED, NOTE, ANSWERED):
        assert value not in logged
    # A second disclosure lists the first in its history, under its own words.
    again = flat(text_of(render(db, admin, told.group), tmp_path))
    assert "開示" in again and flat(f"理由: {REASON}") in again
    assert len(pdf) > 0


@pytest.mark.parametrize("login", ["staff", "advisor", "officer"])
def test_only_an_administrator_may_disclose(  # type: ignore[no-untyped-def]
        db, accounts_by_login, told: History, login: str) -> None:
    with pytest.raises(PermissionDenied, match="操作記録を閲覧できません"):
        render(db, accounts_by_login[login], told.group, reason=REASON)
    assert rows_of(db, "disclose") == [] and rows_of(db, "print") == []


def test_a_person_with_nothing_but_the_record_reads_none_held(  # type: ignore[no-untyped-def]
        db, admin, tmp_path: Path) -> None:
    person = create_contact(db, CLI, ContactDraft(
        kind=ContactKind.PERSON, name="山田 花子", reading="やまだ はなこ",
        phone="090-4444-7777")).id
    pdf = render(db, admin, person)
    assert_inside_the_margins_and_no_empty_page(pdf, tmp_path)
    found = flat(text_of(pdf, tmp_path))
    assert "山田花子" in found and "090-4444-7777" in found and "請求の理由" not in found
    for empty in ("所属団体（0件）", "相談記録（0件）", "イベントの申込・出席（0件）",
                  "交付金案件（0件）"):
        assert f"{empty}該当なし" in found, empty


def test_a_long_history_flows_over_pages_with_every_word_inside(  # type: ignore[no-untyped-def]
        db, admin, accounts_by_login, facilities, tmp_path: Path) -> None:
    long_name = "あきた川辺の自然と文化を次の世代へ伝える" * 4  # 80 characters
    group = create_contact(db, CLI, ContactDraft(
        kind=ContactKind.GROUP, group_type=GroupType.NPO, name=long_name, reading="あきたかわべ",
        notes="長い記録の確認。" * 200)).id
    staff = accounts_by_login["staff"]
    for n in range(300):
        consult(db, staff, facilities["east"], group, date(2024, 1, 1) + timedelta(days=n * 2),
                f"相談その{n}。" + "会場と日程の調整について相談したい。" * (40 if n == 0 else 2),
                answered=f"回答その{n}。")
    for n in range(3):
        made = make_event(db, facilities["east"], title=f"{n}" + "長い題名のイベント" * 9,
                          signup_opens_on=None, signup_closes_on=None,
                          sessions=(SessionDraft(date(2026, 9, 1 + n), time(10), time(12), ""),))
        sign_up(db, CLI, made.id, SignUpDraft(group, notes="配慮の内容。" * 300))
    pdf = render(db, admin, group)
    pages = assert_inside_the_margins_and_no_empty_page(pdf, tmp_path)
    assert pages > 10
    found = flat(text_of(pdf, tmp_path))
    assert "相談記録（300件）" in found and "相談その0。" in found and "相談その299。" in found
    assert "回答その150。" in found and flat(long_name) in found


def test_an_erased_contact_still_discloses_what_is_left(  # type: ignore[no-untyped-def]
        db, admin, told: History, tmp_path: Path) -> None:
    erase_contact(db, admin, told.group, "本人からの利用停止の申出", today=date(2026, 11, 25))
    found = flat(text_of(render(db, admin, told.group, reason=REASON), tmp_path))
    # The placeholder, the day of the erasure, no word of theirs; the dates and counts kept.
    assert f"（削除済み）{told.group}" in found and "削除・利用停止（令和8年11月25日）" in found
    assert "あきた川辺の会" not in found
    assert flat(EAST_ASKED) not in found and flat(NOTE) not in found
    assert "相談記録（0件）該当なし" in found
    assert "イベントの申込・出席（2件）" in found and "交付金案件（2件）" in found
    # The history says it was erased, and why, in the officer's words.
    assert "記録の操作履歴" in found and flat("理由: 本人からの利用停止の申出") in found
