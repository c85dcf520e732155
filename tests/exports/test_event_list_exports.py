"""イベント一覧 for the staff (csv, xlsx) read back as the desk reads it, and the open-data file
refused while a title lacks its reading (イベント名_カナ)."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from kyodo_desk.exports.events import STAFF_HEADER, MissingReadings, export_events
from kyodo_desk.services import events
from kyodo_desk.services.events import SessionDraft
from tests.event_fixtures import make_event
from tests.exports.test_event_exports import EventFixture, event_fixture

HEADER = ["番号", "種類", "タイトル", "よみ", "主催", "会場", "開催日（全日程）", "定員",
          "受付済（名）", "キャンセル待ち（組）", "申込期間", "地域", "中止"]


@pytest.fixture
def seeded(db, actor, accounts_by_login, facilities) -> EventFixture:  # type: ignore[no-untyped-def]
    return event_fixture(db, accounts_by_login["officer"], actor, facilities)


def test_the_staff_csv_has_one_row_per_event_with_its_seats(db, actor, seeded,  # type: ignore[no-untyped-def]
                                                            tmp_path: Path) -> None:
    path = tmp_path / "イベント一覧.csv"
    assert export_events(db, actor, path, fmt="csv") == 4
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\r\n") == raw.count(b"\n") == 5
    with path.open(encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    assert table[0] == HEADER == list(STAFF_HEADER)
    rows = {row[2]: row for row in table[1:]}
    assert list(rows) == ["つむぎすと講座", "市民協働ミーティング", "広報講座", "市民活動フェスタ"]
    assert rows["つむぎすと講座"] == [
        str(seeded.course), "つむぎすと講座", "つむぎすと講座", "つむぎすとこうざ",
        "東部市民サービスセンター", "秋田市市民交流サロン",
        "全2回: 2026-06-06 10:00～12:00 第1回; 2026-06-20 13:30～15:30 第2回",
        "3", "3", "1", "～2026-06-01", "", ""]
    forum = rows["市民協働ミーティング"]
    assert (forum[5], forum[6], forum[7], forum[8], forum[9]) == (
        "秋田市中央公民館", "2026-07-11 14:00～16:00", "", "0", "0")  # no capacity: empty
    assert rows["広報講座"][12] == "中止"
    assert rows["市民活動フェスタ"][8] == "1"


def test_the_staff_workbook_is_titled_and_keeps_counts_as_numbers(db, actor, seeded,  # type: ignore[no-untyped-def]
                                                                  tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "イベント一覧.xlsx"
    assert export_events(db, actor, path, fmt="xlsx", start=date(2026, 6, 15),
                         end=date(2026, 7, 31), today=date(2026, 6, 1)) == 2
    ws = load_workbook(path).active
    assert ws.title == "イベント一覧"
    assert ws["A1"].value == "イベント一覧"
    assert ws["A2"].value.startswith("開催日 2026-06-15～2026-07-31　")
    assert ws["A2"].value.endswith("作成")
    assert [c.value for c in ws[4]] == HEADER
    rows = list(ws.iter_rows(min_row=5, values_only=True))
    assert [r[2] for r in rows] == ["つむぎすと講座", "市民協働ミーティング"]
    course = rows[0]
    assert course[0] == seeded.course and (course[7], course[8], course[9]) == (3, 3, 1)
    assert rows[1][7] is None  # 定員なし is an empty cell


def test_the_open_data_file_is_refused_while_a_title_lacks_its_reading(  # type: ignore[no-untyped-def]
        db, actor, admin, seeded, facilities, tmp_path: Path) -> None:
    later = (SessionDraft(date(2027, 2, 6)),)  # after the fixture's events
    bare = make_event(db, facilities["east"], title="はじめての市民活動セミナー", sessions=later)
    other = make_event(db, facilities["west"], title="広報講座 第2回", sessions=later)
    path = tmp_path / "052019_event.csv"
    with pytest.raises(MissingReadings) as refused:
        export_events(db, actor, path)
    assert refused.value.events == [(bare.id, "はじめての市民活動セミナー"),
                                    (other.id, "広報講座 第2回")]
    assert "2 件" in refused.value.message and "書き出せません" in refused.value.message
    assert not path.exists()
    # The staff's list has no such rule.
    assert export_events(db, actor, tmp_path / "一覧.csv", fmt="csv") == 6

    events.update_event(db, admin, bare.id, bare.version,
                        replace(bare.as_draft(), title_reading="ハジメテ"))
    with pytest.raises(MissingReadings) as refused:
        export_events(db, actor, path)
    assert refused.value.events == [(other.id, "広報講座 第2回")]
    # A period without the event lacking its reading is written.
    assert export_events(db, actor, path, end=date(2026, 12, 31)) == 4
