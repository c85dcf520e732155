"""取り込み of contacts (services/imports/contacts.py): the messy register in every format,
refusals reported and nothing stored, all or nothing, re-import adding nothing, matching
against the registry, memberships and representatives."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kyodo_desk.domain.errors import UserError
from kyodo_desk.models import Contact, ContactKind, GroupType, Membership
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.audit_log import AuditFilter, search_audit
from kyodo_desk.services.contacts import ContactDraft
from kyodo_desk.services.imports import Cancelled, ImportSource, Outcome
from kyodo_desk.services.imports import contacts as imp
from tests.import_files import (
    MESSY_MERGES,
    MESSY_REGISTER,
    FormulaError,
    as_text,
    write_csv,
    write_ods,
    write_xls,
    write_xlsx,
)


def count(db, actor, kind: ContactKind | None = None) -> int:  # type: ignore[no-untyped-def]
    with db.reading(actor) as session:
        stmt = select(func.count()).select_from(Contact)
        if kind is not None:
            stmt = stmt.where(Contact.kind == kind)
        return session.scalar(stmt) or 0


def by_name(db, actor, name: str) -> svc.ContactDetail:  # type: ignore[no-untyped-def]
    with db.reading(actor) as session:
        ids = session.scalars(select(Contact.id).where(Contact.name == name)).all()
    assert len(ids) == 1, (name, ids)
    return svc.get_contact(db, actor, ids[0])


WRITERS = {
    "xlsx": lambda p: write_xlsx(p.with_suffix(".xlsx"), MESSY_REGISTER, merged=MESSY_MERGES),
    "xls": lambda p: write_xls(p.with_suffix(".xls"), MESSY_REGISTER, merged=MESSY_MERGES),
    "ods": lambda p: write_ods(p.with_suffix(".ods"), MESSY_REGISTER),
    "utf-8": lambda p: write_csv(p.with_suffix(".csv"), as_text(MESSY_REGISTER),
                                 encoding="utf-8"),
    "utf-8-sig": lambda p: write_csv(p.with_suffix(".csv"), as_text(MESSY_REGISTER)),
    "cp932": lambda p: write_csv(p.with_suffix(".csv"), as_text(MESSY_REGISTER),
                                 encoding="cp932"),
    "tab": lambda p: write_csv(p.with_suffix(".tsv"), as_text(MESSY_REGISTER),
                               delimiter="\t"),
}


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_the_messy_register_imports_from_every_format_and_again_adds_nothing(
        db, actor, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    path = WRITERS[fmt](tmp_path / "register")
    plan = imp.plan(db, actor, ImportSource(path))
    assert plan.problems == ()
    assert [r.outcome for r in plan.rows] == [Outcome.NEW] * 3
    result = imp.run(db, actor, plan)
    assert (result.added, result.filled, result.unchanged) == (3, 0, 0)
    assert result.summary == "新規 3件・既存に追記 0件・登録済み 0件"

    group = by_name(db, actor, "山王子ども食堂")
    assert group.kind is ContactKind.GROUP and group.group_type is GroupType.CIVIC_GROUP
    assert group.postal_code == "010-0951" and group.phone == "018-866-0000"
    assert "電話2: 090-1234-5678" in group.notes and group.notes.startswith("第2・第4土曜")
    assert group.founded_on is not None and group.founded_on.year == 2010
    assert group.representative is not None and group.representative.name == "髙橋　花子"
    assert any(m.name == "髙橋　花子" and m.role == "代表" for m in group.members)
    first = by_name(db, actor, "秋田まちづくりの会")
    assert "FAX: 018-888-1235" in first.notes and first.district == "中央"
    assert by_name(db, actor, "㈱ＮＰＯ支援センター").group_type is GroupType.COMPANY
    assert count(db, actor, ContactKind.PERSON) == 3  # the representatives, made as people

    again = imp.plan(db, actor, ImportSource(path))
    assert [r.outcome for r in again.rows] == [Outcome.SAME] * 3
    before = count(db, actor)
    assert imp.run(db, actor, again).summary == "新規 0件・既存に追記 0件・登録済み 3件"
    assert count(db, actor) == before


def test_the_import_is_one_audited_act(db, actor, admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = WRITERS["xlsx"](tmp_path / "名簿")
    imp.run(db, actor, imp.plan(db, actor, ImportSource(path)))
    acts = search_audit(db, admin, AuditFilter(action="import"))
    assert len(acts) == 1
    assert acts[0].action_label == "取り込み" and acts[0].table_name == "contacts"
    assert acts[0].changes["ファイル"] == [None, "名簿.xlsx"]
    assert acts[0].changes["新規"] == [None, 3]
    assert "秋田まちづくりの会" not in str(acts[0].changes)


BAD = [
    ["氏名", "フリガナ", "電話", "メール", "郵便番号", "活動分野", "区分"],
    ["山田 太郎", "ヤマダ タロウ", "018-888-0001", "taro@example.jp", "010-0001", "", "個人"],
    ["", "ナナシ", "018-888-0002", "", "", "", "個人"],
    ["川口 花", "カワグチ ハナ", "12", "not-an-address", "〒12", "", "個人"],
    ["あきた森の会", "アキタモリノカイ", "", "", "", "宇宙開発", "団体"],
    ["秋田 次郎", "アキタ ジロウ", "", "", "", "", "法人"],
]


def test_refused_rows_are_reported_and_nothing_is_stored(db, actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "bad.csv", BAD)
    before = count(db, actor)
    plan = imp.plan(db, actor, ImportSource(path))
    assert not plan.ready
    by_row = {}
    for p in plan.problems:
        by_row.setdefault(p.row, []).append(p)
    assert set(by_row) == {3, 4, 5, 6}
    assert by_row[3][0].column == "氏名" and "氏名" in by_row[3][0].reason
    assert {p.column for p in by_row[4]} == {"電話", "メール", "郵便番号"}
    assert any(p.value == "12" for p in by_row[4])
    assert by_row[5][0].column == "活動分野" and "宇宙開発" in by_row[5][0].reason
    assert by_row[6][0].column == "区分" and by_row[6][0].value == "法人"
    assert [r.outcome for r in plan.rows] == [Outcome.NEW] + [Outcome.REFUSED] * 4
    with pytest.raises(UserError, match="取り込めない行が 4 行"):
        imp.run(db, actor, plan)
    assert count(db, actor) == before


@pytest.mark.parametrize("block", [2, imp.MATCH_BLOCK], ids=["blocks of 2 rows", "one block"])
def test_registry_matches_fill_ask_and_within_file_dedupe(  # type: ignore[no-untyped-def]
        db, actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int) -> None:
    # The registry's side is read a block of rows at a time: a row meets an earlier row of
    # the file across a block's edge all the same.
    monkeypatch.setattr(imp, "MATCH_BLOCK", block)
    kept = svc.create_contact(db, actor, ContactDraft(
        kind=ContactKind.PERSON, name="山田 太郎", reading="やまだ たろう", phone="018-888-0001"))
    namesake = svc.create_contact(db, actor, ContactDraft(
        kind=ContactKind.PERSON, name="佐々木 誠", reading="ささき まこと",
        email="makoto@example.jp"))
    rows = [
        ["氏名", "ふりがな", "電話", "メール", "住所", "所属団体", "役職", "区分"],
        ["山田　太郎", "ヤマダタロウ", "018-888-0001", "taro@example.jp", "秋田市山王1-1", "", "",
         ""],
        ["佐々木 まこと", "ササキ マコト", "", "", "", "", "", ""],
        ["新井 一", "アライ ハジメ", "018-888-0003", "", "", "あきた森の会", "会計", "個人"],
        ["新井　一", "アライハジメ", "", "hajime@example.jp", "", "", "", ""],
        ["あきた森の会", "アキタモリノカイ", "", "", "", "", "", "団体"],
    ]
    path = write_xlsx(tmp_path / "people.xlsx", rows)
    plan = imp.plan(db, actor, ImportSource(path))
    assert plan.problems == ()
    outcome = {r.row: r for r in plan.rows}
    assert outcome[2].outcome is Outcome.FILL and outcome[2].existing == (kept.id,)
    assert outcome[3].outcome is Outcome.ASK and outcome[3].existing == (namesake.id,)
    assert outcome[4].outcome is Outcome.NEW
    assert outcome[5].outcome is Outcome.FILL and "4行目と同じ" in outcome[5].note
    assert outcome[6].outcome is Outcome.NEW
    with pytest.raises(UserError, match="確認が必要"):
        imp.run(db, actor, plan)
    result = imp.run(db, actor, plan, decisions={3: None})
    assert (result.added, result.filled, result.unchanged) == (3, 2, 0)
    filled = svc.get_contact(db, actor, kept.id)
    assert filled.email == "taro@example.jp" and filled.address == "秋田市山王1-1"
    assert filled.phone == "018-888-0001"
    arai = by_name(db, actor, "新井 一")
    assert arai.email == "hajime@example.jp"
    assert [(g.name, g.role) for g in arai.groups] == [("あきた森の会", "会計")]
    with db.reading(actor) as session:  # 加入日: the day of the import
        assert session.scalar(select(Membership.joined_on)
                              .where(Membership.person_id == arai.id)) == date.today()

    changed = [rows[0], ["山田 太郎", "ヤマダタロウ", "018-888-0001", "", "", "", "", ""]]
    again = imp.plan(db, actor, ImportSource(write_xlsx(tmp_path / "again.xlsx", changed)))
    assert [r.outcome for r in again.rows] == [Outcome.SAME]


def test_a_differing_value_is_kept_and_noted(db, actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svc.create_contact(db, actor, ContactDraft(
        kind=ContactKind.GROUP, group_type=GroupType.CIVIC_GROUP, name="あきた森の会",
        reading="あきたもりのかい", website="https://mori.example.jp/"))
    path = write_csv(tmp_path / "g.csv", [["団体名", "HP", "会員数"],
                                          ["あきた森の会", "https://other.example.jp/", "12"]])
    plan = imp.plan(db, actor, ImportSource(path))
    row = plan.rows[0]
    assert row.outcome is Outcome.FILL
    assert "ホームページが登録と違います（登録のまま）" in row.note
    imp.run(db, actor, plan)
    group = by_name(db, actor, "あきた森の会")
    assert group.website == "https://mori.example.jp/" and group.member_count == 12


def test_a_failure_in_the_middle_of_run_leaves_nothing(db, actor, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    path = WRITERS["xlsx"](tmp_path / "register")
    plan = imp.plan(db, actor, ImportSource(path))
    before = count(db, actor)
    written = []

    def failing(session, *args):  # type: ignore[no-untyped-def]
        # The new records are in by now: the failure must take them back out.
        written.append(session.scalar(select(func.count()).select_from(Contact)))
        raise RuntimeError("disk full")

    monkeypatch.setattr(imp, "_write_memberships", failing)
    with pytest.raises(RuntimeError):
        imp.run(db, actor, plan)
    assert written and written[0] > before
    assert count(db, actor) == before


def test_cancel_leaves_nothing(db, actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = WRITERS["cp932"](tmp_path / "register")
    with pytest.raises(Cancelled):
        imp.plan(db, actor, ImportSource(path), progress=lambda done, total: False)
    plan = imp.plan(db, actor, ImportSource(path))
    before = count(db, actor)
    with pytest.raises(Cancelled):
        imp.run(db, actor, plan, progress=lambda done, total: done == 0 and False)
    assert count(db, actor) == before


def test_a_record_added_since_the_plan_is_caught(db, actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "p.csv", [["氏名", "フリガナ"], ["山田 太郎", "ヤマダ タロウ"]])
    plan = imp.plan(db, actor, ImportSource(path))
    svc.create_contact(db, actor, ContactDraft(kind=ContactKind.PERSON, name="山田 太郎",
                                               reading="やまだ たろう"))
    with pytest.raises(UserError, match="もう一度確認"):
        imp.run(db, actor, plan)
    assert count(db, actor, ContactKind.PERSON) == 1


@pytest.mark.parametrize("scanned_from", [0, imp._SCANNED_FROM], ids=["one pass", "by prefix"])
def test_names_that_begin_other_names_import_again_as_the_same(  # type: ignore[no-untyped-def]
        db, actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scanned_from: int) -> None:
    """鈴木 一郎101 begins with 鈴木 一郎1: each is still one record, met once, whether the
    registry is read by name or in one pass (a register of thousands)."""
    monkeypatch.setattr(imp, "_SCANNED_FROM", scanned_from)
    rows = [["氏名", "フリガナ", "電話", "代表者", "区分"],
            ["鈴木 一郎1", "スズキ イチロウ", "018-888-0001", "", "個人"],
            ["鈴木 一郎101", "スズキ イチロウ", "018-888-0101", "", "個人"],
            ["鈴木 一郎1010", "", "", "", "個人"],
            ["あきたの会", "", "", "鈴木 一郎1010", "団体"]]
    path = write_xlsx(tmp_path / "names.xlsx", rows)
    imp.run(db, actor, imp.plan(db, actor, ImportSource(path)))
    again = imp.plan(db, actor, ImportSource(path))
    assert again.problems == ()
    assert [r.outcome for r in again.rows] == [Outcome.SAME] * 4


def test_a_record_changed_since_the_plan_is_caught(db, actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The run trusts the plan's matching only while no contact has changed since."""
    kept = svc.create_contact(db, actor, ContactDraft(
        kind=ContactKind.PERSON, name="山田 太郎", reading="やまだ たろう", phone="018-888-0001"))
    path = write_csv(tmp_path / "p.csv", [["氏名", "フリガナ", "メール"],
                                          ["山田 太郎", "ヤマダ タロウ", "taro@example.jp"]])
    plan = imp.plan(db, actor, ImportSource(path))
    assert [r.outcome for r in plan.rows] == [Outcome.FILL]
    draft = svc.get_contact(db, actor, kept.id).as_draft()
    svc.update_contact(db, actor, kept.id, kept.version, replace(draft, email="t@example.jp"))
    with pytest.raises(UserError, match="もう一度確認"):
        imp.run(db, actor, plan)
    assert svc.get_contact(db, actor, kept.id).email == "t@example.jp"


