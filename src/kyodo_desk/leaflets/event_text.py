"""How the event prints word an event (イベントの表記): dates in the era with the weekday,
times, fee, capacity and sign-up window.

One module for the flyer, the receipt, the roster, the sign-in sheet and the badges, so a
date reads the same on all of them: 令和8年12月5日（土）10:00～12:00 (in the prints' style,
domain.dates.print_style: 和暦 unless the app-wide setting says 西暦).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time
from typing import TYPE_CHECKING

from kyodo_desk.domain.dates import clock, date_with_weekday, print_style, short_date
from kyodo_desk.domain.events import RegistrationStatus
from kyodo_desk.leaflets.style import ContactCard, facility_card

if TYPE_CHECKING:
    from kyodo_desk.services.contacts import FacilityDetail
    from kyodo_desk.services.events import EventDetail, EventSessionInfo

RANGE = "～"
# A course with more sessions is written by its days (`days_text`), not a line a session: a
# receipt or a roster would not fit its page.
LISTED_SESSIONS = 8
DEPARTMENT_PREFIX = "秋田市市民生活部"
# Who gets a place on the door lists and a badge: seats given, before or after check-in.
EXPECTED = frozenset({RegistrationStatus.CONFIRMED, RegistrationStatus.ATTENDED})


def day_text(d: date) -> str:
    """'令和8年12月5日（土）'."""
    return date_with_weekday(d, print_style())


def time_text(start: time | None, end: time | None) -> str:
    """'10:00～12:00', '10:00～' or '' when no time is set."""
    if start is None:
        return f"{RANGE}{clock(end)}" if end is not None else ""
    return f"{clock(start)}{RANGE}{clock(end) if end is not None else ''}"


def session_text(session: EventSessionInfo, *, label: bool = True) -> str:
    """One session: '令和8年12月5日（土）10:00～12:00　第1回 オリエンテーション'."""
    text = f"{day_text(session.held_on)}{time_text(session.start_time, session.end_time)}"
    if label and session.label:
        text += f"　{session.label}"
    return text


def sessions_text(sessions: Sequence[EventSessionInfo]) -> str:
    """Every session on its own line, with its label (第1回 …) as the event names it; past
    LISTED_SESSIONS, the days in a few lines (`days_text`)."""
    if len(sessions) > LISTED_SESSIONS:
        return days_text(sessions)
    return "\n".join(session_text(s) for s in sessions)


def days_text(sessions: Sequence[EventSessionInfo]) -> str:
    """A long course: '全30回　18:30～20:45' (the time, when every session shares it), then
    a line per year, its first day in full and the others short:
    '令和8年12月1日（火）、12/8（火）、12/15（火）'. The labels are left out."""
    times = {time_text(s.start_time, s.end_time) for s in sessions}
    shared = times.pop() if len(times) == 1 else ""
    years: dict[int, list[str]] = {}
    for s in sessions:
        days = years.setdefault(s.held_on.year, [])
        day = short_date(s.held_on) if days else day_text(s.held_on)
        days.append(day if shared else f"{day}{time_text(s.start_time, s.end_time)}")
    head = f"全{len(sessions)}回　{shared}".rstrip("　")
    return "\n".join([head, *("、".join(days) for days in years.values())])


def split_title(title: str) -> tuple[str, str]:
    """A title with a wave-dash subtitle, 'フェスタ2026 ～つながる・ひろがる～', as its main
    part and its subtitle, so the band can set them apart; else the title and ''."""
    for dash in ("～", "〜"):
        head, found, tail = title.partition(dash)
        if found and head.strip() and tail.strip(dash + " 　"):
            return head.strip(), f"{dash}{tail.strip()}"
    return title, ""


def title_lines(title: str) -> str:
    """The title with its wave-dash subtitle on a line of its own (a band's subtitle)."""
    return "\n".join(part for part in split_title(title) if part)


def fee_text(event: EventDetail) -> str:
    """'無料', '500円（資料代）'."""
    fee = "無料" if not event.fee else f"{event.fee:,}円"
    return f"{fee}（{event.fee_note}）" if event.fee_note else fee


def capacity_text(event: EventDetail) -> str:
    if event.capacity is None:
        return "定員は設けていません"
    return f"{event.capacity:,}名（先着順）"


def window_text(event: EventDetail) -> str:
    """The sign-up window (申込期間), or '' when the event sets none."""
    opens, closes = event.signup_opens_on, event.signup_closes_on
    if opens and closes:
        return f"{day_text(opens)}{RANGE}{day_text(closes)}"
    if opens:
        return f"{day_text(opens)}から"
    if closes:
        return f"{day_text(closes)}まで"
    return ""


def venue_text(event: EventDetail) -> str:
    return "\n".join(part for part in (event.venue_name, event.venue_address) if part)


def department(event: EventDetail) -> str:
    """The issuing line of the title band: the department and the organising facility."""
    return f"{DEPARTMENT_PREFIX}　{event.facility_name}".strip()


def contact_card(event: EventDetail, facility: FacilityDetail, *, code: bool = False) -> ContactCard:
    """The organising facility's card, headed by the event's own contact (担当・電話) where
    the event names one; with *code*, a QR code of the event's web page."""
    card = facility_card(facility)
    own = [pair for pair in (("担当", event.contact_name), ("電話", event.contact_phone))
           if pair[1] and pair[1] != facility.phone]
    codes = (("イベントの詳細", event.url),) if code and event.url else ()
    return ContactCard(card.name, ((tuple(own),) if own else ()) + card.rows, codes)

