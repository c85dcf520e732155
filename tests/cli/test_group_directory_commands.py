"""`kyodo-desk export groups` and `kyodo-desk leaflet group-directory`: the files, the exit
codes, and options that do not fit refused in Japanese before anything is written."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kyodo_desk import cli
from kyodo_desk.exports.group_directory import HEADER
from tests.group_directory_fixtures import AOZORA, KAWABE, Directory, directory
from tests.leaflets import flat, text_of


@pytest.fixture
def listed(db) -> Directory:  # type: ignore[no-untyped-def]
    return directory(db)


def run(url: str, *args: str) -> int:
    return cli.main(["--database", url, *args])


def test_the_groups_are_written_as_the_suffix_says(  # type: ignore[no-untyped-def]
        database_url: str, listed: Directory, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import load_workbook

    table, book = tmp_path / "団体一覧.csv", tmp_path / "団体一覧.xlsx"
    assert run(database_url, "export", "groups", "--format", "csv", "-o", str(table)) == 0
    assert f"2 件の団体（市民活動団体一覧）を {table} に書き出しました。" in capsys.readouterr().out
    with table.open(encoding="utf-8-sig", newline="") as f:
        assert [r["団体名"] for r in csv.DictReader(f)] == [AOZORA, KAWABE]
    assert run(database_url, "export", "groups", "-o", str(book), "--district", "東部") == 0
    ws = load_workbook(book).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0][0] == "市民活動団体一覧（東部）" and list(HEADER) in rows
    assert rows[-1][0] == KAWABE


def test_the_leaflet_is_written_by_field_or_by_district(  # type: ignore[no-untyped-def]
        database_url: str, listed: Directory, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "団体一覧.pdf"
    assert run(database_url, "leaflet", "group-directory", "-o", str(target),
               "--by", "district", "--district", "中央") == 0
    assert "group-directory" in capsys.readouterr().out
    found = flat(text_of(target.read_bytes(), tmp_path))
    assert "中央地域地域別" not in found and "中央地域（1団体）" in found
    assert AOZORA in found and KAWABE not in found
    default = tmp_path / "分野別.pdf"
    assert run(database_url, "leaflet", "group-directory", "-o", str(default)) == 0
    assert "活動分野別" in flat(text_of(default.read_bytes(), tmp_path))


@pytest.mark.parametrize(("args", "says"), [
    (["export", "groups", "--format", "opendata", "-o", "groups.csv"], ".xlsx か .csv"),
    (["export", "groups", "-o", "groups.txt"], "市民活動団体一覧は .xlsx か .csv"),
    (["export", "groups", "--format", "csv", "-o", "groups.xlsx"], "拡張子が合いません"),
    (["export", "groups", "--district", "東区", "-o", "groups.csv"], "地域「東区」はありません"),
    (["export", "contacts", "--district", "東部", "-o", "groups.csv"],
     "--district は groups"),
    (["leaflet", "facility-guide", "--by", "district", "-o", "groups.pdf"],
     "--district・--by は市民活動団体一覧"),
    (["leaflet", "group-directory", "--district", "東区", "-o", "groups.pdf"],
     "地域「東区」はありません"),
])
def test_options_that_do_not_fit_are_refused_and_write_nothing(
        database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        args: list[str], says: str) -> None:
    *options, output = args
    assert run(database_url, *options, str(tmp_path / output)) == 2
    err = capsys.readouterr().err
    assert err.startswith("エラー:") and says in err, err
    assert not [p for p in tmp_path.iterdir() if "groups" in p.name]  # nor a temporary file


def test_a_grouping_that_does_not_exist_is_refused_by_the_parser(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["leaflet", "group-directory", "--by", "town", "-o", "x.pdf"])
    assert stopped.value.code == 2 and "--by" in capsys.readouterr().err


def test_the_help_names_the_public_list(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["export", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "groups: 市民活動団体一覧" in out and "公開に同意した項目のみ" in out
