"""Every print of the catalogue holds for any data (issue 21): rendered with extreme data — an
80-character title on the event, the programme, the plan and the contact, 300 sign-ups with
long names, a party of 4, and an event nobody signed up for — no word of any page lies
outside the page, and no page is without content of its own (more than its footer).

Each word's box comes from `pdftotext -bbox` (poppler), as a reader's tools see the page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import select

from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.events import EventKind, QuestionKind
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.domain.questions import Question
from kyodo_desk.leaflets import catalog, summary_edition
from kyodo_desk.leaflets.style import MARGIN_BOTTOM, MARGIN_X, PAGE_SIZE
from kyodo_desk.models import Contact, DistrictPlan, Event, GrantCase, GrantProgramme
from kyodo_desk.services.events import SessionDraft, checkin, photos, registrations
from kyodo_desk.services.events.lottery import draw_lottery
from tests.event_fixtures import person
from tests.leaflets import _run, flat, page_count
from tests.leaflets.test_event_prints import SIGNED_UP_ON, make_event, render, sign_up
from tests.leaflets.test_staff_and_public_prints import officer, options, world

__all__ = ["officer", "world"]  # fixtures, used by name

LONG_TITLE = ("令和8年度秋田市市民協働推進事業　つむぎすと講座～市民と市職員がともに学び、協働に欠かせない"
              "つながりを育む力を身につける連続講座・第3期生募集・全6回～")[:80]
# A title of long katakana words: a heading that breaks one (ボランティ|ア) is found by
# `words_broken_in`.
KATAKANA_TITLE = ("コミュニティ・ネットワーク・サポートセンター連携プロジェクト　ボランティアコーディネーター"
                  "養成プログラム～ワークショップ・ファシリテーション実践編～")[:80]
KATAKANA_WORD = re.compile(r"[\u30a1-\u30fa\u30fc]{2,}")
# Names as long as a counter meets: a person's full name with a long given name, and groups
# with their legal form written out.
READINGS = ("あおき", "かとう", "がもう", "さいとう", "ざま", "たなか", "だて", "なかむら",
            "はやし", "ばば", "ぱく", "まつもと", "やまだ", "らいもん", "わたなべ", "ヴぃえら")
PEOPLE = 300


@dataclass(frozen=True)
class Word:
    page: int
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


def words_of(pdf: bytes, tmp_path: Path) -> tuple[list[tuple[float, float]], list[Word]]:
    """Each page's size and each word's box, in points from the page's top left."""
    html = _run("pdftotext", pdf, tmp_path, "-bbox", "-enc", "UTF-8")
    pages: list[tuple[float, float]] = []
    found: list[Word] = []
    for match in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">|<word xMin="([-\d.]+)" '
                             r'yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">([^<]*)</word>',
                             html):
        if match.group(1):
            pages.append((float(match.group(1)), float(match.group(2))))
        else:
            x0, y0, x1, y1 = (float(match.group(n)) for n in range(3, 7))
            found.append(Word(len(pages), unescape(match.group(7)), x0, y0, x1, y1))
    return pages, found


def problems_of(name: str, pdf: bytes, tmp_path: Path) -> list[str]:
    """What a reader would find wrong: a word past a page's edge, a page with nothing but
    its footer (or nothing at all)."""
    pages, words = words_of(pdf, tmp_path)
    width, height = PAGE_SIZE
    found = [f"{name}: 「{w.text}」 p.{w.page} ({w.x0:.1f}, {w.y0:.1f})–({w.x1:.1f}, "
             f"{w.y1:.1f}) lies outside the page"
             for w in words if w.x0 < 0 or w.y0 < 0 or w.x1 > width + 0.01
             or w.y1 > height + 0.01]
    body_bottom = height - MARGIN_BOTTOM  # under it, only the footer
    for number in range(1, len(pages) + 1):
        if not any(w.page == number and w.y1 <= body_bottom for w in words):
            found.append(f"{name}: p.{number} has no content")
    if not pages:
        found.append(f"{name}: no page")
    return found


