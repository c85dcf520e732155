"""The fiscal-year statistics as the user's spreadsheet reads them: the workbook's five sheets,
and the CSV's bytes, against the hand-counted records."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from kyodo_desk.domain.errors import UserError
from kyodo_desk.exports.consultation_stats import export_fiscal_year
from tests.services.test_consultation_stats import record_fixture

TODAY = date(2026, 11, 25)
SHEETS = ["分野×施設", "分野×月", "施設×月", "相談方法×月", "新規・継続×月"]
MONTHS = ["4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月", "1月", "2月", "3月"]


@pytest.fixture
def officer(db, accounts_by_login):  # type: ignore[no-untyped-def]
    officer = accounts_by_login["officer"]
    record_fixture(db, officer)
    return officer


def sheet_rows(path: Path, title: str) -> list[list[object]]:
    from openpyxl import load_workbook

    ws = load_workbook(path)[title]
    return [[c.value for c in row] for row in ws.iter_rows()]


def by_label(rows: list[list[object]]) -> dict[object, list[object]]:
    return {row[0]: row[1:] for row in rows if row and row[0] is not None}


def test_the_workbook_has_one_sheet_per_view_with_title_header_and_totals(
        db, officer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    path = tmp_path / "相談件数.xlsx"
    written = export_fiscal_year(db, officer, 2026, "xlsx", path, today=TODAY)
    assert written.total == 8
    assert load_workbook(path).sheetnames == SHEETS

    rows = sheet_rows(path, "分野×施設")
    assert rows[0][0] == "令和8年度 相談件数　分野×施設"
    assert rows[1][0] == "令和8年11月25日作成"
    table = by_label(rows)
    assert table["分野"] == ["東部", "西部", "南部", "北部", "中央", "河辺", "雄和",
                            "市民交流サロン", "合計"]
    assert table["団体設立"] == [2, 1, 0, 0, 0, 0, 0, 0, 3]
    assert table["広報・PR"] == [0, 0, 0, 0, 0, 0, 0, 2, 2]
    assert table["分野の記録なし"] == [1, 0, 0, 0, 0, 0, 0, 0, 1]
    assert table["合計"] == [4, 2, 0, 0, 0, 0, 0, 2, 8]
    assert any(str(label).startswith("※複数の分野にわたる相談は各分野に") for label in table)

    months = by_label(sheet_rows(path, "施設×月"))
    assert months["施設"] == [*MONTHS, "合計"]
    assert months["西部市民サービスセンター"] == [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2]
    assert months["合計"] == [2, 1, 0, 0, 0, 0, 1, 3, 0, 0, 0, 1, 8]

    channels = by_label(sheet_rows(path, "相談方法×月"))
    assert [channels[k][-1] for k in ("来所", "電話", "メール", "訪問", "その他", "合計")] == [
        3, 2, 1, 1, 1, 8]
    consultees = by_label(sheet_rows(path, "新規・継続×月"))
    assert consultees["新規"][-1] == 3 and consultees["継続"][-1] == 2
    assert consultees["匿名・不明"][-1] == 3
    assert by_label(sheet_rows(path, "分野×月"))["広報・PR"][MONTHS.index("11月")] == 2


def test_the_csv_is_excel_ready_and_holds_the_five_tables(db, officer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "相談件数.csv"
    export_fiscal_year(db, officer, 2026, "csv", path, today=TODAY)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.count(b"\r\n") == raw.count(b"\n") > 40  # CRLF only
    text = raw.decode("utf-8-sig")
    assert text.startswith("令和8年度 相談件数,令和8年11月25日作成\r\n")
    rows = list(csv.reader(text.splitlines()))
    titles = [row[0] for row in rows if row and row[0].endswith("（令和8年度）")]
    assert titles == [f"{s}（令和8年度）" for s in SHEETS]
    first = rows.index(["分野×施設（令和8年度）"])
    assert rows[first + 1] == ["分野", "東部", "西部", "南部", "北部", "中央", "河辺", "雄和",
                               "市民交流サロン", "合計"]
    assert rows[first + 2] == ["団体設立", "2", "1", "0", "0", "0", "0", "0", "0", "3"]
    channels = rows.index(["相談方法×月（令和8年度）"])
    assert rows[channels + 1] == ["相談方法", *MONTHS, "合計"]
    assert rows[channels + 2] == ["来所", "1", "0", "0", "0", "0", "0", "0", "2", "0", "0", "0",
                                  "0", "3"]
    assert rows[channels + 7] == ["合計", "2", "1", "0", "0", "0", "0", "1", "3", "0", "0", "0",
                                  "1", "8"]


def test_an_advisor_exports_only_the_salon(db, officer, accounts_by_login, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "サロン.xlsx"
    export_fiscal_year(db, accounts_by_login["advisor"], 2026, "xlsx", path, today=TODAY)
    rows = sheet_rows(path, "分野×施設")
    assert rows[0][0] == "令和8年度 相談件数（秋田市市民交流サロン）　分野×施設"
    table = by_label(rows)
    assert table["分野"] == ["市民交流サロン", "合計"]
    assert table["合計"] == [2, 2]


def test_an_unwritable_path_is_a_user_error_and_leaves_no_file(db, officer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "ない" / "相談件数.xlsx"
    with pytest.raises(UserError, match="書き出せませんでした"):
        export_fiscal_year(db, officer, 2026, "xlsx", target)
    assert not target.parent.exists()
