"""市民協働の推進状況 as the user's spreadsheet reads it: a sheet per direction with the
hand-counted figures as numbers, and the 定義 sheet; the command writes the same workbook."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from kyodo_desk.cli.guideline import report_guideline
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.exports.guideline import export_guideline
from tests.services.test_guideline import guideline_fixture

TODAY = date(2026, 12, 6)


def rows_of(path: Path, title: str) -> list[list[object]]:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    return [list(row) for row in wb[title].iter_rows(values_only=True)]


def test_one_sheet_per_direction_and_the_definitions(db, accounts_by_login,  # type: ignore[no-untyped-def]
                                                     tmp_path: Path) -> None:
    from openpyxl import load_workbook

    guideline_fixture(db, accounts_by_login["officer"])
    path = tmp_path / "guideline.xlsx"
    export_guideline(db, Actor.command_line(), 2026, path, today=TODAY)
    assert load_workbook(path).sheetnames == ["方向1", "方向2", "方向3", "方向4", "方向5", "定義"]
    first = rows_of(path, "方向1")
    assert first[0][0] == "令和8年度 市民協働の推進状況　1. 参加から参画へ"
    assert first[4][:5] == ["指標", "令和8年度", "令和7年度", "増減", "単位"]
    table = {row[0]: row[1:5] for row in first[5:] if row[0]}
    assert table["参加から関わり始めた人"] == [1, 2, -1, "人"]
    assert table["参画に進んだ人"] == [2, 0, 2, "人"]
    assert table["うち出展"] == [2, 0, 2, "人"]
    fourth = {row[0]: row[1:5] for row in rows_of(path, "方向4")[5:] if row[0]}
    assert fourth["交付決定額"] == [300_000, 0, 300_000, "円"]
    assert fourth["協働した団体"] == [1, 0, 1, "団体"]
    assert fourth["市民協働ミーティングの参加者"] == [6, 3, 3, "人"]
    assert [fourth[f"うち{s}"] for s in ("市民", "市民活動団体", "地域活動団体", "企業", "行政",
                                        "未回答")] == [
        [0, 1, -1, "人"], [0, 2, -2, "人"], [1, 0, 1, "人"], [3, 0, 3, "人"], [1, 0, 1, "人"],
        [1, 0, 1, "人"]]
    fifth = {row[0]: row[1:5] for row in rows_of(path, "方向5")[5:] if row[0]}
    assert fifth["関わったNPO法人"] == [1, 1, 0, "団体"]
    definitions = {row[0]: row[1] for row in rows_of(path, "定義")[3:]}
    assert definitions["2. 支援した団体"].startswith("年度内に相談者となった")
    assert "所属の区分" in definitions["4. 市民協働ミーティングの参加者"]
    assert len(definitions) >= 25

    again = tmp_path / "command.xlsx"
    assert report_guideline(db, Actor.command_line(), fiscal_year=2026, fmt="xlsx",
                            output=again, today=TODAY) == 0
    for title in ("方向1", "方向3", "定義"):
        assert rows_of(again, title) == rows_of(path, title)
