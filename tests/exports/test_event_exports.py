"""Event exports read back the way an open-data portal reads the CSV and the organisers read
the participants' workbook."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path

import pytest

from kyodo_desk.domain.events import EventKind
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.exports import opendata
from kyodo_desk.exports.events import EVENT_COLUMNS, export_events
from kyodo_desk.exports.participants import export_participants
from kyodo_desk.services import events
from kyodo_desk.services.audit_log import AuditFilter, all_rows
from kyodo_desk.services.contacts import ContactKind, GroupType
from kyodo_desk.services.events import EventDraft, SessionDraft, checkin, registrations
from kyodo_desk.services.events.registrations import SignUpDraft
from tests.event_fixtures import person

BOM = b"\xef\xbb\xbf"
KATAKANA = re.compile(r"^[\u30a1-\u30fa\u30fc]+$")
SIGN_UP_DAY = date(2026, 5, 20)

EVENT_HEADER = [
    "都道府県コード又は市区町村コード", "NO", "都道府県名", "市区町村名", "イベント名",
    "イベント名_カナ", "イベント名_英語", "開始日", "終了日", "開始時間", "終了時間",
    "開始日時特記事項", "説明", "料金(基本)", "料金(詳細)", "連絡先名称", "連絡先電話番号",
    "連絡先内線番号", "主催者", "場所名称", "住所", "方書", "緯度", "経度", "アクセス方法",
    "駐車場情報", "定員", "参加申込終了日", "参加申込終了時間", "参加申込方法", "URL", "備考",
]


@dataclass(frozen=True)
class EventFixture:
    course: int  # つむぎすと講座, two sessions, at the salon, sign-ups of every status
    forum: int  # one afternoon at a venue typed in, no capacity, free
    cancelled: int
    festa: int  # with exhibitor booths
    course_sessions: tuple[int, ...]
    registrations: dict[str, int]  # by contact name


def sign_up(db, actor: Actor, event_id: int, contact_id: int, **fields) -> int:  # type: ignore[no-untyped-def]
    return registrations.sign_up(db, actor, event_id, SignUpDraft(contact_id, **fields),
                                 today=SIGN_UP_DAY).registration.id


def event_fixture(db, officer: Actor, staff: Actor, facilities: dict[str, int]) -> EventFixture:  # type: ignore[no-untyped-def]
    """Events an officer entered and sign-ups the east counter took, one check-in done."""
    course = events.create_event(db, officer, EventDraft(
        kind=EventKind.TSUMUGIST, title="つむぎすと講座", title_reading="つむぎすとこうざ",
        facility_id=facilities["east"], venue_facility_id=facilities["salon"],
        sessions=(SessionDraft(date(2026, 6, 20), time(13, 30), time(15, 30), "第2回"),
                  SessionDraft(date(2026, 6, 6), time(10, 0), time(12, 0), "第1回")),
        description="地域の担い手を育てる全2回の講座です。", capacity=3,
        signup_closes_on=date(2026, 6, 1), audience="市内在住・在勤の方", fee=500,
        fee_note="資料代（2回分）", how_to_apply="電話または窓口で"))
    forum = events.create_event(db, officer, EventDraft(
        kind=EventKind.MEETING, title="市民協働ミーティング", title_reading="シミンキョウドウミーティング",
        facility_id=facilities["central"], venue_name="秋田市中央公民館",
        venue_address="秋田市山王一丁目1番1号",
        sessions=(SessionDraft(date(2026, 7, 11), time(14, 0), time(16, 0)),),
        contact_name="市民協働・都市内分権推進課", contact_phone="０１８－８８８－５４６４",
        url="https://www.city.akita.lg.jp/"))
    cancelled = events.create_event(db, officer, EventDraft(
        kind=EventKind.SEMINAR, title="広報講座", title_reading="こうほうこうざ",
        facility_id=facilities["west"], venue_facility_id=facilities["west"],
        sessions=(SessionDraft(date(2026, 9, 5)),), cancelled=True))
    festa = events.create_event(db, officer, EventDraft(
        kind=EventKind.FESTA, title="市民活動フェスタ", title_reading="しみんかつどうふぇすた",
        facility_id=facilities["salon"], venue_facility_id=facilities["salon"],
        sessions=(SessionDraft(date(2026, 10, 3), time(10, 0), time(15, 0)),),
        has_booths=True))

    hanako = person(db, "秋田 花子", reading="あきた はなこ", phone="018-823-1111")
    society = person(db, "秋田まちづくりの会", reading="あきたまちづくりのかい",
                     phone="018-864-2222", kind=ContactKind.GROUP,
                     group_type=GroupType.CIVIC_GROUP)
    taro = person(db, "雄和 太郎", reading="ゆうわ たろう")
    jiro = person(db, "河辺 次郎", reading="かわべ じろう")
    regs = {
        "秋田 花子": sign_up(db, staff, course.id, hanako, party_size=2, notes="車いすで参加"),
        "秋田まちづくりの会": sign_up(db, staff, course.id, society),
        "雄和 太郎": sign_up(db, staff, course.id, taro, party_size=2),  # full: waitlisted
        "河辺 次郎": sign_up(db, staff, course.id, jiro),
    }
    registrations.cancel_registration(db, staff, regs["河辺 次郎"])
    first, second = (s.id for s in course.sessions)
    checkin.check_in(db, staff, regs["秋田 花子"], first)

    sign_up(db, staff, festa.id, society, booth_tables=1, booth_chairs=2, booth_power=True)
    registrations.allocate_booths(db, staff, festa.id)
    return EventFixture(course.id, forum.id, cancelled.id, festa.id, (first, second), regs)


@pytest.fixture
def seeded(db, actor, accounts_by_login, facilities) -> EventFixture:  # type: ignore[no-untyped-def]
    return event_fixture(db, accounts_by_login["officer"], actor, facilities)


def read_table(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def rows_by_title(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return {row["イベント名"]: row for row in csv.DictReader(f)}


# --- イベント一覧 (open data) -------------------------------------------------------------

def test_the_event_list_follows_the_32_column_layout(db, actor, seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / opendata.suggested_file_name("event")
    assert path.name == "052019_event.csv"
    assert export_events(db, actor, path) == 4

    raw = path.read_bytes()
    assert raw.startswith(BOM)
    assert raw.count(b"\r\n") == raw.count(b"\n") == 5  # header and four rows, CRLF only
    table = read_table(path)
    assert table[0] == EVENT_HEADER
    assert [name for name, _ in EVENT_COLUMNS] == EVENT_HEADER
    assert all(len(row) == 32 for row in table)
    assert b"None" not in raw and b"null" not in raw

    rows = rows_by_title(path)
    assert list(rows) == ["つむぎすと講座", "市民協働ミーティング", "広報講座", "市民活動フェスタ"]
    assert {r["都道府県コード又は市区町村コード"] for r in rows.values()} == {"052019"}
    assert {(r["都道府県名"], r["市区町村名"]) for r in rows.values()} == {("秋田県", "秋田市")}
    assert all(KATAKANA.match(r["イベント名_カナ"]) for r in rows.values())
    assert all(r["住所"].startswith("秋田県秋田市") for r in rows.values())
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d", r["開始日"]) for r in rows.values())

    course = rows["つむぎすと講座"]
    assert course["NO"] == str(seeded.course)
    assert course["イベント名_カナ"] == "ツムギストコウザ"  # typed in hiragana
    assert (course["開始日"], course["終了日"]) == ("2026-06-06", "2026-06-20")
    assert (course["開始時間"], course["終了時間"]) == ("10:00", "15:30")
    assert course["開始日時特記事項"] == (
        "全2回: 2026-06-06 10:00～12:00 第1回; 2026-06-20 13:30～15:30 第2回")
    assert (course["料金(基本)"], course["料金(詳細)"]) == ("500", "資料代（2回分）")
    assert course["定員"] == "3"
    assert course["参加申込終了日"] == "2026-06-01"
    assert course["参加申込方法"] == "電話または窓口で"
    assert course["主催者"] == "東部市民サービスセンター"
    # No 問い合わせ先 entered: the hosting facility answers.
    assert course["連絡先名称"] == "東部市民サービスセンター"
    assert re.fullmatch(r"018-\d{3}-\d{4}", course["連絡先電話番号"])
    assert course["場所名称"] == "秋田市市民交流サロン"
    assert (course["住所"], course["方書"]) == ("秋田県秋田市東通仲町4番1号", "アルヴェ3階")
    assert course["備考"] == "対象: 市内在住・在勤の方"

    forum = rows["市民協働ミーティング"]
    assert forum["イベント名_カナ"] == "シミンキョウドウミーティング"
    assert (forum["開始日"], forum["終了日"]) == ("2026-07-11", "2026-07-11")
    assert (forum["開始時間"], forum["終了時間"]) == ("14:00", "16:00")
    assert forum["開始日時特記事項"] == ""
    assert forum["料金(基本)"] == "0"
    assert (forum["連絡先名称"], forum["連絡先電話番号"]) == ("市民協働・都市内分権推進課",
                                                        "018-888-5464")
    assert (forum["住所"], forum["方書"]) == ("秋田県秋田市山王一丁目1番1号", "")
    assert forum["URL"] == "https://www.city.akita.lg.jp/"
    # Unknown values are empty cells, never placeholders.
    for column in ("定員", "説明", "料金(詳細)", "参加申込終了日", "備考", "緯度", "イベント名_英語"):
        assert forum[column] == "", column

    cancelled = rows["広報講座"]
    assert cancelled["備考"] == "中止"
    assert (cancelled["開始時間"], cancelled["終了時間"]) == ("", "")


def test_the_period_keeps_events_with_a_session_in_it(db, actor, seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "event.csv"
    # The course's second session falls in the period, so the whole course is written.
    assert export_events(db, actor, path, start=date(2026, 6, 15), end=date(2026, 7, 31)) == 2
    assert list(rows_by_title(path)) == ["つむぎすと講座", "市民協働ミーティング"]
    assert export_events(db, actor, path, start=date(2027, 1, 1)) == 0
    assert read_table(path) == [EVENT_HEADER]


def test_opendata_date_and_time_helpers() -> None:
    assert opendata.iso_date(date(2026, 6, 6)) == "2026-06-06"
    assert opendata.iso_date(None) == ""
    assert opendata.clock(time(9, 5)) == "09:05"
    assert opendata.clock(None) == ""


# --- 参加者一覧 ---------------------------------------------------------------------------

def test_the_participants_workbook_shows_every_sign_up_and_attendance(
        db, actor, admin, seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    path = tmp_path / "参加者一覧.xlsx"
    assert export_participants(db, actor, seeded.course, "xlsx", path) == 4

    ws = load_workbook(path).active
    assert ws.title == "参加者一覧"
    assert ws["A1"].value == "つむぎすと講座"
    assert "2026-06-06 10:00～12:00 第1回" in ws["A2"].value
    assert "2026-06-20" in ws["A2"].value
    header = [c.value for c in ws[4]]
    assert header == ["受付番号", "状況", "氏名・団体名", "よみ", "電話", "人数", "配慮事項",
                      "出席 6/6", "出席 6/20"]
    assert all(c.font.bold for c in ws[4])
    assert ws.freeze_panes == "A5"
    assert ws.auto_filter.ref == "A4:I8"

    rows = {r[2]: r for r in ws.iter_rows(min_row=5, values_only=True)}
    assert list(rows) == ["秋田 花子", "秋田まちづくりの会", "雄和 太郎", "河辺 次郎"]
    assert rows["秋田 花子"] == (1, "出席", "秋田 花子", "あきた はなこ", "018-823-1111", 2,
                                 "車いすで参加", "○", None)
    assert rows["秋田まちづくりの会"][1:3] == ("受付済", "秋田まちづくりの会")
    assert rows["秋田まちづくりの会"][7:] == (None, None)
    assert rows["雄和 太郎"][1] == "キャンセル待ち1番"
    assert rows["雄和 太郎"][4] is None  # no phone: an empty cell
    assert rows["雄和 太郎"][5] == 2
    assert rows["河辺 次郎"][1] == "キャンセル"
    phone = ws.cell(row=5, column=5)
    assert (phone.data_type, phone.number_format) == ("s", "@")

    # The list holds personal data: taking it out is on the record.
    logged = [r for r in all_rows(db, admin, AuditFilter()) if r.action == "export"]
    assert [(r.actor, r.record_id) for r in logged] == [(actor.name, seeded.course)]


def test_an_event_with_booths_has_the_booth_columns(db, actor, seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    path = tmp_path / "フェスタ.xlsx"
    assert export_participants(db, actor, seeded.festa, "xlsx", path) == 1
    ws = load_workbook(path).active
    header = [c.value for c in ws[4]]
    assert header[7:] == ["ブース番号", "机", "椅子", "電源", "出席"]
    assert [c.value for c in ws[5]][7:] == ["1", 1, 2, "要", None]


def test_the_participants_csv_is_the_same_table(db, actor, seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "参加者一覧.csv"
    assert export_participants(db, actor, seeded.course, "csv", path) == 4
    raw = path.read_bytes()
    assert raw.startswith(BOM)
    assert raw.count(b"\r\n") == raw.count(b"\n") == 5
    table = read_table(path)
    assert table[0][:3] == ["受付番号", "状況", "氏名・団体名"]
    assert table[1] == ["1", "出席", "秋田 花子", "あきた はなこ", "018-823-1111", "2",
                        "車いすで参加", "○", ""]
    assert [row[1] for row in table[1:]] == ["出席", "受付済", "キャンセル待ち1番", "キャンセル"]