def words_broken_in(text: str, heading: str) -> list[str]:
    """The katakana words of *heading* that no line of the print holds whole: a heading
    broken inside a word (a line ending in a katakana run continued on the next line)."""
    lines = [flat(line) for line in text.splitlines()]
    whole = flat(text)  # a print that does not show the heading breaks nothing of it
    return [word for word in KATAKANA_WORD.findall(heading)
            if word in whole and not any(word in line for line in lines)]


def long_name(n: int) -> tuple[str, str, bool]:
    """The n-th sign-up: a long name, its よみ (every 25th without one), whether a group."""
    reading = READINGS[n % len(READINGS)]
    spoken = "" if n % 25 == 7 else f"{reading} {'さえもんたろうべえのすけ' if n % 3 else 'かつどうのかい'}"
    if n % 3 == 0:
        return (f"特定非営利活動法人{reading}まちづくり市民活動サポートネットワーク第{n:03d}",
                spoken, True)
    return f"長谷川原 左衛門太郎兵衛之助{n:03d}", spoken, False


@pytest.fixture
def extreme(db, actor, officer, facilities, world) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """`world` (something for every print) with its titles and names 80 characters long and
    an event of 300 sign-ups, a party of 4 among them, over three sessions: a lottery (抽選)
    whose seats are enough for every applicant, drawn before the party checks in."""
    event = make_event(db, officer, facilities, title=LONG_TITLE, capacity=460,
                       lottery_until=SIGNED_UP_ON, sessions=(
        SessionDraft(date(2026, 12, 5), time(10), time(12), "第1回 オリエンテーション"),
        SessionDraft(date(2026, 12, 12), time(13, 30), time(15)),
        SessionDraft(date(2026, 12, 19), time(13, 30), time(15), "第3回 発表会")))
    party = sign_up(db, actor, event.id, "長谷川原 左衛門太郎兵衛之助", "はせがわら", party=4,
                    notes="車いすで参加します。" * 8)
    for n in range(PEOPLE - 1):
        name, reading, group = long_name(n)
        sign_up(db, actor, event.id, name, reading, group=group, party=1 + n % 2)
    draw_lottery(db, officer, event.id, today=SIGNED_UP_ON + timedelta(days=1))
    checkin.check_in(db, actor, party.id, event.sessions[0].id)
    with db.writing(Actor.command_line()) as session:
        course = session.get(Event, event.id)
        assert course is not None
        course.completion_sessions = 1  # the party's contact completes: a 修了証 to print
        for programme in session.scalars(select(GrantProgramme)):
            programme.name = LONG_TITLE
        for case in session.scalars(select(GrantCase)):
            case.title = LONG_TITLE
        for plan in session.scalars(select(DistrictPlan)):
            plan.title = LONG_TITLE
        person = session.get(Contact, world["contact"])
        assert person is not None
        person.name = "長谷川原 左衛門太郎兵衛之助" * 5
    return {**world, "event": event.id, "registration": party.id}


