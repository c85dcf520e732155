"""Made-up events with sign-ups (架空のイベント), so the イベント tab can be tried at once.

The events are the seed's own (the guideline's つむぎすと講座, 市民協働ミーティング,
市民活動フェスタ with booths, 市民サービスセンターまつり, a seminar, a まちづくり計画 workshop),
dated around *today*, and a parent-and-child cooking class decided by lottery (抽選), its
applications answering two sign-up questions, already drawn; sign-ups come from the made-up
contacts, through the same services a counter uses, so seats, waitlists, booths and the draw
are as real as any.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select

from kyodo_desk.database import Database
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain.events import EventKind, QuestionKind, QueueRule
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.domain.questions import NO, YES, Question
from kyodo_desk.models import Contact, ContactKind, Facility
from kyodo_desk.services.demo import DEMO_NOTE, add_demo_contacts
from kyodo_desk.services.events import EventDraft, SessionDraft, create_event
from kyodo_desk.services.events.lottery import draw_lottery
from kyodo_desk.services.events.registrations import SignUpDraft, add_sign_up

# (kind, title, facility code, days from today per session, start, end, capacity, sign-ups)
_EVENTS = (
    (EventKind.TSUMUGIST, "つむぎすと講座", "salon", (14, 28, 42), time(13, 30), time(16), 20, 23,
     "市と市民活動団体等を結ぶ人材を養成する講座です。市民と市職員がともに学び、協働に欠かせない"
     "「つながり」を育む力を身につけます。全3回。"),
    (EventKind.MEETING, "市民協働ミーティング", "salon", (21,), time(18, 30), time(20, 30), 40, 12,
     "市、市民、市民活動団体、地域活動団体、社会貢献活動を行う企業等の多様な主体が集い、"
     "関係をつむぐ場です。"),
    (EventKind.FESTA, "市民活動フェスタ", "salon", (35,), time(10), time(16), 24, 18,
     "市民活動団体が日ごろの活動をブース出展で紹介します。"),
    (EventKind.CENTER_FESTIVAL, "東部市民サービスセンターまつり", "east", (9,), time(10), time(15),
     None, 8, "地域の団体による発表や展示、模擬店。どなたでもご参加いただけます。"),
    (EventKind.SEMINAR, "はじめての市民活動セミナー", "west", (5,), time(10), time(12), 15, 17,
     "団体の立ち上げ方、仲間の集め方、活動資金の考え方を学びます。"),
    (EventKind.WORKSHOP, "地域まちづくり計画ワークショップ", "north", (-7, 23), time(14), time(16, 30),
     30, 14, "地域の将来像と、その実現に向けた取組を住民のみなさんで話し合います。"),
)


def add_demo_events(db: Database, actor: Actor, *, today: date | None = None) -> int:
    """Create the demo events and their sign-ups; returns how many events were made.

    Not retried as a whole (each of its transactions is): a rerun after the first events were
    saved would make them twice.
    """
    today = today or date.today()
    with db.reading(actor) as session:
        facilities = dict(session.execute(select(Facility.code, Facility.id)).all())
    people, groups = _demo_contacts(db, actor, 120)
    for kind, title, code, days, start, end, capacity, count, description in _EVENTS:
        facility_id = facilities.get(code) or next(iter(facilities.values()))
        first = today + timedelta(days=min(days))
        event = create_event(db, actor, EventDraft(
            kind=kind, title=title, facility_id=facility_id, venue_facility_id=facility_id,
            sessions=tuple(SessionDraft(today + timedelta(days=d), start, end,
                                        f"第{n}回" if len(days) > 1 else "")
                           for n, d in enumerate(days, start=1)),
            description=description, capacity=capacity, audience="どなたでも",
            signup_opens_on=min(today - timedelta(days=20), first - timedelta(days=1)),
            signup_closes_on=first - timedelta(days=1), how_to_apply="電話・窓口で申込",
            queue_rule=QueueRule.STRICT if kind is not EventKind.FESTA else QueueRule.FIRST_FIT,
            has_booths=kind is EventKind.FESTA))
        pool = groups if kind is EventKind.FESTA else people
        drafts = [SignUpDraft(contact_id, party_size=1 + (n % 7 == 3),
                              notes="車いすを使用" if n % 11 == 5 else "",
                              booth_tables=1 if kind is EventKind.FESTA else 0,
                              booth_power=kind is EventKind.FESTA and n % 3 == 0)
                  for n, contact_id in enumerate(pool[:count])]
        _sign_up_all(db, actor, event.id, drafts, min(today, first))
    _add_lottery_class(db, actor, facilities.get("central") or next(iter(facilities.values())),
                       people, today)
    return len(_EVENTS) + 1


GRADES = ("1・2年生", "3・4年生", "5・6年生")


def _add_lottery_class(db: Database, actor: Actor, facility_id: int, people: list[int],
                       today: date) -> None:
    """親子で楽しむ郷土料理教室: 30 seats, applications (parent and child, two each) taken until
    three days ago, 21 of them, drawn: 15 parties seated, 6 waitlisted in drawn order."""
    event = create_event(db, actor, EventDraft(
        kind=EventKind.SEMINAR, title="親子で楽しむ秋田の郷土料理教室〜きりたんぽ鍋をつくろう〜",
        facility_id=facility_id, venue_facility_id=facility_id,
        sessions=(SessionDraft(today + timedelta(days=12), time(10), time(12)),),
        description="秋田の郷土料理きりたんぽ鍋を、親子で一緒につくります。エプロンと三角巾を"
                    "お持ちください。",
        capacity=30, audience="市内在住の小学生とその保護者（2名1組）", fee=500,
        fee_note="材料費（1組）", how_to_apply="電話・窓口で申込（応募多数の場合は抽選）",
        signup_opens_on=today - timedelta(days=20), signup_closes_on=today + timedelta(days=5),
        lottery_until=today - timedelta(days=3),
        questions=(Question("食物アレルギーはありますか", QuestionKind.YES_NO, required=True),
                   Question("お子さんの学年", QuestionKind.CHOICE, GRADES, required=True))))
    allergy, grade = (q.id or 0 for q in event.questions)  # saved: each has its id
    drafts = [SignUpDraft(contact_id, party_size=2, answers=(
                  (allergy, YES if n % 5 == 2 else NO), (grade, GRADES[n % 3])))
              for n, contact_id in enumerate(people[-21:])]
    _sign_up_all(db, actor, event.id, drafts, today - timedelta(days=5))
    draw_lottery(db, actor, event.id, today=today)


@retry_on_contention
def _sign_up_all(db: Database, actor: Actor, event_id: int, drafts: list[SignUpDraft],
                 today: date) -> None:
    with db.writing(actor) as session:
        for draft in drafts:
            add_sign_up(session, actor, event_id, draft, today=today, override_window=True,
                        allow_similar=True)


def _demo_contacts(db: Database, actor: Actor, wanted: int) -> tuple[list[int], list[int]]:
    def read() -> tuple[list[int], list[int]]:
        with db.reading(actor) as session:
            rows = session.execute(select(Contact.id, Contact.kind)
                                   .where(Contact.notes == DEMO_NOTE, Contact.active)
                                   .order_by(Contact.id).limit(wanted * 3)).all()
        return ([i for i, k in rows if k is ContactKind.PERSON],
                [i for i, k in rows if k is ContactKind.GROUP])

    people, groups = read()
    if len(people) < wanted or len(groups) < 30:
        add_demo_contacts(db, actor, wanted * 2)
        people, groups = read()
    return people, groups
