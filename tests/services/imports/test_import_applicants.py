"""An event's applicants from a web form's export (申込者の取り込み), on both databases: taken
in the order sent under the event's capacity and queue rule, matched to the registry as the
sign-up dialog is, refused rows reported and nothing stored, all or nothing, safe to repeat."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.events import QueueRule
from kyodo_desk.models import AuditEntry, Contact, Registration
from kyodo_desk.services.events import registrations as svc
from kyodo_desk.services.events.registrations import SignUpDraft
from kyodo_desk.services.imports import Cancelled, ImportSource, Outcome
from kyodo_desk.services.imports import applicants as target
from tests.event_fixtures import TODAY, make_event, person
from tests.import_files import FormulaError, write_csv, write_ods, write_xls, write_xlsx

HEADER = ["タイムスタンプ", "お名前", "フリガナ", "電話番号", "メールアドレス", "参加人数",
          "ご質問・配慮事項"]
SENT = datetime.combine(TODAY - timedelta(days=3), datetime.min.time()).replace(hour=9)


def at(minutes: int) -> datetime:
    return SENT + timedelta(minutes=minutes)


# Out of the order sent, as a merged export may be; a title row above the header.
FORM = [
    ["市民活動入門セミナー 申込一覧"],
    HEADER,
    [at(30), "鈴木 次郎", "スズキ ジロウ", "090-2222-0002", "jiro@example.jp", 2, ""],
    [at(10), "秋田 一郎", "アキタ イチロウ", "℡018-888-0001", "ichiro@example.jp", "２人",
     "車いすで参加します"],
    [at(20), "髙橋 花子", "タカハシ ハナコ", "090-3333-0003", "", None, "託児希望（3歳）"],
    [at(40), "佐藤 三郎", "サトウ サブロウ", "018-888-0004", "saburo@example.jp", 1, ""],
]


def source(path: Path, event_id: int | None) -> ImportSource:
    return ImportSource(path, event_id=event_id)


def statuses(db, actor, event_id: int) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(r.contact_name, r.status_label)
            for r in svc.list_registrations(db, actor, event_id)]


def counts(db) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        return (session.scalar(select(func.count()).select_from(Contact)) or 0,
                session.scalar(select(func.count()).select_from(Registration)) or 0,
                session.scalar(select(func.count()).select_from(AuditEntry)
                               .where(AuditEntry.action == "import")) or 0)


def test_sign_ups_in_the_order_sent_under_the_capacity_and_again_adds_nothing(
        db, actor, facilities, tmp_path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], capacity=4, rule=QueueRule.STRICT)
    path = write_xlsx(tmp_path / "申込.xlsx", FORM)
    contacts_before = counts(db)[0]
    plan = target.plan(db, actor, source(path, event.id))
    assert plan.ready
    # File rows 4, 5, 3, 6 were sent in that order: 2 + 1 seats, then 鈴木's 2 no longer fit.
    assert [(r.row, r.outcome, r.note) for r in plan.rows] == [
        (4, Outcome.NEW, "受付（新しい連絡先）"), (5, Outcome.NEW, "受付（新しい連絡先）"),
        (3, Outcome.NEW, "キャンセル待ち 1番（新しい連絡先）"),
        (6, Outcome.NEW, "キャンセル待ち 2番（新しい連絡先）")]
    assert plan.rows[0].values["人数"] == "2"
    assert plan.rows[0].values["電話番号"] == "018-888-0001"
    assert plan.rows[1].values["人数"] == "1"  # empty: one person
    assert counts(db) == (contacts_before, 0, 0)  # the plan stores nothing

    result = target.run(db, actor, plan)
    assert (result.added, result.unchanged) == (4, 0)
    assert statuses(db, actor, event.id) == [
        ("秋田 一郎", "受付済"), ("髙橋 花子", "受付済"), ("鈴木 次郎", "キャンセル待ち1番"),
        ("佐藤 三郎", "キャンセル待ち2番")]
    regs = {r.contact_name: r for r in svc.list_registrations(db, actor, event.id)}
    assert regs["秋田 一郎"].notes == "車いすで参加します"
    assert regs["秋田 一郎"].party_size == 2
    assert counts(db) == (contacts_before + 4, 4, 1)

    again = target.plan(db, actor, source(path, event.id))
    assert {r.outcome for r in again.rows} == {Outcome.SAME}
    assert again.rows[0].note.startswith("すでに申込があります（受付番号 1・受付済")
    second = target.run(db, actor, again)
    assert (second.added, second.unchanged) == (0, 4)
    assert counts(db) == (contacts_before + 4, 4, 2)
    with db.reading(None) as session:
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "import")
                                .order_by(AuditEntry.id)).first()
    assert audit is not None and audit.table_name == "registrations"
    assert audit.changes["ファイル"] == [None, "申込.xlsx"]
    assert audit.changes["新規"] == [None, 4]


@pytest.mark.parametrize("writer", ["utf-8", "utf-8-sig", "cp932", "tab", "xls", "ods"])
def test_every_file_format(db, actor, facilities, tmp_path, writer: str) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], capacity=None)
    rows = FORM[1:]
    if writer == "xls":
        path = write_xls(tmp_path / "申込.xls", rows)
    elif writer == "ods":
        path = write_ods(tmp_path / "申込.ods", rows)
    elif writer == "tab":
        path = write_csv(tmp_path / "申込.tsv", rows, delimiter="\t")
    else:
        path = write_csv(tmp_path / "申込.csv", rows, encoding=writer)
    plan = target.plan(db, actor, source(path, event.id))
    assert plan.problems == ()
    assert [r.values["氏名"] for r in plan.rows] == ["秋田 一郎", "髙橋 花子", "鈴木 次郎",
                                                  "佐藤 三郎"]
    assert target.run(db, actor, plan).added == 4
    assert [s for _, s in statuses(db, actor, event.id)] == ["受付済"] * 4


def test_refused_rows_are_reported_and_nothing_is_stored(db, actor, facilities, tmp_path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], capacity=10)
    path = write_csv(tmp_path / "申込.csv", [
        HEADER,
        ["", "秋田 一郎", "アキタ イチロウ", "018-888-0001", "", "1", ""],
        [f"{SENT:%Y/%m/%d %H:%M}", "髙橋 花子", "たかはし", "12345", "hanako@", "0", ""],
        [f"{SENT:%Y/%m/%d %H:%M}", "", "", "", "", "60", ""],
        [f"{SENT:%Y/%m/%d %H:%M}", "佐藤 三郎", "", "", "", "1", ""],
    ], encoding="cp932")
    before = counts(db)
    plan = target.plan(db, actor, source(path, event.id))
    by_row: dict[int, list[tuple[str, str, str]]] = {}
    for p in plan.problems:
        by_row.setdefault(p.row, []).append((p.column, p.value, p.reason))
    assert [c for c, _, _ in by_row[2]] == ["タイムスタンプ"]
    assert "申込日時がありません" in by_row[2][0][2]
    assert {c for c, _, _ in by_row[3]} == {"電話番号", "メールアドレス", "参加人数"}
    assert any(c == "参加人数" and v == "0" and "1～50名" in r for c, v, r in by_row[3])
    assert any(c == "電話番号" and v == "12345" for c, v, _ in by_row[3])
    assert any(c == "お名前" and "氏名" in r for c, _, r in by_row[4])
    assert any(c == "参加人数" and "1～50名" in r for c, _, r in by_row[4])
    assert 5 not in by_row
    assert [(r.row, r.outcome) for r in plan.rows if r.outcome is Outcome.REFUSED] == [
        (2, Outcome.REFUSED), (3, Outcome.REFUSED), (4, Outcome.REFUSED)]
    with pytest.raises(UserError, match="取り込めない行が 3 行"):
        target.run(db, actor, plan)
    assert counts(db) == before


def test_the_registry_is_matched_as_the_sign_up_dialog_does(db, actor, facilities, tmp_path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], capacity=10)
    ichiro = person(db, "秋田　一郎", reading="あきた いちろう", phone="018-888-0001")
    # Likely (the same name and よみ) but not exactly: the phone differs.
    namesake = person(db, "髙橋 花子", reading="たかはし はなこ", phone="018-888-9999")
    saburo = person(db, "佐藤 三郎", email="saburo@example.jp")
    svc.sign_up(db, actor, event.id, SignUpDraft(saburo))
    path = write_xlsx(tmp_path / "申込.xlsx", FORM)
    before = counts(db)
    plan = target.plan(db, actor, source(path, event.id))
    rows = {r.values["氏名"]: r for r in plan.rows}
    assert rows["秋田 一郎"].outcome is Outcome.NEW
    assert rows["秋田 一郎"].note == "受付（登録済みの連絡先）"
    assert rows["髙橋 花子"].outcome is Outcome.ASK
    assert rows["髙橋 花子"].existing == (namesake,)
    assert "同じ方かもしれません" in rows["髙橋 花子"].note
    assert rows["佐藤 三郎"].outcome is Outcome.SAME
    assert rows["鈴木 次郎"].outcome is Outcome.NEW

    with pytest.raises(UserError, match="確認が必要な行"):
        target.run(db, actor, plan)
    assert counts(db) == before
    result = target.run(db, actor, plan, decisions={rows["髙橋 花子"].row: namesake})
    assert (result.added, result.unchanged) == (3, 1)
    signed = {r.contact_name: r.contact_id for r in svc.list_registrations(db, actor, event.id)}
    assert signed["秋田　一郎"] == ichiro  # the registry's own, not a second 秋田一郎
    assert signed["髙橋 花子"] == namesake
    assert counts(db)[0] == before[0] + 1  # only 鈴木 次郎 is new


def test_a_form_sent_twice_signs_up_once(db, actor, facilities, tmp_path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], capacity=10)
    path = write_xlsx(tmp_path / "申込.xlsx", [HEADER, FORM[3], [at(11), *FORM[3][1:]]])
    plan = target.plan(db, actor, source(path, event.id))
    assert [(r.outcome, r.note) for r in plan.rows] == [
        (Outcome.NEW, "受付（新しい連絡先）"), (Outcome.SAME, "2行目と同じ方の申込です（二重申込）")]
    assert target.run(db, actor, plan).added == 1
    assert len(svc.list_registrations(db, actor, event.id)) == 1


def test_the_event_is_required_open_and_the_window_applies_on_the_day_sent(
        db, actor, facilities, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_xlsx(tmp_path / "申込.xlsx", FORM)
    with pytest.raises(UserError, match="イベントを選んで"):
        target.plan(db, actor, source(path, None))
    with pytest.raises(UserError, match="見つかりません"):
        target.plan(db, actor, source(path, 999_999))
    undated = write_csv(tmp_path / "日時なし.csv", [row[1:] for row in FORM[1:]])
    with pytest.raises(UserError, match="申込日時（送信日時・タイムスタンプ）の列がありません"):
        target.plan(db, actor, source(undated, 1))
    cancelled = make_event(db, facilities["east"], cancelled=True)
    with pytest.raises(UserError, match="中止"):
        target.plan(db, actor, source(path, cancelled.id))
    late = make_event(db, facilities["east"], signup_opens_on=TODAY - timedelta(days=1))
    plan = target.plan(db, actor, source(path, late.id))
    assert {p.row for p in plan.problems} == {3, 4, 5, 6}
    assert all(p.column == "タイムスタンプ" and "受付期間外" in p.reason for p in plan.problems)
    small = make_event(db, facilities["east"], capacity=1)
    plan = target.plan(db, actor, source(path, small.id))
    assert [(p.row, p.column, p.value) for p in plan.problems] == [
        (3, "参加人数", "2"), (4, "参加人数", "２人")]


def test_a_failure_in_the_middle_of_the_run_leaves_nothing(
        db, actor, facilities, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], capacity=10)
    plan = target.plan(db, actor, source(write_xlsx(tmp_path / "申込.xlsx", FORM), event.id))
    before = counts(db)
    real = target.add_sign_up
    calls = []

    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(target, "add_sign_up", failing)
    with pytest.raises(RuntimeError):
        target.run(db, actor, plan)
    assert counts(db) == before
    assert svc.list_registrations(db, actor, event.id) == []


def test_cancel_leaves_nothing(db, actor, facilities, tmp_path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], capacity=10)
    path = write_xlsx(tmp_path / "申込.xlsx", FORM)
    with pytest.raises(Cancelled):
        target.plan(db, actor, source(path, event.id), progress=lambda done, total: False)
    plan = target.plan(db, actor, source(path, event.id))
    before = counts(db)
    seen: list[tuple[int, int]] = []

    def stop(done: int, total: int) -> bool:
        seen.append((done, total))
        return False

    with pytest.raises(Cancelled):
        target.run(db, actor, plan, progress=stop)
    assert seen == [(4, 4)]
    assert counts(db) == before


def test_the_registry_is_matched_again_inside_the_run(db, actor, facilities, tmp_path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], capacity=10)
    path = write_xlsx(tmp_path / "申込.xlsx", FORM)
    plan = target.plan(db, actor, source(path, event.id))
    # Added at another counter meanwhile: likely the same as 鈴木 (よみ), the phone differs.
    person(db, "鈴木 次郎", phone="090-9999-9999", reading="すずき じろう")
    with pytest.raises(UserError, match="確認の後で登録が変わりました（3行目）"):
        target.run(db, actor, plan)
    assert svc.list_registrations(db, actor, event.id) == []
    # Exactly the same person added meanwhile is signed up as that contact, not a second one.
    other = make_event(db, facilities["east"], capacity=10)
    plan = target.plan(db, actor, source(path, other.id))
    assert [r.row for r in plan.rows if r.outcome is Outcome.ASK] == [3]
    saburo = person(db, "佐藤 三郎", email="saburo@example.jp")
    contacts = counts(db)[0]
    assert target.run(db, actor, plan, decisions={3: None}).added == 4  # 3: another 鈴木
    assert counts(db)[0] == contacts + 3
    signed = {r.contact_name: r.contact_id for r in svc.list_registrations(db, actor, other.id)}
    assert signed["佐藤 三郎"] == saburo


def test_ten_thousand_refused_rows_make_a_plan(db, actor, facilities, tmp_path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], capacity=10)
    rows = [HEADER] + [[f"{SENT:%Y/%m/%d %H:%M}", f"申込者{n}", "", "12345", "", "1", ""]
                       for n in range(10_000)]
    plan = target.plan(db, actor, source(write_csv(tmp_path / "申込.csv", rows), event.id))
    assert len(plan.problems) == 10_000
    assert plan.counts[Outcome.REFUSED] == 10_000


def test_a_formula_error_refuses_its_row_and_nothing_is_stored(db, actor, facilities, tmp_path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], capacity=None)
    rows = [list(row) for row in FORM]
    rows[3][5] = FormulaError("#VALUE!")  # 参加人数 of 秋田 一郎
    before = counts(db)
    plan = target.plan(db, actor, source(write_xlsx(tmp_path / "申込.xlsx", rows), event.id))
    assert [(p.row, p.column, p.value) for p in plan.problems] == [(4, "参加人数", "#VALUE!")]
    assert plan.counts[Outcome.REFUSED] == 1
    with pytest.raises(UserError, match="取り込めない行が 1 行"):
        target.run(db, actor, plan)
    assert counts(db) == before