def test_every_print_with_extreme_data_keeps_every_word_on_a_page_with_content(
        db, admin, extreme, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    problems: list[str] = []
    rendered: list[str] = []
    for info in catalog(every=True):
        pdf = render(info.name, db, admin, month=date(2026, 11, 1), district="東部",
                     reason="本人からの開示請求", **options(info.needs, extreme))
        problems += problems_of(info.name, pdf, tmp_path)
        rendered.append(info.name)
    assert problems == []
    assert rendered == [info.name for info in catalog(every=True)]


def test_the_event_prints_of_an_event_nobody_signed_up_for_still_have_content(
        db, admin, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, officer, facilities, title=LONG_TITLE)
    problems: list[str] = []
    for info in catalog(every=True):
        if info.needs != "event":
            continue
        if info.name in ("event-badges", "certificates"):
            # Nobody to make one for: said so, not a blank sheet.
            with pytest.raises(UserError, match="ありません"):
                render(info.name, db, admin, event_id=event.id)
            continue
        if info.name.startswith("lottery-result"):
            # Not a lottery, nothing drawn: said so (a drawn empty lottery prints, below).
            with pytest.raises(UserError, match="抽選していません"):
                render(info.name, db, admin, event_id=event.id)
            continue
        problems += problems_of(info.name, render(info.name, db, admin, event_id=event.id),
                                tmp_path)
    assert problems == []


def test_a_long_title_is_cut_in_the_footer_not_run_off_the_page(
        db, admin, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, officer, facilities, title=LONG_TITLE)
    sign_up(db, admin, event.id, "山田 花子", "やまだ はなこ")
    for name in ("event-roster", "event-sign-in", "event-badges"):
        pdf = render(name, db, admin, event_id=event.id)
        _, words = words_of(pdf, tmp_path)
        footer = [w for w in words if w.y0 > PAGE_SIZE[1] - MARGIN_BOTTOM]
        text = flat("".join(w.text for w in footer))
        # Within the right margin, where the page number ends; shrunk, or cut with … on the
        # staff's roster, whose 取扱注意 takes room: the start of the title stays readable.
        assert max(w.x1 for w in footer) <= PAGE_SIZE[0] - MARGIN_X + 0.5, name
        assert flat(LONG_TITLE)[:20] in text, name
        assert flat(LONG_TITLE) in text or "…" in text, name



@pytest.mark.parametrize("applicants", [PEOPLE, 0])
def test_a_lottery_result_of_300_applicants_or_none_keeps_every_word_on_a_page_with_content(
        db, admin, actor, officer, facilities, tmp_path: Path,
        applicants: int) -> None:  # type: ignore[no-untyped-def]
    """Both editions, with a long waitlist (300 applicants for 100 seats) and with none."""
    event = make_event(db, officer, facilities, title=LONG_TITLE, capacity=100,
                       lottery_until=SIGNED_UP_ON)
    for n in range(applicants):
        name, reading, group = long_name(n)
        sign_up(db, actor, event.id, name, reading, group=group, party=1 + n % 3)
    draw_lottery(db, officer, event.id, today=SIGNED_UP_ON + timedelta(days=1))
    problems: list[str] = []
    for name in ("lottery-result", "lottery-result-staff"):
        problems += problems_of(name, render(name, db, admin, event_id=event.id), tmp_path)
    assert problems == []


def test_a_roster_of_10_questions_with_long_answers_keeps_every_word_on_a_page(
        db, admin, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """申込時の質問: ten questions with long wording, every answer as long as it may be, for
    seat holders and the waitlist alike."""
    kinds = [QuestionKind.TEXT] * 6 + [QuestionKind.CHOICE] * 2 + [QuestionKind.YES_NO] * 2
    choices = ("午前の部（10:00～12:00、会場は市民交流サロン第1会議室）" * 2, "午後の部")
    event = make_event(db, officer, facilities, title=LONG_TITLE, capacity=40, questions=tuple(
        Question(f"質問{n}　当日の参加にあたって配慮が必要なことや、講座で学びたいことを教えてください",
                 kind, choices if kind is QuestionKind.CHOICE else (), required=True)
        for n, kind in enumerate(kinds, start=1)))
    long_answer = "アレルギーがあり、昼食は持参します。" * 111  # 2,000 characters at most
    answers = tuple((q.id, {QuestionKind.TEXT: long_answer[:2000], QuestionKind.CHOICE: choices[0],
                            QuestionKind.YES_NO: "yes"}[q.kind]) for q in event.questions)
    for n in range(50):  # 40 seats, then 10 on the waitlist
        name, reading, _group = long_name(n)
        registrations.sign_up(db, actor, event.id, registrations.SignUpDraft(
            person(db, name, reading=reading), answers=answers), today=SIGNED_UP_ON,
            allow_similar=True)
    pdf = render("event-roster", db, admin, event_id=event.id)
    assert problems_of("event-roster", pdf, tmp_path) == []


def long_questions(count: int) -> tuple[Question, ...]:
    """*count* sign-up questions worded at length, of every kind, every other one required;
    the choices long too (the flyer's 申込書 prints them all)."""
    kinds = (QuestionKind.TEXT, QuestionKind.CHOICE, QuestionKind.YES_NO)
    choices = ("午前の部（10:00～12:00、会場は市民交流サロン第1会議室）",
               "午後の部（13:30～15:30、会場は中央市民サービスセンター）", "どちらでもよい")
    return tuple(Question(f"質問{n}　当日の参加にあたって配慮が必要なことや、講座で学びたい"
                          "ことをできるだけ具体的に教えてください",
                          kinds[n % 3], choices if kinds[n % 3] is QuestionKind.CHOICE else (),
                          required=n % 2 == 0) for n in range(1, count + 1))


def test_a_flyer_of_20_long_questions_moves_its_slip_behind_never_refused(
        db, actor, officer, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """申込書 asking twenty long questions, under a long title with the edition's ※ note and
    a photo: nothing left out, the slip on pages of its own after the front."""
    from tests.leaflets.test_flyer import jpeg  # test_flyer imports this module

    event = make_event(db, officer, facilities, title=LONG_TITLE, kind=EventKind.MEETING,
                       questions=long_questions(20))
    photos.set_event_photo(db, officer, event.id, jpeg())
    pdf = render("event-flyer", db, actor, event_id=event.id)
    assert problems_of("event-flyer", pdf, tmp_path) == []
    assert page_count(pdf, tmp_path) >= 2
    assert b"/Subtype /Image" in pdf
    text = flat(flat_lines(pdf, tmp_path))
    assert "※「市民協働ミーティング」" in text and "質問20" in text
    assert text.count("※必須") == 10


def test_no_print_breaks_a_katakana_word_of_a_long_title_over_lines(
        db, admin, officer, world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Headings (title bands, section heads, table heads) are never broken inside a word:
    with every title made of long katakana words, each word stays whole on a line; nor is
    the term of the flyer's 用語解説 (市民協働ミーティング), in the narrow box beside a photo."""
    from tests.leaflets.test_flyer import jpeg  # test_flyer imports this module

    photos.set_event_photo(db, officer, world["event"], jpeg())
    with db.writing(Actor.command_line()) as session:
        for event in session.scalars(select(Event)):
            event.title = KATAKANA_TITLE
            event.kind = EventKind.MEETING  # the edition's ※ note on 市民協働ミーティング
        for programme in session.scalars(select(GrantProgramme)):
            programme.name = KATAKANA_TITLE
        for plan in session.scalars(select(DistrictPlan)):
            plan.title = KATAKANA_TITLE
    broken: dict[str, list[str]] = {}
    for info in catalog(every=True):
        if info.name in TITLE_IN_BODY_TEXT:
            continue
        try:
            pdf = render(info.name, db, admin, month=date(2026, 11, 1), district="東部",
                         reason="本人からの開示請求", **options(info.needs, world))
        except UserError:
            continue  # nothing to print for this world (a draw not made): no heading to check
        text = flat_lines(pdf, tmp_path)
        found = [word for heading in (KATAKANA_TITLE, *NOTE_TERMS)
                 for word in words_broken_in(text, heading)]
        if found:
            broken[info.name] = found
    assert broken == {}


# Prints that show the title only in running text or a list's cell, where Japanese breaks
# anywhere (not a heading).
TITLE_IN_BODY_TEXT = frozenset({"contact-record", "contact-disclosure"})
# The terms of the edition's ※ notes, as a flyer's 用語解説 names them.
NOTE_TERMS = tuple(summary_edition.EVENT_NOTE_TERMS.values())


def flat_lines(pdf: bytes, tmp_path: Path) -> str:
    return _run("pdftotext", pdf, tmp_path, "-enc", "UTF-8")
