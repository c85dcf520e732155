"""Event sign-up rules (イベントの申込), in plain Python: kinds, statuses, the waitlist, QR codes.

Nothing here touches the database: the services call these functions while they hold the
event's row lock, so the same rule decides at every counter.

Words (用語) — each means one thing on every screen, message and print:

- 申込: one sign-up of a person or group (N名) for an event; 申込者 is who signed up.
- 受付 / 受け付ける: only the accepting of a sign-up, before the day: 受付済 (the status of a
  sign-up that holds its seats), 受付番号 (its number, in the order sign-ups arrived), 受付順,
  受付票 (the paper handed to the person, with the QR code), 受付期間・受付開始・受付締切
  (when sign-ups are taken). Never the door.
- キャンセル待ち: signed up without a seat, in queue order; 繰り上げ: moved up to 受付済.
- 出席: came on the day. At the door the receipt is scanned or the name found and the sign-up
  is made 出席 (出席にする); the door's screen is 出席確認 and its paper, signed at the
  door, is the 出席簿. A second scan finds it 出席済み.
- 当日参加: a walk-in: signed up and made 出席 at once, at the door, if seats remain.
- 欠席: held a seat (受付済) and never came; recorded after the event.
- The place is 会場の入口, never 会場の受付 (that would be the other 受付).
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from kyodo_desk.domain.dates import full_date
from kyodo_desk.domain.permissions import Role


class EventKind(enum.StrEnum):
    SEMINAR = "seminar"  # セミナー・講座
    TSUMUGIST = "tsumugist"  # つむぎすと講座 (a course of several sessions)
    MEETING = "meeting"  # 市民協働ミーティング
    FESTA = "festa"  # 市民活動フェスタ (with exhibitor booths)
    CENTER_FESTIVAL = "center_festival"  # 市民サービスセンターまつり
    WORKSHOP = "workshop"  # 地域まちづくり計画のワークショップ
    OTHER = "other"  # その他


EVENT_KIND_LABELS = {
    EventKind.SEMINAR: "セミナー・講座",
    EventKind.TSUMUGIST: "つむぎすと講座",
    EventKind.MEETING: "市民協働ミーティング",
    EventKind.FESTA: "市民活動フェスタ",
    EventKind.CENTER_FESTIVAL: "市民サービスセンターまつり",
    EventKind.WORKSHOP: "まちづくり計画ワークショップ",
    EventKind.OTHER: "その他",
}


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"  # 受付済
    WAITLISTED = "waitlisted"  # キャンセル待ち
    CANCELLED = "cancelled"  # キャンセル
    ATTENDED = "attended"  # 出席
    NO_SHOW = "no_show"  # 欠席
    APPLIED = "applied"  # 抽選待ち: an application to an event decided by lottery, not yet drawn


REGISTRATION_STATUS_LABELS = {
    RegistrationStatus.CONFIRMED: "受付済",
    RegistrationStatus.WAITLISTED: "キャンセル待ち",
    RegistrationStatus.CANCELLED: "キャンセル",
    RegistrationStatus.ATTENDED: "出席",
    RegistrationStatus.NO_SHOW: "欠席",
    RegistrationStatus.APPLIED: "抽選待ち",
}

# Statuses that hold seats: a no-show's seat is not given away after the event either.
SEAT_HOLDING = frozenset({RegistrationStatus.CONFIRMED, RegistrationStatus.ATTENDED,
                          RegistrationStatus.NO_SHOW})


class QueueRule(enum.StrEnum):
    """How the waitlist moves when seats come free (shown on screen, chosen per event)."""

    STRICT = "strict"  # 受付順: the head of the queue waits even if a smaller party behind fits
    FIRST_FIT = "first_fit"  # 入る組から: the first party in order that fits the free seats


QUEUE_RULE_LABELS = {
    QueueRule.STRICT: "受付順（先頭の組が入るまで待つ）",
    QueueRule.FIRST_FIT: "入る組から順に繰り上げ",
}

MAX_PARTY_SIZE = 50


class QuestionKind(enum.StrEnum):
    """What a sign-up question (申込時の質問) takes as its answer."""

    TEXT = "text"  # 自由記入
    CHOICE = "choice"  # 選択肢から一つ
    YES_NO = "yes_no"  # はい／いいえ


QUESTION_KIND_LABELS = {
    QuestionKind.TEXT: "自由記入",
    QuestionKind.CHOICE: "選択肢",
    QuestionKind.YES_NO: "はい／いいえ",
}


class CheckInOutcome(enum.Enum):
    """The door's three answers (出席確認), at a counter and at the offline door alike."""

    CHECKED_IN = "出席にしました"
    ALREADY = "出席済みです"
    REFUSED = "出席にできません"


class DoorOutcome(enum.StrEnum):
    """What became of one act of the offline door (当日受付の端末) when it was merged back."""

    APPLIED = "applied"  # 反映済
    ALREADY = "already"  # 反映済みの記録（二度目の取り込み）: nothing to do
    BOTH = "both"  # 両方で受付: checked in at the laptop and at a counter
    CANCELLED = "cancelled"  # 取消後の受付: the sign-up was cancelled meanwhile
    FULL = "full"  # 満席: a walk-in for whom no seat was left when merged
    UNKNOWN = "unknown"  # 見つからない申込: the sign-up no longer exists


