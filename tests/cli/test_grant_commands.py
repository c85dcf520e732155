"""The grant prints and the adopted-projects list from the command line, run as an officer
runs them: `leaflet grant-results --fiscal-year`, `leaflet grant-call --programme`, the score
sheets and the ranking, `export grants`, and the messages for what was left out or mistyped."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kyodo_desk import cli
from tests.exports.test_grant_exports import CONCERT, MEALS, SAFETY, GrantYear, grant_year
from tests.leaflets import flat, text_of


@pytest.fixture
def year(db) -> GrantYear:  # type: ignore[no-untyped-def]
    return grant_year(db)


def run(url: str, *args: str) -> int:
    return cli.main(["--database", url, *args])


def test_the_publication_is_written_for_a_fiscal_year(
        database_url: str, year: GrantYear, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "採択事業一覧.pdf"
    assert run(database_url, "leaflet", "grant-results", "--fiscal-year", "2026",
               "-o", str(target)) == 0
    assert f"grant-results を {target} に書き出しました" in capsys.readouterr().out
    found = flat(text_of(target.read_bytes(), tmp_path))
    assert "採択事業一覧・実施結果" in found and "令和8年度市民協働交付金" in found
    assert all(title in found for title in (MEALS, CONCERT, SAFETY))


def test_the_call_is_written_for_a_programme(
        database_url: str, year: GrantYear, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "募集案内.pdf"
    assert run(database_url, "leaflet", "grant-call", "--programme", str(year.support),
               "-o", str(target)) == 0
    assert "grant-call" in capsys.readouterr().out
    found = flat(text_of(target.read_bytes(), tmp_path))
    assert "秋田市協働サポート交付金" in found and "令和8年度募集案内" in found


def test_score_sheets_and_ranking_are_written_for_a_programme(
        database_url: str, year: GrantYear, tmp_path: Path) -> None:
    sheets, ranking = tmp_path / "審査表.pdf", tmp_path / "順位表.pdf"
    assert run(database_url, "leaflet", "grant-score-sheets", "--programme",
               str(year.support), "-o", str(sheets)) == 0
    assert run(database_url, "leaflet", "grant-ranking", "--programme", str(year.support),
               "-o", str(ranking)) == 0
    assert "審査表" in flat(text_of(sheets.read_bytes(), tmp_path))
    assert "審査結果（順位表）" in flat(text_of(ranking.read_bytes(), tmp_path))


def test_a_missing_or_unknown_programme_names_the_programmes(
        database_url: str, year: GrantYear, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "x.pdf"
    assert run(database_url, "leaflet", "grant-call", "-o", str(target)) == 2
    err = capsys.readouterr().err
    assert err.startswith("エラー:") and "--programme" in err
    assert f"{year.support} 令和8年度 秋田市協働サポート交付金" in err
    assert f"{year.community} 令和8年度 秋田市地域づくり交付金" in err
    assert run(database_url, "leaflet", "grant-ranking", "--programme", "999999",
               "-o", str(target)) == 2
    assert "交付金の番号「999999」はありません" in capsys.readouterr().err
    assert not target.exists()


def test_the_publication_without_a_fiscal_year_is_refused(
        database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "x.pdf"
    assert run(database_url, "leaflet", "grant-results", "-o", str(target)) == 2
    assert "--fiscal-year 2026" in capsys.readouterr().err
    assert not target.exists()


def test_a_reviewer_only_goes_with_the_score_sheets(
        database_url: str, year: GrantYear, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert run(database_url, "leaflet", "grant-ranking", "--programme", str(year.support),
               "--reviewer", "審査員A", "-o", str(tmp_path / "x.pdf")) == 2
    assert "grant-score-sheets" in capsys.readouterr().err
    assert run(database_url, "leaflet", "grant-score-sheets", "--programme", str(year.support),
               "--reviewer", "審査員Z", "-o", str(tmp_path / "x.pdf")) == 2
    assert "審査員「審査員Z」" in capsys.readouterr().err


def test_the_adopted_projects_are_exported_as_xlsx_and_csv(
        database_url: str, year: GrantYear, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import load_workbook

    book, table = tmp_path / "採択事業一覧.xlsx", tmp_path / "採択事業一覧.csv"
    assert run(database_url, "export", "grants", "--fiscal-year", "2026", "-o", str(book)) == 0
    assert f"3 件の採択事業を {book} に書き出しました。" in capsys.readouterr().out
    titles = {row[3] for row in load_workbook(book).active.iter_rows(min_row=4,
                                                                      values_only=True)}
    assert titles == {MEALS, CONCERT, SAFETY}
    assert run(database_url, "export", "grants", "--fiscal-year", "2026", "-o", str(table)) == 0
    with table.open(encoding="utf-8-sig", newline="") as f:
        assert {row["事業名"]: row["交付額"] for row in csv.DictReader(f)}[MEALS] == "400000"


@pytest.mark.parametrize(("args", "message"), [
    ((), "--fiscal-year 2026"),
    (("--fiscal-year", "2026", "--format", "xlsx"), "拡張子が合いません"),
    (("--fiscal-year", "2026", "--format", "opendata"), "拡張子が合いません"),
])
def test_export_grants_refuses_what_does_not_fit(
        database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        args: tuple[str, ...], message: str) -> None:
    target = tmp_path / "grants.csv"
    assert run(database_url, "export", "grants", *args, "-o", str(target)) == 2
    assert message in capsys.readouterr().err
    assert not target.exists()


def test_export_grants_needs_an_xlsx_or_csv_file_and_others_no_fiscal_year(
        database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(database_url, "export", "grants", "--fiscal-year", "2026",
               "-o", str(tmp_path / "grants.pdf")) == 2
    assert ".xlsx か .csv" in capsys.readouterr().err
    assert run(database_url, "export", "facilities", "--fiscal-year", "2026",
               "-o", str(tmp_path / "f.csv")) == 2
    assert "--fiscal-year は grants" in capsys.readouterr().err
