"""The rows of a file as an import reads them (services/imports/rows.py): a formula error in a
column that is imported refuses its row, naming the column, the error and what to do."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kyodo_desk.services.imports import ImportSource, RowProblem
from kyodo_desk.services.imports.rows import read_source
from tests.import_files import MESSY_MERGES, MESSY_REGISTER, FormulaError, write_csv, write_xlsx

ROWS: list[list[object]] = [
    ["令和８年度　名簿", FormulaError("#REF!")],  # a title row: no record
    ["氏名", "電話番号", "備考", "集計用"],
    ["佐藤 一郎", "018-888-1234", "会員", FormulaError("#DIV/0!")],  # a column not imported
    ["鈴木 次郎", FormulaError("#N/A"), "会員"],
    ["田中 花子", "018-866-0000"],
    ["高橋 三郎", FormulaError("#REF!"), FormulaError("#VALUE!")],
    ["合計", FormulaError("#DIV/0!")],  # a total row: no record
]


def reason(error: str) -> str:
    return (f"数式のエラー（{error}）になっています。"
            "Excel で正しい値に直してから、もう一度取り込んでください。")


@pytest.mark.parametrize(("suffix", "write"), [(".xlsx", write_xlsx), (".csv", write_csv)])
def test_a_formula_error_in_an_imported_column_refuses_its_row(
        tmp_path: Path, suffix: str, write: Callable[[Path, list[list[object]]], Path]) -> None:
    src = read_source(ImportSource(write(tmp_path / f"名簿{suffix}", ROWS)), "contacts")
    assert 3 not in src.mapping  # 集計用 is no field

    assert src.formula_problems == (
        RowProblem(4, "電話番号", "#N/A", reason("#N/A")),
        RowProblem(6, "電話番号", "#REF!", reason("#REF!")),
        RowProblem(6, "備考", "#VALUE!", reason("#VALUE!")),
    )
    read = dict(src.rows())
    assert list(read) == [3, 5]
    assert read[3]["name"] == "佐藤 一郎" and read[3]["notes"] == "会員"
    assert src.count == 4  # the refused rows are still rows of the file


def test_a_register_without_formula_errors_reads_every_row(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "団体名簿.xlsx", MESSY_REGISTER, merged=MESSY_MERGES)
    src = read_source(ImportSource(path), "contacts")

    assert src.formula_problems == ()
    assert [row for row, _ in src.rows()] == [6, 7, 9]
