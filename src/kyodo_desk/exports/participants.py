"""参加者一覧: one event's sign-ups as a workbook (or CSV) for the organisers and the day itself.

One row per sign-up in the order of the sign-up list — seat holders by 受付番号, then the
waitlist, then cancellations — each with its status (受付済, キャンセル待ちN番, 出席, 欠席,
キャンセル), so the sheet answers "is this person coming?" for every name one may be asked
about. 所属の区分 follows the 配慮事項 for a 市民協働ミーティング and wherever a sign-up gave
one; the booth columns (ブース番号・机・椅子・電源) appear only for an event with exhibitor
booths; then one column per sign-up question (申込時の質問, headed by its text, in the order
asked, はい／いいえ in words); then one 出席 column per session, ○ where the sign-up was
checked in.

The workbook has the event's title and dates above the header; the CSV is the bare table,
for merging into other lists. Taking the list out is recorded in the audit log (操作記録),
since it holds names, phone numbers and 配慮事項.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from kyodo_desk.database import Database
from kyodo_desk.database.audit import record_event
from kyodo_desk.domain.dates import clock, short_date
from kyodo_desk.domain.events import EventKind
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.domain.plans import SECTOR_LABELS, Sector
from kyodo_desk.domain.questions import answer_text
from kyodo_desk.exports.events import schedule
from kyodo_desk.exports.tabular import replaced_atomically, write_csv, write_xlsx
from kyodo_desk.services.events import EventDetail, get_event
from kyodo_desk.services.events.answers import event_answers
from kyodo_desk.services.events.registrations import RegistrationInfo, list_registrations

FORMATS = ("xlsx", "csv")
SHEET_TITLE = "参加者一覧"
ATTENDED_MARK = "○"
POWER_MARK = "要"

SIGN_UP_HEADER = ("受付番号", "状況", "氏名・団体名", "よみ", "電話", "人数", "配慮事項")
SECTOR_HEADER = "所属の区分"
BOOTH_HEADER = ("ブース番号", "机", "椅子", "電源")
# Excel would read 018-888-5640 as a date and booth 01 as the number 1.
TEXT_COLUMNS = frozenset({"電話", "ブース番号"})


def export_participants(db: Database, actor: Actor, event_id: int, fmt: str,
                        path: Path) -> int:
    """Write the event's sign-ups to *path* as "xlsx" or "csv"; returns how many.

    *path* is replaced only once the whole file is written; an unwritable path raises
    UserError naming it.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {FORMATS}")
    event = get_event(db, actor, event_id)
    registrations = list_registrations(db, actor, event_id, logged=False)  # its "export" row
    answers = event_answers(db, actor, event_id) if event.questions else {}
    sectors = asks_sector(event, registrations)
    header = participant_header(event, sectors=sectors)
    rows = [participant_row(event, r, sectors=sectors, answers=answers.get(r.id, {}))
            for r in registrations]
    with replaced_atomically(Path(path)) as temp:
        if fmt == "csv":
            write_csv(temp, header, rows)
        else:
            write_xlsx(temp, SHEET_TITLE, header, rows, text_columns=TEXT_COLUMNS,
                       title_lines=title_lines(event))
    with db.writing(actor) as session:
        record_event(session, actor, "export", "registrations", event.id,
                     {"件数": [None, len(rows)], "ファイル": [None, Path(path).name]})
    return len(rows)


def asks_sector(event: EventDetail, registrations: list[RegistrationInfo]) -> bool:
    """Whether the list has the 所属の区分 column: a meeting asks it first; elsewhere it is
    shown once any sign-up gave one."""
    return event.kind is EventKind.MEETING or any(r.sector for r in registrations)


def participant_header(event: EventDetail, *, sectors: bool = False) -> list[str]:
    booths = BOOTH_HEADER if event.has_booths else ()
    return [*SIGN_UP_HEADER, *((SECTOR_HEADER,) if sectors else ()), *booths,
            *(q.prompt for q in event.questions), *attendance_headers(event)]


def attendance_headers(event: EventDetail) -> list[str]:
    """「出席」 for a one-day event; 「出席 6/6」 per session of a course, with the time where
    two sessions share a day."""
    if len(event.sessions) == 1:
        return ["出席"]
    shared_days = {d for d, n in Counter(s.held_on for s in event.sessions).items() if n > 1}
    headers = []
    for s in event.sessions:
        text = f"出席 {short_date(s.held_on, with_weekday=False)}"
        if s.held_on in shared_days and s.start_time:
            text += f" {clock(s.start_time)}"
        headers.append(text)
    return headers


def participant_row(event: EventDetail, r: RegistrationInfo, *, sectors: bool = False,
                    answers: Mapping[int, str] | None = None) -> list[object]:
    """The sign-up's row; *answers* its answers to the event's questions (id → answer)."""
    row: list[object] = [r.queue_number, r.status_label, r.contact_name, r.contact_reading,
                         r.contact_phone, r.party_size, r.notes]
    if sectors:
        row.append(SECTOR_LABELS.get(Sector(r.sector), "") if r.sector else "")
    if event.has_booths:
        row += [r.booth_number, r.booth_tables, r.booth_chairs,
                POWER_MARK if r.booth_power else ""]
    given = answers or {}
    row += [answer_text(q, a) if (a := given.get(q.id or 0)) else "" for q in event.questions]
    attended = set(r.attended_session_ids)
    row += [ATTENDED_MARK if s.id in attended else "" for s in event.sessions]
    return row


def title_lines(event: EventDetail) -> list[str]:
    title = f"{event.title}（中止）" if event.cancelled else event.title
    return [title, f"{schedule(event)}　会場: {event.venue_name}　{event.seats.label()}"]
