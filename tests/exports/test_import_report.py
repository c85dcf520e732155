"""取り込めない行の一覧 (exports/import_report.py): the refused rows as they were, with the
reasons, on a sheet that imports again once corrected."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from kyodo_desk.exports.import_report import REASON_HEADING, SHEET_TITLE, write_refused_rows
from kyodo_desk.services.imports import ImportSource, Outcome
from kyodo_desk.services.imports import contacts as imp
from tests.import_files import write_csv

ROWS = [
    ["名簿（令和8年度）"],
    [],
    ["氏名", "フリガナ", "電話", "メール"],
    ["山田 太郎", "ヤマダ タロウ", "018-888-0001", "taro@example.jp"],
    ["川口 花", "カワグチ ハナ", "12", "not-an-address"],
    ["", "ナナシ", "018-888-0002", ""],
]


def test_the_refused_rows_are_written_as_they_were_and_import_again_once_corrected(
        db, actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    plan = imp.plan(db, actor, ImportSource(write_csv(tmp_path / "名簿.csv", ROWS)))
    report = tmp_path / "取り込めない行.xlsx"
    assert write_refused_rows(plan, report) == 2

    book = openpyxl.load_workbook(report)
    assert book.sheetnames == [SHEET_TITLE]
    sheet = book[SHEET_TITLE]
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert table[0] == ["行", "氏名", "フリガナ", "電話", "メール", REASON_HEADING]
    assert table[1][:5] == [5, "川口 花", "カワグチ ハナ", "12", "not-an-address"]
    assert "電話" in table[1][5] and "メール" in table[1][5] and "／" in table[1][5]
    assert table[2][0] == 6 and "氏名" in table[2][5]
    assert len(table) == 3

    sheet["D2"] = "018-888-0004"
    sheet["E2"] = "hana@example.jp"
    sheet["B3"] = "名無 権兵衛"
    book.save(report)
    again = imp.plan(db, actor, ImportSource(report))
    assert again.problems == ()
    assert [r.outcome for r in again.rows] == [Outcome.NEW, Outcome.NEW]
    result = imp.run(db, actor, again)
    assert result.added == 2
