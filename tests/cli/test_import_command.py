"""`kyodo-desk import`: the same checks and report as the wizard; exit 0 only when every row
was (or, with --dry-run, would be) imported; the counts printed last."""

from __future__ import annotations

from pathlib import Path

import pytest

from kyodo_desk import cli
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.imports.mapping import MappingPreset
from kyodo_desk.imports.tables import read_table
from kyodo_desk.services import contacts as contact_svc
from kyodo_desk.services.imports.presets import save_preset
from tests.import_files import write_csv, write_xlsx

HEADER = ["団体名", "フリガナ", "〒", "住所", "TEL"]
GOOD = [["秋田まちづくりの会", "アキタマチヅクリノカイ", "〒010-0001", "秋田市中通1-1-1",
         "℡018-888-1234"],
        ["山王子ども食堂", "サンノウコドモショクドウ", "0100951", "秋田市山王4-1-2",
         "018-866-0000"]]


def run(url: str, *args: str) -> int:
    return cli.main(["--database", url, "import", *args])


def test_a_dry_run_imports_nothing_then_the_import_all_and_again_nothing(
        database_url: str, db, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    path = write_csv(tmp_path / "名簿.csv", [HEADER, *GOOD], encoding="cp932")
    assert run(database_url, "contacts", str(path), "--dry-run") == 0
    assert capsys.readouterr().out.strip().splitlines()[-1].endswith("新規 2件・既存に追記 0件・登録済み 0件")
    assert contact_svc.count_contacts(db, Actor.command_line(), "山王子ども食堂") == 0
    assert run(database_url, "contacts", str(path)) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == (
        "名簿.csv を取り込みました: 新規 2件・既存に追記 0件・登録済み 0件")
    assert run(database_url, "contacts", str(path)) == 0
    assert capsys.readouterr().out.strip().endswith("新規 0件・既存に追記 0件・登録済み 2件")
    assert contact_svc.count_contacts(db, Actor.command_line(), "山王子ども食堂") == 1


def test_refused_rows_are_listed_and_reported_and_nothing_is_stored(
        database_url: str, db, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    bad = ["八橋の会", "ヤバセノカイ", "12-345", "秋田市八橋南1-2", "018-823-0000"]
    path = write_xlsx(tmp_path / "名簿.xlsx", [HEADER, *GOOD, bad])
    report = tmp_path / "取り込めない行.xlsx"
    assert run(database_url, "contacts", str(path), "--report", str(report)) == 1
    out, err = capsys.readouterr()
    assert "4行目「〒」: 郵便番号「12-345」" in err
    assert out.strip().splitlines()[-1] == "取り込めない行 1 行・確認が必要な行 0 行のため、何も登録していません。"
    rows = read_table(report).rows
    assert rows[0] == ["行", *HEADER, "取り込めない理由"]
    assert rows[1][:6] == [4, *bad]
    assert rows[1][6].startswith("郵便番号「12-345」")
    assert len(rows) == 2
    assert contact_svc.count_contacts(db, Actor.command_line(), "秋田まちづくりの会") == 0


def test_a_saved_mapping_is_used_by_name(database_url: str, db, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    odd = ["なまえ欄", "かな欄", "〒", "住所", "TEL"]  # headings nobody could guess
    save_preset(db, Actor.command_line(), MappingPreset.from_mapping(
        "サロン名簿", "contacts", odd, {0: "name", 1: "reading", 2: "postal_code",
                                         3: "address", 4: "phone"}))
    path = write_xlsx(tmp_path / "サロン.xlsx", [odd, *GOOD])
    assert run(database_url, "contacts", str(path), "--mapping", "サロン名簿") == 0
    assert "新規 2件" in capsys.readouterr().out
    assert run(database_url, "contacts", str(path), "--mapping", "ない設定") == 2
    assert "取り込み設定「ない設定」はありません" in capsys.readouterr().err


@pytest.mark.parametrize(("args", "says"), [
    (["applicants", "x.csv"], "--event でイベントの番号を指定してください"),
    (["contacts", "x.csv", "--report", "r.csv"], "--report は .xlsx のファイルに書き出します"),
])
def test_wrong_arguments_are_refused_in_japanese(database_url: str, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 args: list[str], says: str) -> None:
    assert run(database_url, *args) == 2
    assert says in capsys.readouterr().err
