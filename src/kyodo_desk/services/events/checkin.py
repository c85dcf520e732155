"""At the door (出席確認): a sign-up made 出席 by the receipt's QR code or by name, and walk-ins.

Three outcomes, always one of them and always said plainly: 出席にしました; 出席済みです
(by whom, when); refused (another event, cancelled, waitlisted, unknown code) with nothing
changed. Attendance is unique per sign-up and session in the database, and a check-in takes
the locks in the order every write of an event takes them (its event, then the sign-up: see
services/events/registrations.py), so two scanners reading one code at once count it once, and a
check-in racing a cancellation of the same sign-up is served before or after it, never across.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain.dates import clock, japan_time, month_day
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.events import CheckInOutcome, RegistrationStatus, parse_ticket_code
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.models import Attendance, Event, EventSession, Registration
from kyodo_desk.services.events.registrations import (
    RegistrationInfo,
    SignUpDraft,
    add_sign_up,
    clean_sign_up,
    lock_sign_up,
    registration_infos,
)
from kyodo_desk.services.read_log import OPEN, View, read_details, record_read

S = RegistrationStatus


@dataclass(frozen=True)
class CheckInResult:
    outcome: CheckInOutcome
    message: str
    registration: RegistrationInfo | None = None


def _refused(message: str, reg: RegistrationInfo | None = None) -> CheckInResult:
    return CheckInResult(CheckInOutcome.REFUSED, message, reg)


@retry_on_contention
def check_in_by_code(db: Database, actor: Actor, session_id: int, scanned: str, *,
                     now: datetime | None = None) -> CheckInResult:
    """Check in the sign-up whose receipt code was scanned, for the session *session_id*."""
    actor.require(Action.CHANGE, Resource.REGISTRATIONS)
    code = parse_ticket_code(scanned)
    if code is None:
        return _refused("読み取ったコードは協働デスクの受付票のものではありません。"
                        "名前で検索して出席にしてください。")
    with db.writing(actor) as session:
        token = session.scalar(select(Registration.token)
                               .where(Registration.id == code.registration_id))
        if token is None or token != code.token:
            return _refused("この受付票は登録されていません（番号が違うか、作り直された受付票です）。"
                            "名前で検索して出席にしてください。")
        return _check_in(session, actor, code.registration_id, session_id, now)


@retry_on_contention
def check_in(db: Database, actor: Actor, registration_id: int, session_id: int, *,
             now: datetime | None = None) -> CheckInResult:
    """Check in a sign-up found by name (the list at the door)."""
    actor.require(Action.CHANGE, Resource.REGISTRATIONS)
    with db.writing(actor) as session:
        return _check_in(session, actor, registration_id, session_id, now)


@retry_on_contention
def walk_in(db: Database, actor: Actor, session_id: int, draft: SignUpDraft, *,
            now: datetime | None = None) -> CheckInResult:
    """当日参加: sign up and check in at once, if seats remain (whatever the sign-up window)."""
    actor.require(Action.CREATE, Resource.REGISTRATIONS)
    cleaned = clean_sign_up(draft)
    now = now or datetime.now(UTC)
    with db.writing(actor) as session:
        event_id = _event_of_session(session, session_id)
        added = add_sign_up(session, actor, event_id, cleaned, today=now.date(), walk_in=True)
        return _check_in(session, actor, added.registration.id, session_id, now)


def _event_of_session(session: Session, session_id: int) -> int:
    event_id = session.scalar(select(EventSession.event_id)
                              .where(EventSession.id == session_id))
    if event_id is None:
        raise UserError("この開催日は見つかりません（イベントの日程が変更された可能性があります）。")
    return event_id


def _check_in(session: Session, actor: Actor, registration_id: int, session_id: int,
              now: datetime | None) -> CheckInResult:
    result = _try_check_in(session, actor, registration_id, session_id, now)
    if result.outcome is not CheckInOutcome.CHECKED_IN and result.registration is not None:
        # A sign-up shown without a change (出席済み, refused): its reading is logged in the
        # transaction already open (services/read_log.py); a check-in's own row says it.
        record_read(session, actor, OPEN, Registration.__tablename__, result.registration.id,
                    read_details(View.CHECK_IN))
    return result


def _try_check_in(session: Session, actor: Actor, registration_id: int, session_id: int,
                  now: datetime | None) -> CheckInResult:
    _event, reg = lock_sign_up(session, registration_id)
    event_id = _event_of_session(session, session_id)
    info = registration_infos(session, reg.event_id, {reg.id})[0]
    if reg.event_id != event_id:
        other = session.scalar(select(Event.title).where(Event.id == reg.event_id))
        return _refused(f"別のイベント「{other}」の受付票です。", info)
    if reg.status is S.CANCELLED:
        return _refused(f"{info.contact_name}さんの申込はキャンセルされています。", info)
    if reg.status is S.WAITLISTED:
        return _refused(f"{info.contact_name}さんはキャンセル待ち{info.waitlist_position}番で、"
                        "まだ席がありません。", info)
    if reg.status is S.APPLIED:
        # An application holds no seat until the draw, the day after its closing day.
        draw_from = session.scalar(select(Event.lottery_until).where(Event.id == reg.event_id))
        when = f"（抽選は{month_day(draw_from + timedelta(days=1), with_weekday=False)}以降）" \
            if draw_from else ""
        return _refused(f"抽選待ちの申込です{when}。{info.contact_name}さんにはまだ席が"
                        "ありません。", info)
    earlier = session.scalars(select(Attendance).where(
        Attendance.registration_id == reg.id, Attendance.session_id == session_id)).first()
    if earlier is not None:
        at = japan_time(earlier.checked_in_at)
        return CheckInResult(
            CheckInOutcome.ALREADY,
            f"{info.contact_name}さんは{clock(at)}に出席済みです（{earlier.checked_in_by}）。"
            "二重には数えていません。", info)
    session.add(Attendance(registration_id=reg.id, session_id=session_id,
                           checked_in_at=now or datetime.now(UTC),
                           checked_in_by=actor.name))
    reg.status = S.ATTENDED
    session.flush()
    info = registration_infos(session, reg.event_id, {reg.id})[0]
    people = f"（{info.party_size}名）" if info.party_size > 1 else ""
    return CheckInResult(CheckInOutcome.CHECKED_IN,
                         f"{info.contact_name}さん{people}を出席にしました。", info)