DOOR_OUTCOME_LABELS = {
    DoorOutcome.APPLIED: "反映済",
    DoorOutcome.ALREADY: "取り込み済",
    DoorOutcome.BOTH: "両方で受付",
    DoorOutcome.CANCELLED: "キャンセル後の受付",
    DoorOutcome.FULL: "満席",
    DoorOutcome.UNKNOWN: "申込が見つからない",
}
# Outcomes a person decides (衝突): listed until accepted or set aside.
DOOR_CONFLICTS = frozenset({DoorOutcome.BOTH, DoorOutcome.CANCELLED, DoorOutcome.FULL,
                            DoorOutcome.UNKNOWN})


class DoorDecision(enum.StrEnum):
    """A person's decision on a conflict of the offline door."""

    PENDING = "pending"  # 未判断
    ACCEPTED = "accepted"  # 受付を認める
    SET_ASIDE = "set_aside"  # 反映しない


DOOR_DECISION_LABELS = {
    DoorDecision.PENDING: "未判断",
    DoorDecision.ACCEPTED: "受付を認めた",
    DoorDecision.SET_ASIDE: "反映しない",
}
# Who may accept a sign-up outside its window (受付期間外): the collaboration officers.
WINDOW_OVERRIDE_ROLES = frozenset({Role.OFFICER, Role.ADMIN})


@dataclass(frozen=True)
class Waiting:
    """One waitlisted sign-up, in queue order."""

    registration_id: int
    party_size: int


@dataclass(frozen=True)
class Promotion:
    """What the waitlist does with *free_seats*: who moves up, and why the others did not."""

    promoted: tuple[int, ...]
    reason: str  # one line for the screen: why the next in line was or was not promoted


def plan_promotions(free_seats: int | None, waitlist: list[Waiting],
                    rule: QueueRule) -> Promotion:
    """Decide who leaves the waitlist when *free_seats* seats are free (None: no capacity limit).

    A party is never split: it moves up whole or waits whole.
    """
    if not waitlist:
        return Promotion((), "キャンセル待ちの方はいません。")
    promoted: list[int] = []
    left = free_seats
    for waiting in waitlist:
        if left is None or waiting.party_size <= left:
            promoted.append(waiting.registration_id)
            if left is not None:
                left -= waiting.party_size
        elif rule is QueueRule.STRICT:
            break
    remaining = len(waitlist) - len(promoted)
    if not remaining:
        return Promotion(tuple(promoted), "キャンセル待ちの方は全員繰り上がりました。")
    head = next(w for w in waitlist if w.registration_id not in promoted)
    seats = f"空き{left}席" if left is not None else "空き席"
    if rule is QueueRule.STRICT:
        why = (f"次の方は{head.party_size}名の組で、{seats}に入りません"
               "（受付順のため、後ろの組は繰り上げません）。")
    else:
        why = f"残る{remaining}組はどれも{seats}に入りません。"
    return Promotion(tuple(promoted), why)


def signup_window_problem(opens_on: date | None, closes_on: date | None,
                          today: date) -> str | None:
    """Why a sign-up on *today* is outside the window (受付期間外), or None."""
    if opens_on and today < opens_on:
        return f"受付開始は{full_date(opens_on)}です。"
    if closes_on and today > closes_on:
        return f"受付は{full_date(closes_on)}で締め切りました。"
    return None


def free_seats(capacity: int | None, seats_taken: int) -> int | None:
    return None if capacity is None else max(capacity - seats_taken, 0)


def may_confirm_at_once(capacity: int | None, seats_taken: int, party_size: int,
                        waiting_parties: int, rule: QueueRule) -> bool:
    """Whether a new sign-up is confirmed (else waitlisted).

    Under 受付順 nobody passes a waiting party; under 入る組から a new party takes free seats
    that no waiting party fits (the waitlist was already moved as far as it could go).
    """
    if capacity is None:
        return True
    if waiting_parties and rule is QueueRule.STRICT:
        return False
    return seats_taken + party_size <= capacity


# --- QR codes on the receipt (受付票) ------------------------------------------------------

QR_PREFIX = "KYODO-EV"
# Numbers as the app writes them: ASCII digits, no leading zero, within the database's integer
# (a scan of 5,000 digits, or of Arabic-Indic ones, is no receipt and must not reach int()).
_ID = "([1-9][0-9]{0,8})"
_QR_PATTERN = re.compile(rf"{QR_PREFIX}:{_ID}:{_ID}:([A-Za-z0-9_-]{{8,64}})")


@dataclass(frozen=True)
class TicketCode:
    """What the receipt's QR code says: the event, the sign-up and its secret token."""

    event_id: int
    registration_id: int
    token: str

    def text(self) -> str:
        return f"{QR_PREFIX}:{self.event_id}:{self.registration_id}:{self.token}"


def parse_ticket_code(scanned: str) -> TicketCode | None:
    """The ticket a scanned text names, or None if it is no Kyodo Desk receipt code.

    A barcode scanner types the code as keystrokes, so full-width characters typed through an
    IME that was left on are folded back first.
    """
    text = unicodedata.normalize("NFKC", scanned).strip()
    match = _QR_PATTERN.fullmatch(text)
    if not match:
        return None
    return TicketCode(int(match.group(1)), int(match.group(2)), match.group(3))
