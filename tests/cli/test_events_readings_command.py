"""`export events` refusing the open data while readings are missing, `events fill-readings`
filling them, and `export events --format csv|xlsx`, run as a clerk runs them."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from kyodo_desk import cli
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import events
from kyodo_desk.services.audit_log import AuditFilter, all_rows
from kyodo_desk.services.events import SessionDraft
from tests.event_fixtures import make_event
from tests.exports.test_event_exports import EventFixture, event_fixture

LATER = (SessionDraft(date(2027, 2, 6)),)


@pytest.fixture
def seeded(db, actor, accounts_by_login, facilities) -> EventFixture:  # type: ignore[no-untyped-def]
    return event_fixture(db, accounts_by_login["officer"], actor, facilities)


@pytest.fixture
def unread(db, seeded, facilities) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """Two events saved without a reading (よみ)."""
    return (make_event(db, facilities["east"], title="市民活動はじめて講座", sessions=LATER).id,
            make_event(db, facilities["west"], title="第3期つむぎすと講座（全5回）",
                       sessions=LATER).id)


def run(url: str, *args: str) -> int:
    return cli.main(["--database", url, *args])


def readings(db) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {e.title: e.title_reading
            for e in events.list_events_for_export(db, Actor.command_line())}


def test_the_open_data_export_lists_what_lacks_a_reading_and_writes_nothing(
        database_url: str, unread: tuple[int, int], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "052019_event.csv"
    assert run(database_url, "export", "events", "-o", str(path)) == 1
    out = capsys.readouterr()
    assert out.out == ""
    first, second = unread
    assert out.err.startswith("エラー: イベント名_カナ（よみ）が入っていないイベントが 2 件")
    assert f"  番号 {first}  市民活動はじめて講座\n" in out.err
    assert f"  番号 {second}  第3期つむぎすと講座（全5回）\n" in out.err
    assert "編集画面" in out.err
    assert f"kyodo-desk --database {database_url} events fill-readings" in out.err
    assert not path.exists()


def test_fill_readings_dry_run_shows_the_suggestions_and_changes_nothing(
        db, admin, database_url: str, unread: tuple[int, int],  # type: ignore[no-untyped-def]
        capsys: pytest.CaptureFixture[str]) -> None:
    entries = len(list(all_rows(db, admin, AuditFilter(table_name="events"))))
    assert run(database_url, "events", "fill-readings", "--dry-run") == 0
    out = capsys.readouterr().out
    first, second = unread
    assert "よみが空のイベント 2 件のうち 2 件に、次のよみを入れます（--dry-run のため変更していません）" in out
    assert f"番号 {first}  市民活動はじめて講座 → シミンカツドウハジメテコウザ" in out
    assert f"番号 {second}  第3期つむぎすと講座（全5回） → ダイサンキツムギストコウザ ゼンゴカイ" in out
    assert readings(db)["市民活動はじめて講座"] == ""
    assert len(list(all_rows(db, admin, AuditFilter(table_name="events")))) == entries


def test_fill_readings_fills_each_empty_one_as_an_audited_edit_then_exports(
        db, admin, database_url: str, unread: tuple[int, int],  # type: ignore[no-untyped-def]
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(database_url, "events", "fill-readings") == 0
    out = capsys.readouterr().out
    assert "よみが空のイベント 2 件に候補のよみを入れました" in out
    after = readings(db)
    assert after["市民活動はじめて講座"] == "シミンカツドウハジメテコウザ"
    assert after["第3期つむぎすと講座（全5回）"] == "ダイサンキツムギストコウザ ゼンゴカイ"
    assert after["つむぎすと講座"] == "つむぎすとこうざ"  # a reading typed is left as it is
    for event_id in unread:
        [entry] = [r for r in all_rows(db, admin, AuditFilter(table_name="events",
                                                              record_id=event_id))
                   if r.action == "update"]
        assert entry.changes["title_reading"][0] == ""
        assert entry.changes["title_reading"][1]

    assert run(database_url, "events", "fill-readings") == 0
    assert "よみが空のイベントはありません。" in capsys.readouterr().out

    path = tmp_path / "052019_event.csv"
    assert run(database_url, "export", "events", "-o", str(path)) == 0
    with path.open(encoding="utf-8-sig", newline="") as f:
        kana = {row["イベント名"]: row["イベント名_カナ"] for row in csv.DictReader(f)}
    assert kana["市民活動はじめて講座"] == "シミンカツドウハジメテコウザ"


def test_the_event_list_is_written_as_csv_or_xlsx_for_the_staff(
        database_url: str, seeded: EventFixture, unread: tuple[int, int], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "一覧.csv"  # readings missing: no matter for the staff's list
    assert run(database_url, "export", "events", "--format", "csv", "--to", "2026-12-31",
               "-o", str(path)) == 0
    assert f"4 件のイベントを {path} に書き出しました。" in capsys.readouterr().out
    with path.open(encoding="utf-8-sig", newline="") as f:
        assert [row["タイトル"] for row in csv.DictReader(f)] == [
            "つむぎすと講座", "市民協働ミーティング", "広報講座", "市民活動フェスタ"]

    book = tmp_path / "イベント一覧.xlsx"  # --format may be left out for a workbook
    assert run(database_url, "export", "events", "--from", "2027-01-01", "-o", str(book)) == 0
    ws = load_workbook(book).active
    assert [r[2] for r in ws.iter_rows(min_row=5, values_only=True)] == [
        "市民活動はじめて講座", "第3期つむぎすと講座（全5回）"]
