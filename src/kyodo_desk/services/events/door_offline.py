"""The offline door (当日受付の端末): check-in on a laptop with only the pack, no network.

No database here at all: the pack (door_format.py) is the roster, and every act is appended to
the sealed journal beside it (door_crypto.Journal) before its answer is shown, so a crash loses
nothing and opening the pack again continues where it stopped. The answers are the online
door's (domain.events.CheckInOutcome): 出席にしました, 出席済みです, 出席にできません with why.
Walk-ins are taken while seats remain: the capacity less the seats taken when the pack was
made, less the walk-ins made here since; they answer the event's sign-up questions as at the
online door (the pack carries them), the required ones too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from kyodo_desk.domain import validation
from kyodo_desk.domain.dates import clock, japan_time
from kyodo_desk.domain.errors import FieldProblem, UserError, ValidationError
from kyodo_desk.domain.events import (
    MAX_PARTY_SIZE,
    CheckInOutcome,
    RegistrationStatus,
    parse_ticket_code,
)
from kyodo_desk.domain.questions import Question, clean_answers
from kyodo_desk.domain.text import fold
from kyodo_desk.services.events.door_crypto import Journal
from kyodo_desk.services.events.door_format import (
    DoorActRecord,
    DoorPack,
    JournalHead,
    PackSession,
    PackSignUp,
    journal_path,
    parse_journal,
    read_pack,
)

S = RegistrationStatus


@dataclass(frozen=True)
class DoorAnswer:
    outcome: CheckInOutcome
    message: str
    sign_up: PackSignUp | None = None


@dataclass(frozen=True)
class WalkIn:
    """当日参加 as typed at the door."""

    name: str
    reading: str = ""
    phone: str = ""
    party_size: int = 1
    answers: tuple[tuple[int, str], ...] = ()  # 申込時の回答: (question id, answer)


def _refused(message: str, sign_up: PackSignUp | None = None) -> DoorAnswer:
    return DoorAnswer(CheckInOutcome.REFUSED, message, sign_up)


class OfflineDoor:
    """One pack opened at the door by one clerk (*clerk*: the name typed when opening)."""

    def __init__(self, pack: DoorPack, journal: Journal, acts: list[DoorActRecord],
                 clerk: str) -> None:
        self.pack, self.journal, self.clerk = pack, journal, clerk
        self._by_id = {s.registration_id: s for s in pack.sign_ups}
        self._checked: dict[tuple[int, int], DoorActRecord] = {}  # (sign-up, session)
        self._came: set[int] = set()  # sign-ups checked in here, on any day
        self.walk_ins: list[DoorActRecord] = []
        for act in acts:
            self._remember(act)

    @classmethod
    def open(cls, pack_path: Path, password: str, clerk: str) -> OfflineDoor:
        """Open the pack with *password*; its journal is made or read (and continued)."""
        clerk = clerk.strip()
        if not clerk:
            raise ValidationError.single("clerk", "受付する人の名前を入力してください。")
        pack = read_pack(pack_path, password)
        head = JournalHead(pack.pack_id, pack.event_id)
        journal, records = Journal.open(journal_path(pack_path), password, head.to_bytes())
        found, acts = parse_journal(records)
        if found != head:
            journal.close()
            raise UserError("この当日受付の記録は、別のパックのものです。"
                            "パックと同じフォルダーにある記録を移すか、消さずに別の場所へ移してください。")
        return cls(pack, journal, acts, clerk)

    def close(self) -> None:
        self.journal.close()

    # --- what the screen shows --------------------------------------------------------------
    @property
    def sessions(self) -> tuple[PackSession, ...]:
        return self.pack.sessions

    @property
    def acts(self) -> int:
        return len(self._checked) + len(self.walk_ins)

    def seats_left(self) -> int | None:
        """Free seats for walk-ins (None: no capacity)."""
        if self.pack.capacity is None:
            return None
        walked_in = sum(w.party_size for w in self.walk_ins)
        return max(self.pack.capacity - self.pack.seats_taken - walked_in, 0)

    def attended(self, sign_up: PackSignUp, session_id: int) -> bool:
        return ((sign_up.registration_id, session_id) in self._checked
                or session_id in sign_up.attended_session_ids)

    def status(self, sign_up: PackSignUp) -> RegistrationStatus:
        """The sign-up's status as the online door would have it now: 出席 once checked in
        here (only a seat-holding sign-up is let in)."""
        return S.ATTENDED if sign_up.registration_id in self._came else sign_up.status

    def present(self, session_id: int) -> int:
        """People checked in for the session (pack and here), walk-ins included."""
        return (sum(s.party_size for s in self.pack.sign_ups if self.attended(s, session_id))
                + sum(w.party_size for w in self.walk_ins if w.session_id == session_id))

    def find(self, query: str) -> list[PackSignUp]:
        """Sign-ups whose 受付番号, name or reading hold *query* (folded), in 受付番号 order."""
        folded = fold(query)
        return sorted((s for s in self.pack.sign_ups if not folded or folded in fold(
            f"{s.queue_number} {s.name} {s.reading}")), key=lambda s: s.queue_number)

    # --- acts -------------------------------------------------------------------------------
    def check_in_by_code(self, session_id: int, scanned: str, *,
                         now: datetime | None = None) -> DoorAnswer:
        code = parse_ticket_code(scanned)
        if code is None:
            return _refused("読み取ったコードは協働デスクの受付票のものではありません。"
                            "名前で検索して出席にしてください。")
        if code.event_id != self.pack.event_id:
            return _refused("別のイベントの受付票です（このパックのイベントではありません）。")
        found = self._by_id.get(code.registration_id)
        if found is None or found.token != code.token:
            return _refused("この受付票は登録されていません（番号が違うか、作り直された受付票です）。"
                            "名前で検索して出席にしてください。")
        return self.check_in(session_id, found.registration_id, now=now)

    def check_in(self, session_id: int, registration_id: int, *,
                 now: datetime | None = None) -> DoorAnswer:
        """Check in a sign-up of the pack (chosen by name, or by its scanned code)."""
        self._session(session_id)
        found = self._by_id.get(registration_id)
        if found is None:
            return _refused("この申込はパックにありません。")
        if found.status is S.CANCELLED:
            return _refused(f"{found.name}さんの申込はキャンセルされています。", found)
        if found.status is S.WAITLISTED:
            return _refused(f"{found.name}さんはキャンセル待ち{self._position(found)}番で、"
                            "まだ席がありません。", found)
        earlier = self._checked.get((registration_id, session_id))
        if earlier is not None:
            at = japan_time(earlier.happened_at)
            return DoorAnswer(CheckInOutcome.ALREADY,
                              f"{found.name}さんは{clock(at)}に出席済みです（{earlier.recorded_by}）。"
                              "二重には数えていません。", found)
        if session_id in found.attended_session_ids:
            return DoorAnswer(CheckInOutcome.ALREADY,
                              f"{found.name}さんは、パックを作る前に出席済みです。"
                              "二重には数えていません。", found)
        self._record(DoorActRecord(session_id, now or datetime.now(UTC), self.clerk,
                                   registration_id=registration_id,
                                   party_size=found.party_size))
        return DoorAnswer(CheckInOutcome.CHECKED_IN,
                          f"{found.name}さん{_people(found.party_size)}を出席にしました。", found)

    def walk_in(self, session_id: int, typed: WalkIn, *,
                now: datetime | None = None) -> DoorAnswer:
        """当日参加: recorded and made 出席 at once, if seats remain, with its answers."""
        self._session(session_id)
        walk_in = _clean(typed, self.pack.questions)
        left = self.seats_left()
        if left is not None and walk_in.party_size > left:
            return _refused(f"満席のため、当日参加はできません（残り{left}席）。")
        self._record(DoorActRecord(session_id, now or datetime.now(UTC), self.clerk,
                                   walk_in=True, name=walk_in.name, reading=walk_in.reading,
                                   phone=walk_in.phone, party_size=walk_in.party_size,
                                   answers=walk_in.answers))
        return DoorAnswer(CheckInOutcome.CHECKED_IN,
                          f"{walk_in.name}さん{_people(walk_in.party_size)}を当日参加として"
                          "出席にしました。")

    def _record(self, act: DoorActRecord) -> None:
        self.journal.append(act.to_bytes())  # on the disk before the answer is shown
        self._remember(act)

    def _remember(self, act: DoorActRecord) -> None:
        if act.walk_in:
            self.walk_ins.append(act)
        elif act.registration_id is not None:
            self._checked.setdefault((act.registration_id, act.session_id), act)
            self._came.add(act.registration_id)

    def _session(self, session_id: int) -> None:
        if all(s.id != session_id for s in self.pack.sessions):
            raise UserError("この開催日はパックにありません。")

    def _position(self, sign_up: PackSignUp) -> int:
        return sum(1 for s in self.pack.sign_ups
                   if s.status is S.WAITLISTED and s.queue_number <= sign_up.queue_number)


def _people(party_size: int) -> str:
    return f"（{party_size}名）" if party_size > 1 else ""


def _clean(typed: WalkIn, questions: tuple[Question, ...]) -> WalkIn:
    problems: list[FieldProblem] = []

    def check(fn: Callable[[str], str], value: str) -> str:
        try:
            return fn(value)
        except ValidationError as exc:
            problems.extend(exc.problems)
            return value

    name = check(lambda v: validation.require("name", "氏名", v), typed.name)
    reading = check(validation.reading, typed.reading)
    phone = check(validation.phone, typed.phone)
    if not 1 <= typed.party_size <= MAX_PARTY_SIZE:
        problems.append(FieldProblem("party_size", f"人数は1～{MAX_PARTY_SIZE}名で入力してください。"))
    answers: dict[int, str] = {}
    try:  # checked as the online door checks them, against the questions in the pack
        answers = clean_answers(questions, typed.answers)
    except ValidationError as exc:
        problems.extend(exc.problems)
    if problems:
        raise ValidationError(problems)
    return replace(typed, name=name, reading=reading, phone=phone,
                   answers=tuple(answers.items()))
