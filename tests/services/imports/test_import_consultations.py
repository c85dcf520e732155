"""取り込み of past consultation logs: every file format, refusals reported row by row with
nothing stored, one audited act, a second import adding nothing, 新規/継続 in date order and
rows past the retention stored anonymised — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kyodo_desk.domain.errors import UserError
from kyodo_desk.models import AuditEntry, Consultation, ConsultationTopicLink
from kyodo_desk.models.contacts import ContactKind, GroupType
from kyodo_desk.services import consultations as svc
from kyodo_desk.services import contacts, retention
from kyodo_desk.services.imports import Cancelled, ImportSource, Outcome
from kyodo_desk.services.imports import consultations as imp
from tests.import_files import FormulaError, write_csv, write_ods, write_xls, write_xlsx

HEADER = ["No.", "相談日", "相談者", "担当者", "施設", "相談方法", "分野", "相談内容", "回答",
          "紹介先", "今後の対応", "期限", "状況"]
# A salon log as kept in Excel: a title, a blank row, dates typed every way, full-width
# spaces, an anonymous row, a row with no facility (the importing account's), rows of one
# consultee out of date order, a blank row between records and a total row at the end.
LOG: list[list[object]] = [
    ["令和７年度　相談記録"],
    [],
    HEADER,
    [1, date(2025, 6, 2), "秋田まちづくりの会 ", "窓口 花子", "東部", "来所",
     "団体運営、資金・交付金", "会計の付け方を知りたい", "帳簿の例を渡した", "", "", None, "完了"],
    [2, "R7.6.3", "匿名", "窓口　花子", None, "電話", "広報・PR・その他", "チラシの作り方",
     "見本を郵送", "", "次回来所時に確認", "2025/7/1", "対応中"],
    [],
    [3, "2025/7/10", "佐藤　一郎", "窓口 花子", "東部市民サービスセンター", "メール", "団体設立",
     "会則の書き方\n二回目", "", "市の協働課", "", None, None],
    [4, "令和7年7月2日", "佐藤 一郎", "窓口 花子", "東部", "", "団体設立", "会則の書き方",
     "", "", "", None, "完了"],
    [None, "合計", "4件"],
]
FORMATS: dict[str, Callable[[Path, list[list[object]]], Path]] = {
    "xlsx": lambda p, rows: write_xlsx(p.with_suffix(".xlsx"), rows),
    "xls": lambda p, rows: write_xls(p.with_suffix(".xls"), rows),
    "ods": lambda p, rows: write_ods(p.with_suffix(".ods"), rows),
    "csv-utf8": lambda p, rows: write_csv(p.with_suffix(".csv"), rows, encoding="utf-8"),
    "csv-bom": lambda p, rows: write_csv(p.with_suffix(".csv"), rows, encoding="utf-8-sig"),
    "csv-cp932": lambda p, rows: write_csv(p.with_suffix(".csv"), rows, encoding="cp932"),
    "tab": lambda p, rows: write_csv(p.with_suffix(".txt"), rows, delimiter="\t"),
}


@pytest.fixture
def people(db, actor) -> dict[str, int]:  # type: ignore[no-untyped-def]
    group = contacts.create_contact(db, actor, contacts.ContactDraft(
        kind=ContactKind.GROUP, name="秋田まちづくりの会", group_type=GroupType.CIVIC_GROUP))
    person = contacts.create_contact(db, actor, contacts.ContactDraft(
        kind=ContactKind.PERSON, name="佐藤一郎", reading="サトウイチロウ"))
    return {"group": group.id, "person": person.id}


def count(db, model) -> int:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        return session.scalar(select(func.count()).select_from(model))


def import_audit(db) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        rows = list(session.scalars(select(AuditEntry).where(AuditEntry.action == "import")))
        session.expunge_all()
        return rows


def stored(db) -> list[Consultation]:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        rows = list(session.scalars(select(Consultation).order_by(Consultation.held_on)))
        for r in rows:
            _ = r.topic_links
            for link in r.topic_links:
                _ = link.topic
        session.expunge_all()
        return rows


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_imports_once_and_a_second_time_adds_nothing(
        db, actor, people, facilities, tmp_path, fmt) -> None:  # type: ignore[no-untyped-def]
    path = FORMATS[fmt](tmp_path / "相談記録", LOG)
    planned = imp.plan(db, actor, ImportSource(path))
    assert planned.problems == ()
    assert [(r.row, r.outcome) for r in planned.rows] == [
        (4, Outcome.NEW), (5, Outcome.NEW), (7, Outcome.NEW), (8, Outcome.NEW)]
    assert planned.rows[1].values["相談者"] == "匿名"
    assert planned.rows[0].values["相談分野"] == "団体運営、資金・交付金"

    result = imp.run(db, actor, planned)
    assert (result.added, result.unchanged) == (4, 0)
    records = stored(db)
    assert [(r.held_on, r.consultee_contact_id, r.returning_consultee) for r in records] == [
        (date(2025, 6, 2), people["group"], False),
        (date(2025, 6, 3), None, None),
        (date(2025, 7, 2), people["person"], False),  # the earlier of the two, though later in the file
        (date(2025, 7, 10), people["person"], True),
    ]
    anonymous = records[1]
    assert (anonymous.anonymous, anonymous.area, anonymous.facility_id) == (
        True, "不明", facilities["east"])
    assert anonymous.follow_up_plan == "次回来所時に確認"
    assert anonymous.status is svc.ConsultationStatus.IN_PROGRESS
    assert sorted(link.topic.name for link in anonymous.topic_links) == ["その他", "広報・PR"]
    assert records[3].asked == "会則の書き方\n二回目"
    assert records[3].channel is svc.ConsultationChannel.EMAIL
    assert records[2].status is svc.ConsultationStatus.DONE
    [audit] = import_audit(db)
    assert audit.table_name == "consultations"
    assert audit.changes["ファイル"] == [None, path.name]
    assert (audit.changes["新規"], audit.changes["登録済み"]) == ([None, 4], [None, 0])

    again = imp.plan(db, actor, ImportSource(path))
    assert {r.outcome for r in again.rows} == {Outcome.SAME}
    result = imp.run(db, actor, again)
    assert (result.added, result.unchanged) == (0, 4)
    assert count(db, Consultation) == 4
    assert result.summary == "新規 0件・既存に追記 0件・登録済み 4件"


def test_refused_rows_are_reported_and_nothing_is_stored(
        db, actor, people, tmp_path) -> None:  # type: ignore[no-untyped-def]
    contacts.create_contact(db, actor, contacts.ContactDraft(
        kind=ContactKind.PERSON, name="山田　花子"))
    contacts.create_contact(db, actor, contacts.ContactDraft(
        kind=ContactKind.PERSON, name="山田花子", reading="ヤマダハナコ"))
    rows = [HEADER,
            [1, "2025/6/2", "鈴木三郎", "窓口 花子", "東部", "来所", "団体運営", "相談", "", "", "",
             None, ""],
            [2, "2025/6/2", "山田花子", "知らない人", "東部", "来所", "占い", "相談", "", "", "", None,
             ""],
            [3, "2025/2/30", "", "窓口 花子", "東部", "伝書鳩", "", "", "", "", "様子を見る", None,
             ""],
            [4, "2025/6/2", "", "窓口 花子", "西部", "来所", "その他", "相談", "", "", "", None,
             ""],
            [5, "2025/6/4", "佐藤一郎", "窓口 花子", "東部", "来所", "その他", "相談", "", "", "",
             None, ""]]
    path = write_xlsx(tmp_path / "log.xlsx", rows)
    planned = imp.plan(db, actor, ImportSource(path))
    found = {(p.row, p.column, p.value): p.reason for p in planned.problems}
    assert found[(2, "相談者", "鈴木三郎")] == ("相談者「鈴木三郎」が連絡先にありません。"
                                               "先に連絡先を取り込んでください。")
    assert "2件あります" in found[(3, "相談者", "山田花子")]
    assert found[(3, "担当者", "知らない人")].startswith("担当者「知らない人」に当たるアカウントがありません")
    assert "占い" in found[(3, "分野", "占い")]
    assert (4, "相談日", "2025/2/30") in found
    assert (4, "相談方法", "伝書鳩") in found
    assert found[(4, "分野", "")] == "相談の分野を一つ以上選んでください。"
    assert (4, "相談内容", "") in found
    assert "期限" in found[(4, "今後の対応", "様子を見る")]
    assert "西部市民サービスセンター" in found[(5, "施設", "西部")]
    assert [r.outcome for r in planned.rows] == [Outcome.REFUSED] * 4 + [Outcome.NEW]
    assert not planned.ready
    with pytest.raises(UserError, match="取り込めない行が 4 行"):
        imp.run(db, actor, planned)
    assert count(db, Consultation) == 0
    assert import_audit(db) == []


def test_a_failure_in_the_middle_leaves_nothing(
        db, actor, people, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    planned = imp.plan(db, actor, ImportSource(write_xlsx(tmp_path / "log.xlsx", LOG)))
    written = []

    def failing(session, *args):  # type: ignore[no-untyped-def]
        # The records are in by now: the failure must take them back out.
        written.append(session.scalar(select(func.count()).select_from(Consultation)))
        raise RuntimeError("disk full")

    monkeypatch.setattr(imp, "_correct_returning", failing)
    with pytest.raises(RuntimeError):
        imp.run(db, actor, planned)
    assert written and written[0] > 0
    assert count(db, Consultation) == 0
    assert count(db, ConsultationTopicLink) == 0
    assert import_audit(db) == []


def test_cancel_leaves_nothing(db, actor, people, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "log.csv", LOG)
    with pytest.raises(Cancelled):
        imp.plan(db, actor, ImportSource(path), progress=lambda done, total: False)
    planned = imp.plan(db, actor, ImportSource(path))
    calls: list[tuple[int, int]] = []

    def cancel_at_the_end(done: int, total: int) -> bool:
        calls.append((done, total))
        return done < total

    with pytest.raises(Cancelled):
        imp.run(db, actor, planned, progress=cancel_at_the_end)
    assert calls[-1] == (4, 4)
    assert count(db, Consultation) == 0
    assert import_audit(db) == []


def test_records_changed_since_the_plan_refuse_the_run(
        db, actor, people, tmp_path) -> None:  # type: ignore[no-untyped-def]
    planned = imp.plan(db, actor, ImportSource(write_xlsx(tmp_path / "log.xlsx", LOG)))
    contacts.create_contact(db, actor, contacts.ContactDraft(
        kind=ContactKind.PERSON, name="佐藤 一郎"))
    with pytest.raises(UserError, match="7行目を取り込めなくなりました"):
        imp.run(db, actor, planned)
    assert count(db, Consultation) == 0


def test_an_earlier_consultation_makes_a_stored_one_returning(
        db, actor, people, facilities, topics, tmp_path) -> None:  # type: ignore[no-untyped-def]
    later = svc.create_consultation(db, actor, svc.ConsultationDraft(
        held_on=date(2025, 8, 1), facility_id=facilities["east"], asked="その後の相談",
        topic_ids=(topics["その他"],), consultee_contact_id=people["person"]))
    with db.reading(None) as session:
        assert session.get(Consultation, later.id).returning_consultee is False  # type: ignore[union-attr]
    imp.run(db, actor, imp.plan(db, actor, ImportSource(write_xlsx(tmp_path / "l.xlsx", LOG))))
    with db.reading(None) as session:
        assert session.get(Consultation, later.id).returning_consultee is True  # type: ignore[union-attr]
    [audit] = import_audit(db)
    assert audit.changes["継続に訂正"] == [None, 1]


def test_rows_past_the_retention_are_stored_anonymised(
        db, actor, admin, people, tmp_path) -> None:  # type: ignore[no-untyped-def]
    retention.set_retention_years(db, admin, 5)
    old = date.today() - timedelta(days=6 * 366)
    rows = [HEADER,
            [1, old, "佐藤一郎", "窓口 花子", "東部", "来所", "団体設立", "昔の相談", "昔の回答", "市",
             "", None, ""],
            [2, old + timedelta(days=1), "佐藤一郎", "窓口 花子", "東部", "来所", "団体設立",
             "翌日の相談", "", "", "", None, ""]]
    path = write_xlsx(tmp_path / "old.xlsx", rows)
    planned = imp.plan(db, actor, ImportSource(path))
    assert planned.problems == ()
    assert planned.rows[0].values["相談内容"] == retention.ANONYMISED_TEXT
    imp.run(db, actor, planned)
    records = stored(db)
    assert [(r.asked, r.answered, r.referral, r.consultee_contact_id, r.anonymised_on,
             r.returning_consultee) for r in records] == [
        (retention.ANONYMISED_TEXT, "", "", None, date.today(), False),
        (retention.ANONYMISED_TEXT, "", "", None, date.today(), True)]
    assert "昔" not in records[0].search_text
    again = imp.plan(db, actor, ImportSource(path))
    assert {r.outcome for r in again.rows} == {Outcome.SAME}
    assert imp.run(db, actor, again).added == 0
    assert count(db, Consultation) == 2


def test_ten_thousand_refused_rows_make_a_plan(db, actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = [HEADER] + [[i, "2025/6/2", f"知らない団体{i}", "窓口 花子", "東部", "来所", "その他",
                        "相談", "", "", "", None, ""] for i in range(10_000)]
    planned = imp.plan(db, actor, ImportSource(write_csv(tmp_path / "many.csv", rows)))
    assert len(planned.problems) == 10_000
    assert planned.counts[Outcome.REFUSED] == 10_000
    assert planned.problems[-1].row == 10_001


def test_a_formula_error_refuses_its_row_and_nothing_is_stored(
        db, actor, people, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rows = [list(row) for row in LOG]
    rows[3][7] = FormulaError("#REF!")  # 相談内容 of the first consultation
    planned = imp.plan(db, actor, ImportSource(write_xlsx(tmp_path / "log.xlsx", rows)))
    assert [(p.row, p.column, p.value) for p in planned.problems] == [(4, "相談内容", "#REF!")]
    assert planned.counts[Outcome.REFUSED] == 1 and planned.counts[Outcome.NEW] == 3
    with pytest.raises(UserError, match="取り込めない行が 1 行"):
        imp.run(db, actor, planned)
    assert count(db, Consultation) == 0
