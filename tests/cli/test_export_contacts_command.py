"""`kyodo-desk export contacts`, run as the administrator runs it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kyodo_desk import cli
from kyodo_desk.exports.contacts import HEADER
from tests.exports.test_contacts_export import HANAKO, MACHI, Registry, registry


@pytest.fixture
def seeded(db) -> Registry:  # type: ignore[no-untyped-def]
    return registry(db)


def export(url: str, *args: str) -> int:
    return cli.main(["--database", url, "export", "contacts", *args])


def test_the_registry_is_written_as_the_suffix_says(
        database_url: str, seeded: Registry, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import load_workbook

    book, table = tmp_path / "連絡先一覧.xlsx", tmp_path / "連絡先一覧.CSV"
    assert export(database_url, "-o", str(book)) == 0
    assert f"4 件の連絡先（団体・個人）を {book} に書き出しました。" in capsys.readouterr().out
    ws = load_workbook(book).active
    assert ws["A2"].value.startswith("取扱注意")
    assert [c.value for c in ws[4]] == list(HEADER)
    assert export(database_url, "-o", str(table)) == 0
    with table.open(encoding="utf-8-sig", newline="") as f:
        rows = {r["名称・氏名"]: r for r in csv.DictReader(f)}
    assert rows[HANAKO]["所属団体"] == f"あきた環境クラブ、{MACHI}（事務局）"
    assert rows[MACHI]["構成員"] == f"{HANAKO}（事務局）"


def test_the_help_says_what_is_included(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["export", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "contacts: 団体・個人の連絡先の全件" in out and "拠点施設は含まない" in out


@pytest.mark.parametrize(("args", "says"), [
    (["--format", "opendata", "-o", "contacts.csv"], "個人情報のため"),
    (["-o", "contacts.txt"], "連絡先一覧は .xlsx か .csv のファイルに書き出します"),
    (["--format", "csv", "-o", "contacts.xlsx"], "拡張子が合いません"),
    (["--event", "1", "-o", "contacts.csv"], "--event は participants"),
])
def test_wrong_options_are_refused_in_japanese_and_write_nothing(
        database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        args: list[str], says: str) -> None:
    *options, output = args
    assert export(database_url, *options, str(tmp_path / output)) == 2
    err = capsys.readouterr().err
    assert err.startswith("エラー:") and says in err
    assert not [p for p in tmp_path.iterdir() if "contacts" in p.name]  # nor a temporary file
