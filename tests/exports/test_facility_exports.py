"""Facility exports, read back the way a user's spreadsheet or an open-data portal reads them."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from kyodo_desk.cli import main
from kyodo_desk.domain.errors import UserError
from kyodo_desk.exports import opendata
from kyodo_desk.exports.facilities import export_facilities, plain_row
from kyodo_desk.exports.tabular import write_xlsx
from kyodo_desk.services.contacts import FacilityDetail

BOM = b"\xef\xbb\xbf"
KATAKANA = re.compile(r"^[\u30a1-\u30fa\u30fc]+$")

OPENDATA_HEADER = [
    "都道府県コード又は市区町村コード", "NO", "都道府県名", "市区町村名", "名称", "名称_カナ",
    "名称_通称", "POIコード", "住所", "方書", "緯度", "経度", "電話番号", "内線番号", "法人番号",
    "団体名", "利用可能曜日", "開始時間", "終了時間", "利用可能日時特記事項", "説明",
    "バリアフリー情報", "URL", "備考",
]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def by_name(rows: list[dict[str, str]], key: str = "名称") -> dict[str, dict[str, str]]:
    return {row[key]: row for row in rows}


def assert_excel_csv(raw: bytes, lines: int) -> None:
    assert raw.startswith(BOM)
    assert raw.count(b"\r\n") == lines
    assert raw.count(b"\n") == lines  # no bare LF anywhere


# --- open data ----------------------------------------------------------------------------

def test_opendata_csv_follows_the_24_column_layout(db, actor, tmp_path: Path) -> None:
    path = tmp_path / opendata.suggested_file_name("public_facility")
    assert export_facilities(db, actor, "opendata", path) == 8

    raw = path.read_bytes()
    assert_excel_csv(raw, lines=9)
    with path.open(encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    assert table[0] == OPENDATA_HEADER
    assert len(table) == 9
    assert all(len(row) == 24 for row in table)

    rows = read_csv(path)
    assert {row["都道府県コード又は市区町村コード"] for row in rows} == {"052019"}
    assert {row["都道府県名"] for row in rows} == {"秋田県"}
    assert {row["市区町村名"] for row in rows} == {"秋田市"}
    assert len({row["NO"] for row in rows}) == 8
    assert all(row["NO"].isdigit() for row in rows)
    assert all(KATAKANA.match(row["名称_カナ"]) for row in rows)
    assert all(row["住所"].startswith("秋田県秋田市") for row in rows)

    named = by_name(rows)
    salon = named["秋田市市民交流サロン"]
    assert salon["住所"] == "秋田県秋田市東通仲町4番1号"
    assert salon["方書"] == "アルヴェ3階"
    assert salon["名称_カナ"] == "アキタシシミンコウリュウサロン"
    assert salon["URL"] == "http://www.alve.jp/pages/salon"
    assert salon["備考"] == "Facebook: http://fb.me/akitacitysalon"

    central = named["中央市民サービスセンター"]
    assert central["電話番号"] == "018-888-5640"
    assert central["方書"] == ""
    assert central["備考"] == "E-mail: ro-copr@city.akita.lg.jp"
    # Unknown values are empty cells, never placeholders.
    assert central["緯度"] == central["経度"] == central["法人番号"] == ""


def test_opendata_hours_come_from_the_facility_form_and_none_is_invented(
        db, admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace
    from datetime import time

    from kyodo_desk.services import facilities

    central = next(f for f in facilities.list_facilities(db, admin) if f.code == "central")
    facilities.update_facility(db, admin, central.id, central.version, replace(
        central.as_draft(), opens_at=time(8, 30), closes_at=time(17, 15), open_days="月火水木金",
        closed_days="土日祝日、年末年始", hours="第3水曜日は19:00まで", notes="鍵は守衛室"))
    path = tmp_path / opendata.suggested_file_name("public_facility")
    export_facilities(db, admin, "opendata", path)

    named = by_name(read_csv(path))
    row = named["中央市民サービスセンター"]
    assert (row["利用可能曜日"], row["開始時間"], row["終了時間"]) == ("月火水木金", "08:30", "17:15")
    assert row["利用可能日時特記事項"] == "休館日: 土日祝日、年末年始; 第3水曜日は19:00まで"
    assert "鍵は守衛室" not in path.read_text(encoding="utf-8-sig")  # staff notes stay in
    east = named["東部市民サービスセンター"]  # the seed states no hours
    assert east["利用可能曜日"] == east["開始時間"] == east["終了時間"] == ""
    assert east["利用可能日時特記事項"] == ""


def test_opendata_helpers() -> None:
    assert opendata.suggested_file_name("public_facility") == "052019_public_facility.csv"
    assert opendata.katakana("あきたししみんこうりゅうさろん") == "アキタシシミンコウリュウサロン"
    assert opendata.katakana("ｻﾛﾝ") == "サロン"
    assert opendata.half_width_phone("０１８－８８８－５６４０") == "018-888-5640"
    assert opendata.prefectural_address("秋田市山王一丁目1番1号") == "秋田県秋田市山王一丁目1番1号"
    assert opendata.prefectural_address("秋田県秋田市山王") == "秋田県秋田市山王"
    assert [name for name, _ in opendata.PUBLIC_FACILITY_COLUMNS] == OPENDATA_HEADER


# --- plain CSV and xlsx -------------------------------------------------------------------

def test_plain_csv_in_japanese(db, actor, tmp_path: Path) -> None:
    path = tmp_path / "施設.csv"
    assert export_facilities(db, actor, "csv", path) == 8

    assert_excel_csv(path.read_bytes(), lines=9)
    rows = read_csv(path)
    assert list(rows[0]) == ["名称", "よみ", "種別", "郵便番号", "住所", "電話番号", "E-mail",
                             "ホームページ", "Facebook", "開館時間", "備考"]
    named = by_name(rows)
    salon = named["秋田市市民交流サロン"]
    assert salon["種別"] == "市民交流サロン"
    assert salon["住所"] == "秋田市東通仲町4番1号アルヴェ3階"
    assert salon["E-mail"] == ""
    assert named["東部市民サービスセンター"]["種別"] == "市民サービスセンター"
    assert named["東部市民サービスセンター"]["郵便番号"] == "010-0041"


def test_xlsx_keeps_codes_and_numbers_as_text(db, actor, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "施設.xlsx"
    assert export_facilities(db, actor, "xlsx", path) == 8

    ws = load_workbook(path).active
    header = [c.value for c in ws[1]]
    assert header[:4] == ["名称", "よみ", "種別", "郵便番号"]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.max_row == 9
    postal = header.index("郵便番号") + 1
    phone = header.index("電話番号") + 1
    email = header.index("E-mail") + 1
    for r in range(2, 10):
        for c in (postal, phone):
            cell = ws.cell(row=r, column=c)
            assert cell.data_type == "s"
            assert cell.number_format == "@"
    rows = {ws.cell(row=r, column=1).value: r for r in range(2, 10)}
    central = rows["中央市民サービスセンター"]
    assert ws.cell(row=central, column=phone).value == "018-888-5640"
    assert ws.cell(row=rows["東部市民サービスセンター"], column=postal).value == "010-0041"
    assert ws.cell(row=rows["秋田市市民交流サロン"], column=email).value is None  # empty cell


def test_xlsx_writer_keeps_leading_zeros_and_formulas_as_text(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "codes.xlsx"
    write_xlsx(path, "一覧", ["コード", "メモ", "件数"],
               [["052019", "=1+1", 3], ["001", "", None]], text_columns={"コード"})

    ws = load_workbook(path).active
    code = ws["A2"]
    assert (code.value, code.data_type, code.number_format) == ("052019", "s", "@")
    assert ws["A3"].value == "001"
    assert (ws["B2"].value, ws["B2"].data_type) == ("=1+1", "s")
    assert ws["B3"].value is None
    assert ws["C2"].value == 3


# --- writing safely -----------------------------------------------------------------------

def test_a_failed_export_leaves_the_previous_file_and_no_temp(db, actor, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "out" / "施設.csv"
    path.parent.mkdir()
    path.write_bytes(b"previous")
    written: list[str] = []

    def breaks_after_the_first_row(f: FacilityDetail) -> list[str]:
        if written:
            # By now the header and a row are in the temporary file.
            assert any(p.suffix == ".tmp" for p in path.parent.iterdir())
            raise RuntimeError("disk pulled out")
        written.append(f.name)
        return plain_row(f)

    monkeypatch.setattr("kyodo_desk.exports.facilities.plain_row", breaks_after_the_first_row)
    with pytest.raises(RuntimeError):
        export_facilities(db, actor, "csv", path)
    assert path.read_bytes() == b"previous"
    assert [p.name for p in path.parent.iterdir()] == ["施設.csv"]


def test_an_unwritable_path_is_a_user_error_naming_it(db, actor, tmp_path: Path) -> None:
    blocker = tmp_path / "memo.txt"
    blocker.write_text("not a folder", encoding="utf-8")
    path = blocker / "施設.csv"
    with pytest.raises(UserError) as caught:
        export_facilities(db, actor, "xlsx", path)
    assert str(path) in caught.value.message
    assert "書き出せませんでした" in caught.value.message


# --- command line -------------------------------------------------------------------------

def test_cli_exports_opendata(database_url: str, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "out" / "052019_public_facility.csv"
    path.parent.mkdir()
    code = main(["--database", database_url, "export", "facilities", "--format", "opendata",
                 "-o", str(path)])
    assert code == 0
    assert "8 件" in capsys.readouterr().out
    rows = read_csv(path)
    assert len(rows) == 8
    assert list(rows[0]) == OPENDATA_HEADER
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_cli_reports_an_unwritable_path_in_japanese(database_url: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "memo.txt"
    blocker.write_text("not a folder", encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    path = blocker / "施設.csv"

    # Refused while the command line is read, before the database is opened.
    with pytest.raises(SystemExit) as exited:
        main(["--database", database_url, "export", "facilities", "--format", "csv",
              "-o", str(path)])

    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "エラー: -o/--output: " in err
    assert f"「{blocker}」はファイルのため、その中に「施設.csv」は作れません" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert blocker.read_text(encoding="utf-8") == "not a folder"
