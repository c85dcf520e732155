"""What the offline door's files hold (当日受付パック・当日受付の記録), in plain Python.

The pack holds of each sign-up only what the door needs to find a person and check them in:
the sign-up's number, 受付番号, name and reading, party size, status, receipt code token and
the sessions already attended. Never a phone, an address, notes or answers; the event's
sign-up questions (申込時の質問) ride along, for a walk-in is asked them as at the counter.
Read and written with no database (door_crypto.py seals the bytes), so the laptop needs only
the file.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.events import QuestionKind, RegistrationStatus
from kyodo_desk.domain.questions import Question
from kyodo_desk.services.events.door_crypto import DoorFileError, read_sealed, write_sealed

PACK_SUFFIX = ".kyodo-door"
JOURNAL_SUFFIX = ".kyodo-door-log"


@dataclass(frozen=True)
class PackSession:
    """開催日 as the door shows it."""

    id: int
    held_on: date
    label: str


@dataclass(frozen=True)
class PackSignUp:
    """One sign-up in the pack: nothing but what the door needs."""

    registration_id: int
    queue_number: int  # 受付番号
    name: str
    reading: str
    party_size: int
    status: RegistrationStatus
    token: str  # the receipt's QR secret
    attended_session_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class DoorPack:
    """当日受付パック — one event's door, for a laptop with no network."""

    pack_id: str
    event_id: int
    title: str
    capacity: int | None
    seats_taken: int  # when the pack was made
    sessions: tuple[PackSession, ...]
    sign_ups: tuple[PackSignUp, ...]
    made_at: datetime
    made_by: str
    questions: tuple[Question, ...] = ()  # asked of a walk-in (none in a pack made before)

    def to_bytes(self) -> bytes:
        return json.dumps(_plain(asdict(self)), ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> DoorPack:
        try:
            raw = json.loads(data)
            return cls(
                raw["pack_id"], int(raw["event_id"]), raw["title"], raw["capacity"],
                int(raw["seats_taken"]),
                tuple(PackSession(s["id"], date.fromisoformat(s["held_on"]), s["label"])
                      for s in raw["sessions"]),
                tuple(PackSignUp(s["registration_id"], s["queue_number"], s["name"],
                                 s["reading"], s["party_size"], RegistrationStatus(s["status"]),
                                 s["token"], tuple(s["attended_session_ids"]))
                      for s in raw["sign_ups"]),
                datetime.fromisoformat(raw["made_at"]), raw["made_by"],
                tuple(Question(q["prompt"], QuestionKind(q["kind"]), tuple(q["choices"]),
                               bool(q["required"]), int(q["id"]))
                      for q in raw.get("questions", ())))
        except (ValueError, KeyError, TypeError):
            raise DoorFileError("当日受付パックの中身が読めません（壊れている可能性があります）。") \
                from None


@dataclass(frozen=True)
class DoorActRecord:
    """One act at the offline door (出席 or 当日参加), as the journal keeps it."""

    session_id: int
    happened_at: datetime
    recorded_by: str
    registration_id: int | None = None  # a check-in; None for a walk-in
    walk_in: bool = False
    name: str = ""  # a walk-in's
    reading: str = ""
    phone: str = ""
    party_size: int = 1
    answers: tuple[tuple[int, str], ...] = ()  # a walk-in's: (question id, answer)
    act_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def to_bytes(self) -> bytes:
        return json.dumps({"kind": "act", **_plain(asdict(self))},
                          ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_raw(cls, raw: dict[str, Any]) -> DoorActRecord:
        values = {k: v for k, v in raw.items() if k != "kind"}
        values["happened_at"] = datetime.fromisoformat(values["happened_at"])
        values["answers"] = tuple((int(q), str(a)) for q, a in values.get("answers", ()))
        return cls(**values)


@dataclass(frozen=True)
class JournalHead:
    """The journal's first record: which pack and event its acts belong to."""

    pack_id: str
    event_id: int

    def to_bytes(self) -> bytes:
        return json.dumps({"kind": "head", **asdict(self)}).encode("utf-8")


def parse_journal(records: list[bytes]) -> tuple[JournalHead, list[DoorActRecord]]:
    try:
        head, *acts = (json.loads(r) for r in records)
        if head.get("kind") != "head":
            raise ValueError
        return (JournalHead(head["pack_id"], int(head["event_id"])),
                [DoorActRecord.from_raw(a) for a in acts])
    except (ValueError, KeyError, TypeError):
        raise DoorFileError("当日受付の記録の中身が読めません（壊れている可能性があります）。") \
            from None


def journal_path(pack_path: Path) -> Path:
    """The journal beside its pack: 「イベント.kyodo-door」 → 「イベント.kyodo-door-log」."""
    return pack_path.with_name(pack_path.stem + JOURNAL_SUFFIX)


def write_pack(pack: DoorPack, path: Path, password: str) -> None:
    try:
        write_sealed(path, pack.to_bytes(), password)
    except OSError as exc:
        raise UserError(f"当日受付パックを保存できません（{exc.strerror}）。") from None


def read_pack(path: Path, password: str) -> DoorPack:
    return DoorPack.from_bytes(read_sealed(path, password))


def _plain(value: Any) -> Any:
    """Dates as ISO text, tuples as lists: what JSON takes."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value
