"""The event prints (issue 6) as a person gets them, read back from the PDF on SQLite and
PostgreSQL: the flyer's dates in the era, the receipt's QR code, the roster's order, one badge
per person expected, long content that still fits, and the command line."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from kyodo_desk import cli, leaflets
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.events import EventKind, parse_ticket_code
from kyodo_desk.models import ContactKind, GroupType
from kyodo_desk.services import contacts, events
from kyodo_desk.services.events import EventDraft, SessionDraft, checkin, registrations
from tests.leaflets import _run, assert_fonts_embedded, flat, kinsoku_offences, page_count, text_of

TODAY = date(2026, 11, 24)
SIGNED_UP_ON = date(2026, 11, 10)
EVENT_PRINTS = ["event-flyer", "event-receipt", "event-roster", "event-sign-in", "event-badges"]
TITLE = "市民活動はじめて講座"
FIRST = "令和8年12月5日（土）10:00～12:00"
SECOND = "令和8年12月12日（土）13:30～15:00"
LABEL = "第2回実践編"  # flat: the space inside the label goes


@pytest.fixture
def officer(accounts_by_login: dict[str, Any]) -> Any:
    """Events are made by the collaboration officer; the counter staff (actor) signs up."""
    return accounts_by_login["officer"]


def draft(facilities: dict[str, int], **changes: Any) -> EventDraft:
    made = EventDraft(
        kind=EventKind.SEMINAR, title=TITLE, facility_id=facilities["central"],
        sessions=(SessionDraft(date(2026, 12, 5), time(10), time(12)),
                  SessionDraft(date(2026, 12, 12), time(13, 30), time(15), "第2回 実践編")),
        description="団体の立ち上げや運営の基本を、市民交流サロンのアドバイザーと一緒に学びます。",
        venue_facility_id=facilities["salon"], capacity=4,
        signup_opens_on=date(2026, 11, 1), signup_closes_on=date(2026, 11, 30),
        audience="市民活動を始めたい方", fee=500, fee_note="資料代",
        how_to_apply="電話または窓口でお申し込みください。", contact_name="市民協働担当",
    )
    return replace(made, **changes)


def make_event(db: Any, officer: Any, facilities: dict[str, int], **changes: Any) -> Any:
    return events.create_event(db, officer, draft(facilities, **changes))


def sign_up(db: Any, actor: Any, event_id: int, name: str, reading: str = "",
            party: int = 1, notes: str = "", group: bool = False) -> Any:
    kind = ContactKind.GROUP if group else ContactKind.PERSON
    contact = contacts.create_contact(db, actor, contacts.ContactDraft(
        kind=kind, group_type=GroupType.NPO if group else None, name=name, reading=reading))
    return registrations.sign_up(db, actor, event_id,
                                 registrations.SignUpDraft(contact.id, party, notes),
                                 today=SIGNED_UP_ON, allow_similar=True).registration


def render(name: str, db: Any, actor: Any, **ids: Any) -> bytes:
    return leaflets.render(name, db, actor, today=TODAY, **ids)


def pages_of(pdf: bytes, tmp_path: Path) -> list[str]:
    """The text of each page (pdftotext ends every page with a form feed)."""
    return text_of(pdf, tmp_path).split("\f")[:-1]


# --- the flyer ----------------------------------------------------------------------------

def test_flyer_has_the_title_dates_in_the_era_venue_fee_and_contact(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, officer, facilities)
    pdf = render("event-flyer", db, actor, event_id=event.id)
    assert page_count(pdf, tmp_path) == 1
    assert_fonts_embedded(pdf, tmp_path)
    text = text_of(pdf, tmp_path)
    assert kinsoku_offences(text) == []
    found = flat(text)
    for expected in (TITLE, FIRST, SECOND + LABEL, "秋田市市民交流サロン", "秋田市東通仲町4番1号",
                     "500円（資料代）", "4名（先着順）", "市民活動を始めたい方",
                     "令和8年11月1日（日）～令和8年11月30日（月）", "電話または窓口でお申し込みください。",
                     "団体の立ち上げや運営の基本を", "中央市民サービスセンター", "018-888-5640",
                     "市民協働担当", "秋田市市民生活部"):
        assert expected in found, expected
    assert "2026" not in text  # every date in the era


def test_flyer_leaves_out_what_the_event_does_not_set(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, officer, facilities, fee=0, fee_note="", capacity=None, audience="",
                       signup_opens_on=None, signup_closes_on=None,
                       sessions=(SessionDraft(date(2026, 12, 5)),))
    found = flat(text_of(render("event-flyer", db, actor, event_id=event.id), tmp_path))
    assert "無料" in found and "定員は設けていません" in found
    assert "令和8年12月5日（土）" in found
    for absent in ("対象", "申込期間", "キャンセル待ち", "～"):
        assert absent not in found


def test_a_60_character_title_and_800_character_description_fit_one_page(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    title = ("令和8年度秋田市市民協働推進事業つむぎすと講座市民と市職員がともに学び協働に欠かせない"
             "つながりを育む力を身につける連続講座")[:60]
    description = ("市と市民活動団体等を結ぶ人材を養成する講座です。市民と市職員がともに学び、"
                   "協働に欠かせない「つながり」を育む力を身につけます。") * 20
    description = description[:800]
    assert (len(title), len(description)) == (60, 800)
    sessions = tuple(SessionDraft(date(2027, 1, 9) + timedelta(weeks=n), time(13, 30),
                                  time(16), f"第{n + 1}回") for n in range(5))
    event = make_event(db, officer, facilities, title=title, description=description,
                       sessions=sessions, signup_closes_on=date(2027, 1, 8),
                       how_to_apply="電話、E-mail、または窓口でお申し込みください。" * 3)
    pdf = render("event-flyer", db, actor, event_id=event.id)
    assert page_count(pdf, tmp_path) == 1
    assert_fonts_embedded(pdf, tmp_path)
    found = flat(text_of(pdf, tmp_path))
    assert title in found
    assert flat(description) in found


def test_content_that_cannot_fit_one_page_runs_on_instead_of_being_refused(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.leaflets.test_extreme_prints import problems_of  # it imports this module

    sessions = tuple(SessionDraft(date(2027, 1, 1 + n), time(10), time(12), f"第{n + 1}回")
                     for n in range(30))
    # Thirty sessions take a few lines (their days, not a line each): the text overflows.
    event = make_event(db, officer, facilities, sessions=sessions, signup_closes_on=None,
                       description="講座の内容です。" * 400)
    pdf = render("event-flyer", db, actor, event_id=event.id)
    assert page_count(pdf, tmp_path) > 1 and problems_of("event-flyer", pdf, tmp_path) == []
    assert "申込書" in pages_of(pdf, tmp_path)[-1]


# --- the receipt --------------------------------------------------------------------------

def test_receipt_shows_the_number_name_party_and_status(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, officer, facilities)
    sign_up(db, actor, event.id, "山田 花子", "やまだ はなこ")
    reg = sign_up(db, actor, event.id, "佐藤 一郎", "さとう いちろう", party=2)
    pdf = render("event-receipt", db, actor, registration_id=reg.id)
    assert page_count(pdf, tmp_path) == 1
    assert_fonts_embedded(pdf, tmp_path)
    found = flat(text_of(pdf, tmp_path))
    for expected in ("受付票", "受付番号", "佐藤一郎様", "さとういちろう", "2名", "受付済", TITLE,
                     FIRST, "秋田市市民交流サロン", "500円（資料代）"):
        assert expected in found, expected
    assert reg.queue_number == 2
    assert "受付番号2" in found


def test_receipt_qr_code_reads_back_as_the_ticket(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is missing")
    event = make_event(db, officer, facilities)
    reg = sign_up(db, actor, event.id, "山田 花子", "やまだ はなこ")
    pdf = tmp_path / "receipt.pdf"
    pdf.write_bytes(render("event-receipt", db, actor, registration_id=reg.id))
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(pdf), str(tmp_path / "page")],
                   check=True)
    with Image.open(tmp_path / "page-1.png") as page:
        codes = [(c.text, c.format.name) for c in zxingcpp.read_barcodes(page.convert("L"))]
    assert codes == [(reg.ticket.text(), "QRCode")]
    assert parse_ticket_code(codes[0][0]) == reg.ticket  # what the door's scanner accepts


def test_a_waitlisted_receipt_says_so_and_a_cancelled_one_is_refused(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, officer, facilities, capacity=1)
    first = sign_up(db, actor, event.id, "山田 花子")
    waiting = sign_up(db, actor, event.id, "佐藤 一郎")
    found = flat(text_of(render("event-receipt", db, actor, registration_id=waiting.id),
                         tmp_path))
    assert "キャンセル待ち1番" in found and "席が確定するまで" in found
    registrations.cancel_registration(db, actor, first.id)
    with pytest.raises(UserError, match="キャンセル"):
        render("event-receipt", db, actor, registration_id=first.id)


def test_receipt_of_another_event_is_refused(
        db, actor, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, officer, facilities)
    other = make_event(db, officer, facilities, title="別の講座")
    reg = sign_up(db, actor, event.id, "山田 花子")
    with pytest.raises(UserError, match="指定したイベントの申込ではありません"):
        render("event-receipt", db, actor, event_id=other.id, registration_id=reg.id)


# --- the roster and the sign-in sheet ------------------------------------------------------

def test_roster_lists_the_confirmed_by_reading_then_the_waitlist_in_its_order(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, officer, facilities, capacity=4)
    sign_up(db, actor, event.id, "山田 花子", "やまだ はなこ", notes="車いすで参加します")
    sign_up(db, actor, event.id, "佐藤 一郎", "さとう いちろう", party=2)
    sign_up(db, actor, event.id, "鈴木 健", "すずき けん", party=2)  # no seats left: waits
    sign_up(db, actor, event.id, "髙橋 美咲", "たかはし みさき")  # 受付順: waits behind 鈴木
    sign_up(db, actor, event.id, "伊藤 さくら", "いとう さくら")
    listed = registrations.list_registrations(db, actor, event.id)
    registrations.cancel_registration(db, actor, listed[-1].id)
    pdf = render("event-roster", db, actor, event_id=event.id)
    assert_fonts_embedded(pdf, tmp_path)
    found = "".join(layout_of(pdf, tmp_path))
    # Seat holders by よみ (さとう before やまだ); the waitlist in the order seats are offered.
    order = ["さ行", "佐藤一郎", "や行", "山田花子", "キャンセル待ち（2組3名）", "鈴木健", "髙橋美咲"]
    positions = [found.find(name) for name in order]
    assert -1 not in positions and positions == sorted(positions), positions
    assert "伊藤さくら" not in found  # cancelled
    assert "参加者（2組3名）" in found and "参加者2組3名（定員4名）" in found
    for expected in ("やまだはなこ", "車いすで参加します", "受付番号", "配慮事項"):
        assert expected in found
    assert "ブース" not in found


def test_roster_of_a_fair_shows_the_booths_and_runs_over_pages_with_its_header(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, officer, facilities, kind=EventKind.FESTA, capacity=None,
                       has_booths=True)
    for n in range(45):
        sign_up(db, actor, event.id, f"市民活動団体{n + 1:02d}", "しみんかつどうだんたい",
                group=True)
    registrations.allocate_booths(db, actor, event.id)
    pages = pages_of(render("event-roster", db, actor, event_id=event.id), tmp_path)
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert "氏名・団体名" in page and "ブース" in page  # the header row on every page
        assert page.rstrip().endswith(str(number))  # the page number in the footer
    found = flat("".join(pages))
    assert found.index("市民活動団体01") < found.index("市民活動団体45")


def test_sign_in_sheet_has_a_page_per_session_with_empty_signature_columns(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, officer, facilities, capacity=2)
    sign_up(db, actor, event.id, "山田 花子", "やまだ はなこ")
    attended = sign_up(db, actor, event.id, "佐藤 一郎", "さとう いちろう")
    sign_up(db, actor, event.id, "鈴木 健", "すずき けん")  # waitlisted: not at the door
    checkin.check_in(db, actor, attended.id, event.sessions[0].id)
    pdf = render("event-sign-in", db, actor, event_id=event.id)
    assert_fonts_embedded(pdf, tmp_path)
    pages = [flat(page) for page in pages_of(pdf, tmp_path)]
    assert len(pages) == 2
    for page, day in zip(pages, (FIRST, SECOND), strict=True):
        assert day in page
        assert (LABEL in page) == (day == SECOND)
        assert "署名" in page and "出席" in page and "当日" in page
        # The door's paper says 出席: 受付 is the accepting of a sign-up, before the day.
        assert "出席簿" in page and "受付簿" not in page and "予定2組2名" in page
        assert page.index("さ行") < page.index("佐藤一郎") < page.index("や行") \
            < page.index("山田花子")  # by よみ, as the door searches
        assert "鈴木健" not in page


# By よみ, then the name: katakana and hiragana alike, が beside か (a dictionary's order), the
# names without a よみ last under よみなし.
BY_READING = [("青木 二郎", "あおき じろう"), ("加藤 四郎", "かとう しろう"),
              ("蒲生 三郎", "ガモウ サブロウ"), ("馬場 五郎", "ばば ごろう"),
              ("林 六郎", "はやし ろくろう"), ("渡辺 一郎", "わたなべ いちろう"),
              ("読未詳", "")]
GUIDED = ["あ行", "青木二郎", "か行", "加藤四郎", "蒲生三郎", "は行", "馬場五郎", "林六郎", "わ行",
          "渡辺一郎", "よみなし", "読未詳"]


def in_order(found: str, expected: list[str]) -> bool:
    positions = [found.find(flat(text)) for text in expected]
    return -1 not in positions and positions == sorted(positions)


def layout_of(pdf: bytes, tmp_path: Path) -> list[str]:
    """Each page's text line by line as laid out (a guide row spans the table: pdftotext's
    reading order would take it apart from the rows under it), flat."""
    return [flat(page) for page in
            _run("pdftotext", pdf, tmp_path, "-layout", "-enc", "UTF-8").split("\f")[:-1]]


def test_roster_and_sign_in_sheet_are_in_reading_order_under_kana_row_guides(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, officer, facilities, capacity=None)
    for name, reading in reversed(BY_READING):  # signed up in the opposite order
        sign_up(db, actor, event.id, name, reading)
    roster = "".join(layout_of(render("event-roster", db, actor, event_id=event.id), tmp_path))
    assert in_order(roster, GUIDED), roster
    for guide in ("さ行", "た行", "な行", "ま行", "や行", "ら行"):  # no one under them: no guide
        assert guide not in roster
    for page in layout_of(render("event-sign-in", db, actor, event_id=event.id), tmp_path):
        assert in_order(page, GUIDED), page


def test_sign_in_pages_are_counted_per_session_and_name_the_session_when_they_go_on(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    days = (date(2026, 12, 5), date(2026, 12, 12), date(2026, 12, 19))
    event = make_event(db, officer, facilities, capacity=None, sessions=tuple(
        SessionDraft(day, time(10), time(12), f"第{n}回 講座") for n, day in enumerate(days, 1)))
    readings = ("あさの", "いしい", "かわの", "さとう", "たなか", "なかの", "はまだ", "まえだ")
    for n in range(44):
        sign_up(db, actor, event.id, f"参加者{n:02d}", readings[n % 8])
    pages = layout_of(render("event-sign-in", db, actor, event_id=event.id), tmp_path)
    per_session = len(pages) // 3
    assert per_session >= 2 and len(pages) == 3 * per_session
    for n, day in enumerate(days, start=1):
        block = pages[(n - 1) * per_session:n * per_session]
        for i, page in enumerate(block, start=1):
            assert page.endswith(f"第{n}回{i}/{per_session}"), page[-40:]
            # Each page after the first says which session it goes on with, at its head.
            assert ("（つづき）" in page) == (i > 1)
            assert f"2026年{day.month}月{day.day}日" not in page  # in the era
            assert f"令和8年12月{day.day}日" in page
        # The rows for those who come on the day follow the last name, on its page.
        last = block[-1]
        assert last.count("当日") == 5 and "参加者" in last.split("当日")[0]
        assert not any("当日" in page for page in block[:-1])
    assert sum(page.count("参加者") for page in pages) == 3 * 44


# --- the badges ---------------------------------------------------------------------------

def test_badge_sheet_has_one_badge_per_confirmed_or_attended_sign_up(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, officer, facilities, capacity=11)
    long_name = "特定非営利活動法人あきた市民活動サポートネットワーク・ひろがる未来"
    names = [f"参加者{n:02d}" for n in range(10)]
    regs = [sign_up(db, actor, event.id, name, "さんかしゃ") for name in names]
    sign_up(db, actor, event.id, long_name, "とくていひえいりかつどうほうじん", group=True)
    waiting = sign_up(db, actor, event.id, "待機 太郎", "たいき たろう")
    checkin.check_in(db, actor, regs[0].id, event.sessions[0].id)  # 出席 keeps a badge
    registrations.cancel_registration(db, actor, regs[1].id)  # frees a seat: 待機 moves up
    assert registrations.get_registration(db, actor, waiting.id).status.value == "confirmed"
    pdf = render("event-badges", db, actor, event_id=event.id)
    assert_fonts_embedded(pdf, tmp_path)
    assert page_count(pdf, tmp_path) == 2  # 11 badges, ten to a sheet
    found = flat(text_of(pdf, tmp_path))
    expected = [names[0], *names[2:], long_name, "待機太郎"]
    for name in expected:
        assert found.count(name) == 1, name
    assert names[1] not in found
    assert found.count("たいきたろう") == 1
    # every badge carries the event's title in its stripe; the footer once per sheet
    assert found.count(TITLE) == len(expected) + 2


def test_a_party_gets_a_badge_for_each_person(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, officer, facilities, capacity=8)
    sign_up(db, actor, event.id, "山田 花子", "やまだ はなこ", party=3)
    attended = sign_up(db, actor, event.id, "佐藤 一郎", "さとう いちろう")
    sign_up(db, actor, event.id, "あきた環境クラブ", "あきたかんきょうくらぶ", party=2, group=True)
    cancelled = sign_up(db, actor, event.id, "伊藤 さくら", "いとう さくら", party=2)
    sign_up(db, actor, event.id, "鈴木 健", "すずき けん", party=3)  # 8 seats taken: waits
    checkin.check_in(db, actor, attended.id, event.sessions[0].id)
    registrations.cancel_registration(db, actor, cancelled.id)
    listed = registrations.list_registrations(db, actor, event.id)
    expected = sum(r.party_size for r in listed if r.status.value in ("confirmed", "attended"))
    assert expected == 3 + 1 + 2  # 伊藤 cancelled, 鈴木's party of 3 does not fit the 2 left
    pdf = render("event-badges", db, actor, event_id=event.id)
    found = flat(text_of(pdf, tmp_path))
    sheets = page_count(pdf, tmp_path)
    assert found.count(TITLE) - sheets == expected  # a stripe per badge, a footer per sheet
    # 山田's companions bear her name, marked; the club's two both come as the club.
    assert found.count("山田花子") == 3 and found.count("（同行者）") == 2
    assert found.count("あきた環境クラブ") == 2
    assert "伊藤さくら" not in found and "鈴木健" not in found
    # In reading order, as the door lists: あきた, さとう, やまだ.
    assert found.index("あきた環境クラブ") < found.index("佐藤一郎") < found.index("山田花子")


def test_badges_without_anyone_expected_is_a_user_error(
        db, actor, officer, facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, officer, facilities)
    with pytest.raises(UserError, match="名札を作る申込がありません"):
        render("event-badges", db, actor, event_id=event.id)


# --- the catalogue and the command line ----------------------------------------------------

def test_event_prints_are_catalogued_apart_from_the_leaflets() -> None:
    every = [info.name for info in leaflets.catalog(every=True)]
    assert [name for name in every if name.startswith("event-")] == EVENT_PRINTS
    assert every.index("event-flyer") > max(every.index(i.name) for i in leaflets.catalog())
    assert not set(EVENT_PRINTS) & {info.name for info in leaflets.catalog()}
    assert {info.needs for info in leaflets.catalog(every=True)
            if info.name in EVENT_PRINTS} == {"event", "registration"}


@pytest.mark.parametrize("name", EVENT_PRINTS)
def test_an_event_print_without_its_id_is_a_japanese_user_error(name: str) -> None:
    with pytest.raises(UserError) as caught:
        leaflets.render(name, None, None)  # type: ignore[arg-type]
    option = "--registration" if name == "event-receipt" else "--event"
    assert "指定してください" in caught.value.message and option in caught.value.message


def test_the_command_line_writes_the_flyer(
        db, database_url: str, officer, facilities, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, officer, facilities)
    target = tmp_path / "flyer.pdf"
    assert cli.main(["--database", database_url, "leaflet", "event-flyer", "--event",
                     str(event.id), "-o", str(target)]) == 0
    assert "event-flyer" in capsys.readouterr().out
    found = flat(text_of(target.read_bytes(), tmp_path))
    assert TITLE in found and FIRST in found

    missing = tmp_path / "missing.pdf"
    assert cli.main(["--database", database_url, "leaflet", "event-flyer", "-o",
                     str(missing)]) == 2
    assert "--event" in capsys.readouterr().err and not missing.exists()

    assert cli.main(["leaflet", "--list"]) == 0
    listed = capsys.readouterr().out
    assert all(f"{name}\t" in listed for name in EVENT_PRINTS)
