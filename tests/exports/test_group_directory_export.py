"""市民活動団体一覧 (`export groups`) read back as a reader of the city's web page would: fixed
columns, a group's cells blank where it did not agree, no one's private data, the export
recorded with its count."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kyodo_desk.exports.group_directory import HEADER, export_group_directory
from kyodo_desk.services.audit_log import AuditFilter, all_rows
from tests.group_directory_fixtures import (
    AOZORA,
    AOZORA_HEAD,
    CHAIR,
    HIDDEN,
    KAWABE,
    KAWABE_PHONE,
    KAWABE_UNAGREED,
    PRIVATE,
    Directory,
    directory,
)

TODAY_TEXT = "令和8年12月5日現在"


@pytest.fixture
def listed(db) -> Directory:  # type: ignore[no-untyped-def]
    return directory(db)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == list(HEADER)
        return list(reader)


def read_xlsx(path: Path) -> tuple[list[str], list[dict[str, object]]]:
    from openpyxl import load_workbook

    ws = load_workbook(path).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    header_at = rows.index(list(HEADER))
    titles = [str(r[0]) for r in rows[:header_at] if r and r[0]]
    return titles, [dict(zip(HEADER, r, strict=True)) for r in rows[header_at + 1:]]


def expected_kawabe(blank: object) -> dict[str, object]:
    """川辺の会 agreed to 代表者名, 電話番号, 活動分野 and 設立年月 only."""
    return {
        "団体名": KAWABE, "よみ": "あきたかわべのかい", "団体の種類": "市民活動団体",
        "法人格": "任意団体（法人格なし）", "地域": "東部", "代表者名": CHAIR,
        "郵便番号": blank, "所在地": blank, "電話番号": KAWABE_PHONE, "メールアドレス": blank,
        "ホームページ": blank, "SNS": blank, "活動分野": "まちづくり、環境の保全",
        "活動地域": blank, "構成員数": blank, "設立年月": "平成27年4月",
    }


def test_the_csv_shows_exactly_the_agreed_fields(  # type: ignore[no-untyped-def]
        db, actor, listed: Directory, tmp_path: Path) -> None:
    out = tmp_path / "団体一覧.csv"
    assert export_group_directory(db, actor, "csv", out) == 2
    rows = read_csv(out)
    assert [r["団体名"] for r in rows] == [AOZORA, KAWABE]
    assert rows[1] == expected_kawabe("")
    assert rows[0]["代表者名"] == AOZORA_HEAD and rows[0]["構成員数"] == "12"
    assert rows[0]["SNS"] == "https://x.com/aozora_akita https://www.instagram.com/aozora_akita"
    assert rows[0]["団体の種類"] == "NPO法人" and rows[0]["法人格"] == "特定非営利活動法人"
    text = out.read_text(encoding="utf-8-sig")
    for secret in (*PRIVATE, *KAWABE_UNAGREED, *HIDDEN, "内部メモ"):
        assert secret not in text, secret


def test_the_workbook_has_the_same_rows_under_a_public_title(  # type: ignore[no-untyped-def]
        db, actor, listed: Directory, tmp_path: Path) -> None:
    from datetime import date

    out = tmp_path / "団体一覧.xlsx"
    assert export_group_directory(db, actor, "xlsx", out, today=date(2026, 12, 5)) == 2
    titles, rows = read_xlsx(out)
    assert titles[0] == "市民活動団体一覧"
    assert "公開に同意した項目のみ掲載しています" in titles[1] and TODAY_TEXT in titles[1]
    assert not any("取扱注意" in t for t in titles)
    assert rows[1] == expected_kawabe(None)
    assert rows[0]["郵便番号"] == "010-0001" and rows[0]["構成員数"] == 12
    from openpyxl import load_workbook

    cells = " ".join(str(c.value) for row in load_workbook(out).active.iter_rows() for c in row)
    for secret in (*PRIVATE, *KAWABE_UNAGREED, *HIDDEN, "内部メモ"):
        assert secret not in cells, secret


def test_a_district_s_list_and_an_empty_one_keep_the_columns(  # type: ignore[no-untyped-def]
        db, actor, listed: Directory, tmp_path: Path) -> None:
    out = tmp_path / "東部.csv"
    assert export_group_directory(db, actor, "csv", out, district="東部") == 1
    assert [r["団体名"] for r in read_csv(out)] == [KAWABE]
    empty = tmp_path / "雄和.xlsx"
    assert export_group_directory(db, actor, "xlsx", empty, district="雄和") == 0
    titles, rows = read_xlsx(empty)
    assert titles[0] == "市民活動団体一覧（雄和）" and rows == []


def test_the_export_is_recorded_with_its_count_only(  # type: ignore[no-untyped-def]
        db, actor, admin, listed: Directory, tmp_path: Path) -> None:
    export_group_directory(db, actor, "csv", tmp_path / "公開用.csv")
    logged = [r for r in all_rows(db, admin, AuditFilter()) if r.action == "export"]
    assert [(r.actor, r.table_label) for r in logged] == [(actor.name, "団体一覧")]
    assert logged[0].changes == {"件数": [None, 2], "ファイル": [None, "公開用.csv"]}
