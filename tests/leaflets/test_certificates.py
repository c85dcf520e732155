"""修了証 and the sector on the roster (issue 20, items 5 and 6), read back from the PDF on
SQLite and PostgreSQL: one page per graduate with the name, the course, the 期生, the
sessions, the date in the era and the issuer; nothing of the staff's mark on a paper handed
to the person; the roster's 区分 column and mix; the sign-ups' workbook column."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kyodo_desk import leaflets
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.events import EventKind
from kyodo_desk.domain.plans import Sector
from kyodo_desk.exports.participants import export_participants
from kyodo_desk.leaflets.style import STAFF_ONLY
from kyodo_desk.services.contacts.erasure import erase_contact
from tests.leaflets import assert_fonts_embedded, flat, page_count, text_of
from tests.leaflets.test_event_prints import render
from tests.services.test_course_completion import CLI, add_course, attend, group, person

ISSUED = date(2026, 11, 24)
TITLE = "つむぎすと養成講座 ～地域と人をつむぐ～"


@pytest.fixture
def course(db, facilities) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    event = add_course(db, facilities["central"], start=date.today() - timedelta(weeks=6),
                       sessions=6, required=5, cohort=3, title=TITLE)
    ids = {"yamada": person(db, "山田 花子", "やまだ はなこ"),
           "sato": person(db, "佐藤 次郎", "さとう じろう"),
           "short": person(db, "鈴木 三郎", "すずき さぶろう"),
           "party": group(db, "土崎みなと会")}
    attend(db, event, ids["yamada"], 6)
    attend(db, event, ids["sato"], 5, sector=Sector.GOVERNMENT)
    attend(db, event, ids["short"], 4)  # one short of the rule
    attend(db, event, ids["party"], 5, party=3)
    return {"event": event, **ids}


def certificate_pdf(db: Any, event_id: int) -> bytes:
    return leaflets.render("certificates", db, CLI, event_id=event_id, today=ISSUED)


def test_one_certificate_page_per_graduate_with_name_course_and_date(
        db, course, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pdf = certificate_pdf(db, course["event"].id)
    assert page_count(pdf, tmp_path) == 3  # the one short of the rule gets none
    assert_fonts_embedded(pdf, tmp_path)
    pages = [flat(p) for p in text_of(pdf, tmp_path).split("\f")[:-1]]
    assert len(pages) == 3
    names = ["佐藤次郎様", "山田花子様", "土崎みなと会様"]  # よみ order, a group by its name
    for page, name in zip(pages, names, strict=True):
        assert "修了証" in page
        assert name in page
        assert "第3期生" in page
        assert flat(f"「{TITLE}」") in page
        assert "令和8年11月24日" in page  # the date of issue in the era
        assert "秋田市市民生活部中央市民サービスセンター" in page
        assert "第1回" in page and "第6回" in page
        assert STAFF_ONLY not in page  # handed to the person, as the receipt is
    assert "全6回のうち5回に出席" in pages[0]
    assert "全6回のうち6回に出席" in pages[1]
    assert "鈴木" not in "".join(pages)


def test_an_erased_graduate_gets_no_certificate(db, course, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    erase_contact(db, CLI, course["sato"], reason="本人からの削除の請求")
    pdf = certificate_pdf(db, course["event"].id)
    assert page_count(pdf, tmp_path) == 2


def test_a_long_course_still_keeps_each_certificate_to_its_page(
        db, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    long_title = "市民協働コーディネーター「つむぎすと」養成講座" * 4
    event = add_course(db, facilities["central"], start=date(2026, 4, 4), sessions=20,
                       required=15, cohort=12, title=long_title)
    attend(db, event, person(db, "長い名前の方" * 4), 16)
    attend(db, event, person(db, "秋田 一郎"), 20)
    pdf = certificate_pdf(db, event.id)
    assert page_count(pdf, tmp_path) == 2
    text = flat(text_of(pdf, tmp_path))
    assert "令和8年4月4日～令和8年8月15日（全20回）" in text


def test_the_command_line_writes_the_file(db, course, tmp_path: Path,
                                          capsys) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.cli import main

    out = tmp_path / "修了証.pdf"
    assert main(["leaflet", "certificates", "--event", str(course["event"].id), "-o", str(out),
                 "--database", db.url.render_as_string(hide_password=False)]) == 0
    assert page_count(out.read_bytes(), tmp_path) == 3
    assert str(out) in capsys.readouterr().out


def test_a_course_without_graduates_is_refused_in_words(db, facilities) -> None:  # type: ignore[no-untyped-def]
    event = add_course(db, facilities["central"], start=date.today(), sessions=2, required=None,
                       cohort=None)
    with pytest.raises(UserError, match="修了の条件"):
        certificate_pdf(db, event.id)


# --- 所属の区分 on the roster and in the workbook ------------------------------------------

@pytest.fixture
def meeting(db, facilities) -> Any:  # type: ignore[no-untyped-def]
    event = add_course(db, facilities["central"], start=date.today() + timedelta(days=5),
                       sessions=1, required=None, cohort=None, title="市民協働ミーティング",
                       kind=EventKind.MEETING)
    for name, sector, party in (("秋田 一郎", Sector.CITIZEN, 1), ("株式会社ABC", Sector.COMPANY, 2),
                                ("湯沢 四郎", Sector.GOVERNMENT, 1), ("能代 二葉", "", 1)):
        attend(db, event, person(db, name), 0, party=party, sector=sector)
    return event


def test_the_roster_shows_each_sector_and_the_mix(db, actor, meeting, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = flat(text_of(render("event-roster", db, actor, event_id=meeting.id), tmp_path))
    assert "所属の区分市民1名・企業2名・行政1名・未回答1名" in text
    assert "区分" in text
    assert "秋田一郎" in text and "市民" in text and "企業" in text


def test_a_roster_without_sectors_has_no_sector_column(db, actor, facilities,
                                                      tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    event = add_course(db, facilities["central"], start=date.today() + timedelta(days=5),
                       sessions=1, required=None, cohort=None, title="入門セミナー",
                       kind=EventKind.SEMINAR)
    attend(db, event, person(db, "秋田 一郎"), 0)
    text = flat(text_of(render("event-roster", db, actor, event_id=event.id), tmp_path))
    assert "区分" not in text


def test_the_sign_ups_workbook_has_the_sector_column(db, actor, meeting, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "参加者一覧.xlsx"
    export_participants(db, actor, meeting.id, "xlsx", path)
    sheet = openpyxl.load_workbook(path).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header_at = next(i for i, row in enumerate(rows) if row[0] == "受付番号")
    header = rows[header_at]
    column = header.index("所属の区分")
    assert column == header.index("配慮事項") + 1
    assert [row[column] or "" for row in rows[header_at + 1:]] == ["市民", "企業", "行政", ""]