def test_ten_thousand_refused_rows_make_a_plan(db, actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rows: list[list[object]] = [["氏名", "電話", "メール"]]
    rows += [[f"市民 {i}", "12", "bad"] for i in range(10_000)]
    plan = imp.plan(db, actor, ImportSource(write_csv(tmp_path / "many.csv", rows)))
    assert len({p.row for p in plan.problems}) == 10_000
    assert len(plan.problems) == 20_000
    assert count(db, actor, ContactKind.PERSON) == 0


def test_a_formula_error_refuses_its_row_and_nothing_is_stored(db, actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = write_xlsx(tmp_path / "名簿.xlsx", [["氏名", "電話"],
                                              ["佐藤 一郎", FormulaError("#DIV/0!")],
                                              ["鈴木 次郎", "018-888-0002"]])
    plan = imp.plan(db, actor, ImportSource(path))
    assert [(p.row, p.column, p.value) for p in plan.problems] == [(2, "電話", "#DIV/0!")]
    assert "数式のエラー" in plan.problems[0].reason
    assert [(r.row, r.outcome) for r in plan.rows] == [(2, Outcome.REFUSED), (3, Outcome.NEW)]
    with pytest.raises(UserError, match="取り込めない行が 1 行"):
        imp.run(db, actor, plan)
    assert count(db, actor) == 0
