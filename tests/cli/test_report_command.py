"""`kyodo-desk report consultations`: the fiscal year's tables as xlsx or csv and the monthly
report as PDF, written from the command line (which counts as the administrator)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kyodo_desk import cli
from tests.leaflets import flat, text_of
from tests.services.test_consultation_stats import record_fixture


@pytest.fixture
def recorded_url(database_url: str, db, accounts_by_login) -> str:  # type: ignore[no-untyped-def]
    record_fixture(db, accounts_by_login["officer"])
    return database_url


def report(url: str, *args: str) -> int:
    return cli.main(["--database", url, "report", "consultations", *args])


def test_the_fiscal_year_is_written_as_a_workbook(
        recorded_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "相談件数.xlsx"
    assert report(recorded_url, "--fiscal-year", "2026", "--format", "xlsx", "-o",
                  str(target)) == 0
    assert f"令和8年度 相談件数（8 件）を {target} に書き出しました。" in capsys.readouterr().out
    book = load_workbook(target)
    assert book.sheetnames == ["分野×施設", "分野×月", "施設×月", "相談方法×月", "新規・継続×月"]
    rows = {row[0]: row[1:] for row in book["分野×施設"].iter_rows(values_only=True) if row[0]}
    assert rows["合計"] == (4, 2, 0, 0, 0, 0, 0, 2, 8)  # every facility: the administrator counts


def test_one_facility_as_csv(recorded_url: str, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "西部.csv"
    assert report(recorded_url, "--fiscal-year", "2025", "--format", "csv", "--facility",
                  "west", "-o", str(target)) == 0
    text = target.read_bytes().decode("utf-8-sig")
    assert text.startswith("令和7年度 相談件数（西部市民サービスセンター）,")
    assert "\r\n分野,西部,合計\r\n" in text
    assert "\r\n団体運営,1,1\r\n" in text
    assert "（1 件）" in capsys.readouterr().out


def test_the_monthly_report_is_written_as_pdf(recorded_url: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "月報.pdf"
    assert report(recorded_url, "--format", "pdf", "--month", "2026-11", "-o", str(target)) == 0
    assert "令和8年11月の月報" in capsys.readouterr().out
    text = flat(text_of(target.read_bytes(), tmp_path))
    assert "市民活動相談月報" in text and "令和8年11月分（令和8年度）" in text


@pytest.mark.parametrize(("args", "says"), [
    (["--format", "pdf", "--month", "2026-13"], "2026-11 のように"),
    (["--format", "pdf", "--fiscal-year", "2026"], "--month 2026-11"),
    (["--format", "xlsx", "--month", "2026-11"], "--fiscal-year 2026"),
    (["--format", "csv", "--facility", "nowhere"], "施設コード「nowhere」はありません"),
])
def test_wrong_options_are_refused_in_japanese_and_write_nothing(
        database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        args: list[str], says: str) -> None:
    target = tmp_path / "out.file"
    assert report(database_url, *args, "-o", str(target)) == 2
    err = capsys.readouterr().err
    assert err.startswith("エラー:") and says in err
    assert not target.exists()
