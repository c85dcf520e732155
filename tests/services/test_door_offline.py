"""The offline door on its own: no database anywhere near it, the online door's words, and
whatever is done at it survives closing and reopening (the journal is the truth)."""

from __future__ import annotations

import ast
import json
import tempfile
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from kyodo_desk.domain.events import QuestionKind, RegistrationStatus
from kyodo_desk.domain.questions import Question
from kyodo_desk.services.events.door_format import (
    DoorActRecord,
    DoorPack,
    PackSession,
    PackSignUp,
    write_pack,
)
from kyodo_desk.services.events.door_offline import OfflineDoor, WalkIn

SOURCE = Path(__file__).resolve().parents[2] / "src" / "kyodo_desk" / "services" / "events"
PASSWORD = "door-password"
S = RegistrationStatus


def test_the_offline_door_imports_no_database() -> None:
    for name in ("door_offline.py", "door_format.py", "door_crypto.py"):
        tree = ast.parse((SOURCE / name).read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
            a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert not {m for m in imported if m and m.startswith(
            ("sqlalchemy", "kyodo_desk.database", "kyodo_desk.models", "psycopg"))}, name


def _pack(capacity: int, statuses: list[RegistrationStatus]) -> DoorPack:
    sign_ups = tuple(PackSignUp(n + 1, n + 1, f"参加者{n}", f"さんかしゃ{n}", 1, status,
                                f"token{n:04d}abc") for n, status in enumerate(statuses))
    taken = sum(1 for s in statuses if s in (S.CONFIRMED, S.ATTENDED))
    return DoorPack("pack-1", 7, "市民活動入門セミナー", capacity, taken,
                    (PackSession(3, date(2026, 12, 5), "第1回"),), sign_ups,
                    datetime(2026, 12, 1, tzinfo=UTC), "窓口 花子")


acts = st.lists(st.one_of(st.tuples(st.just("in"), st.integers(1, 6)),
                          st.tuples(st.just("walk"), st.integers(1, 3))), max_size=12)


# Each example seals a pack and opens it twice, stretching the password each time (~0.2 s).
@settings(max_examples=10, deadline=None)
@given(capacity=st.integers(3, 8), done=acts)
def test_seats_are_never_overgiven_and_reopening_finds_the_same(capacity: int,
                                                                done: list[tuple[str, int]]
                                                                ) -> None:
    statuses = [S.CONFIRMED, S.CONFIRMED, S.WAITLISTED, S.CANCELLED, S.CONFIRMED, S.ATTENDED]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "door.kyodo-door"
        write_pack(_pack(capacity, statuses[:capacity] if capacity < 6 else statuses), path,
                   PASSWORD)
        door = OfflineDoor.open(path, PASSWORD, "入口")
        for kind, n in done:
            if kind == "in":
                door.check_in(3, n)
            else:
                door.walk_in(3, WalkIn(f"当日{n}", party_size=n))
            left = door.seats_left()
            assert left is not None and left >= 0
            assert door.pack.seats_taken + sum(w.party_size for w in door.walk_ins) <= capacity
        seen = (door.acts, door.seats_left(), door.present(3))
        door.close()
        again = OfflineDoor.open(path, PASSWORD, "入口")
        assert (again.acts, again.seats_left(), again.present(3)) == seen
        again.close()


def test_find_folds_width_and_kana(tmp_path: Path) -> None:
    path = tmp_path / "door.kyodo-door"
    write_pack(_pack(5, [S.CONFIRMED, S.CONFIRMED]), path, PASSWORD)
    door = OfflineDoor.open(path, PASSWORD, "入口")
    assert [s.name for s in door.find("サンカシャ1")] == ["参加者1"]
    assert [s.name for s in door.find("２")] == ["参加者1"]  # 受付番号 2, typed full-width
    door.close()


def test_a_pack_and_journal_from_before_the_questions_still_open(tmp_path: Path) -> None:
    made = _pack(5, [S.CONFIRMED])
    older = json.loads(made.to_bytes())
    del older["questions"]  # a pack made before the pack carried the questions
    assert DoorPack.from_bytes(json.dumps(older).encode()) == made
    act = DoorActRecord(3, datetime(2026, 12, 5, tzinfo=UTC), "入口", walk_in=True, name="当日")
    raw = json.loads(act.to_bytes())
    del raw["answers"]
    assert DoorActRecord.from_raw(raw) == act
    asked = replace(made, questions=(Question("参加する回", QuestionKind.CHOICE,
                                              ("午前の部", "午後の部"), True, 11),))
    assert DoorPack.from_bytes(asked.to_bytes()) == asked
