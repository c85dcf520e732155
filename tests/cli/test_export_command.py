"""`kyodo-desk export events` and `export participants`, run as a clerk runs them."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kyodo_desk import cli
from tests.exports.test_event_exports import EVENT_HEADER, EventFixture, event_fixture


@pytest.fixture
def seeded(db, actor, accounts_by_login, facilities) -> EventFixture:  # type: ignore[no-untyped-def]
    return event_fixture(db, accounts_by_login["officer"], actor, facilities)


def export(url: str, *args: str) -> int:
    return cli.main(["--database", url, "export", *args])


def titles(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [row["イベント名"] for row in csv.DictReader(f)]


def test_events_are_written_as_open_data(database_url: str, seeded: EventFixture,
                                         tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "052019_event.csv"
    assert export(database_url, "events", "--format", "opendata", "-o", str(path)) == 0
    assert f"4 件のイベントを {path} に書き出しました。" in capsys.readouterr().out
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as f:
        assert next(csv.reader(f)) == EVENT_HEADER
    assert len(titles(path)) == 4


def test_the_period_limits_the_events(database_url: str, seeded: EventFixture, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "event.csv"  # --format may be left out: events are open data
    assert export(database_url, "events", "--from", "2026-07-01", "--to", "2026-09-30",
                  "-o", str(path)) == 0
    assert "2 件のイベント" in capsys.readouterr().out
    assert titles(path) == ["市民協働ミーティング", "広報講座"]


def test_participants_are_written_as_a_workbook(database_url: str, seeded: EventFixture,
                                               tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "参加者一覧.xlsx"
    assert export(database_url, "participants", "--event", str(seeded.course),
                  "-o", str(path)) == 0
    assert f"4 件の申込を {path} に書き出しました。" in capsys.readouterr().out
    ws = load_workbook(path).active
    names = [row[2] for row in ws.iter_rows(min_row=5, values_only=True)]
    assert names == ["秋田 花子", "秋田まちづくりの会", "雄和 太郎", "河辺 次郎"]


def test_a_csv_name_gets_a_csv(database_url: str, seeded: EventFixture, tmp_path: Path) -> None:
    path = tmp_path / "参加者一覧.csv"
    assert export(database_url, "participants", "--event", str(seeded.course),
                  "-o", str(path)) == 0
    assert path.read_bytes().startswith("\ufeff受付番号,状況,".encode())


def test_facilities_still_export_as_csv_by_default(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "施設.csv"
    assert export(database_url, "facilities", "-o", str(path)) == 0
    assert path.read_bytes().startswith("\ufeff名称,よみ,種別".encode())


@pytest.mark.parametrize(("args", "says"), [
    (["events", "--format", "html"], "--format html は plans"),
    (["events", "--from", "2026-08-01", "--to", "2026-07-01"], "より後になっています"),
    (["events", "--event", "1"], "--event は participants"),
    (["participants"], "--event でイベントの番号"),
    (["participants", "--event", "1", "--format", "opendata"], "個人情報"),
    (["participants", "--event", "999999"], "見つかりません"),
    (["facilities", "--from", "2026-07-01"], "--from・--to は events"),
])
def test_wrong_options_are_refused_in_japanese_and_write_nothing(
        database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        args: list[str], says: str) -> None:
    target = tmp_path / "out.xlsx"
    assert export(database_url, *args, "-o", str(target)) == 2
    err = capsys.readouterr().err
    assert err.startswith("エラー:") and says in err
    assert not target.exists()


def test_an_unreadable_date_is_refused_by_the_parser(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        cli.main(["export", "events", "--from", "2026-13-01", "-o", str(tmp_path / "e.csv")])
    assert "日付「2026-13-01」が読めません" in capsys.readouterr().err
