"""A journal merged while a counter works on the same sign-ups, and one journal merged from two
PCs at once — in separate processes, each with its own connection, on both databases.

The merge takes the event's lock first, as every sign-up write does, so each pair is served one
after the other: a sign-up is counted once (the second finds it 出席済み or 両方で受付), a
cancellation either comes first (キャンセル後の受付) or is refused (出席済み), and an act merged
twice at once is applied once. The services are called without their retry (`__wrapped__`), so
a deadlock would surface here instead of being hidden by a second run.
"""

from __future__ import annotations

import shutil
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from kyodo_desk.database import open_database
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.events import DoorOutcome
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import Attendance, DoorAct
from kyodo_desk.services.events import checkin, registrations
from kyodo_desk.services.events.door_format import journal_path
from kyodo_desk.services.events.door_merge import merge_door_journal
from kyodo_desk.services.events.door_offline import OfflineDoor
from kyodo_desk.services.events.door_pack import save_door_pack
from kyodo_desk.services.events.registrations import SignUpDraft, sign_up
from tests.event_fixtures import TODAY, make_event
from tests.services.test_registration_concurrency import add_people
from tests.two_processes import TIMEOUT, race

PASSWORD = "door-race-password"
ROUNDS = 8  # per kind of race
VS_CHECK_IN, VS_CANCEL, VS_MERGE = "merge / counter check-in", "merge / cancel", "merge / merge"


@dataclass(frozen=True)
class Round:
    race: str
    registration_id: int
    journal: str


def _act(actor: Actor, db: Any, r: Round, side: int, session_id: int) -> str:
    if side == 0 or r.race == VS_MERGE:
        report = merge_door_journal.__wrapped__(db, actor, Path(r.journal), PASSWORD)
        return "applied" if report.applied else "already" if report.already else "conflict"
    if r.race == VS_CHECK_IN:
        return checkin.check_in.__wrapped__(db, actor, r.registration_id, session_id).outcome.name
    registrations.cancel_registration.__wrapped__(db, actor, r.registration_id)
    return "cancelled"


def _counter(url: str, side: int, actor: Actor, rounds: list[Round], session_id: int,
             barrier: Any, out: Any) -> None:
    seen: list[str] = []
    try:
        db = open_database(url)
        try:
            for r in rounds:
                barrier.wait(timeout=TIMEOUT)
                try:
                    seen.append(_act(actor, db, r, side, session_id))
                except UserError as exc:
                    seen.append(f"refused: {exc.message}")
                except Exception:
                    seen.append(f"error: {traceback.format_exc()}")
        finally:
            db.dispose()
    except BaseException:
        seen.append(f"error: {traceback.format_exc()}")
        barrier.abort()
    out.put((side, seen))


def test_merges_race_counters_and_each_other(db, database_url, actor, tmp_path: Path,
                                             facilities) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"], capacity=200)
    session_id = event.sessions[0].id
    signed = [sign_up(db, actor, event.id, SignUpDraft(c), today=TODAY).registration
              for c in add_people(db, "当日競合", ROUNDS * 3)]
    pack = tmp_path / "door.kyodo-door"
    save_door_pack(db, actor, event.id, pack, PASSWORD)
    kinds = [VS_CHECK_IN, VS_CANCEL, VS_MERGE]
    rounds = []
    for n, reg in enumerate(signed):  # one journal a round: the same pack copied
        copy = tmp_path / f"door{n}.kyodo-door"
        shutil.copy(pack, copy)
        door = OfflineDoor.open(copy, PASSWORD, "入口")
        door.check_in(session_id, reg.id)
        door.close()
        rounds.append(Round(kinds[n % 3], reg.id, str(journal_path(copy))))
    db.dispose()  # the test's own connection stays out of the race

    reports = race(_counter, database_url, actor, rounds, session_id)

    errors = [s for side in (0, 1) for s in reports[side] if s.startswith("error")]
    assert not errors, "\n".join(errors[:3])
    db = open_database(database_url)
    try:
        with db.reading(None) as session:
            attended = dict(session.execute(
                select(Attendance.registration_id, func.count())
                .group_by(Attendance.registration_id)).all())
            outcomes = dict(session.execute(select(DoorAct.registration_id, DoorAct.outcome))
                            .all())
            acts = session.scalar(select(func.count()).select_from(DoorAct))
        assert acts == len(rounds)  # every act once, however many merged it
        for r, merged, other in zip(rounds, reports[0], reports[1], strict=True):
            where = f"{r.race}: {merged} / {other}"
            outcome = outcomes[r.registration_id]
            if r.race == VS_MERGE:
                assert sorted((merged, other)) == ["already", "applied"], where
                assert attended[r.registration_id] == 1, where
            elif r.race == VS_CHECK_IN:
                assert attended[r.registration_id] == 1, where  # counted once
                if outcome is DoorOutcome.APPLIED:
                    assert other == "ALREADY", where
                else:
                    assert outcome is DoorOutcome.BOTH and other == "CHECKED_IN", where
            elif outcome is DoorOutcome.APPLIED:  # merged first: the cancellation refused
                assert "出席済みの申込はキャンセルできません" in other, where
                assert attended[r.registration_id] == 1, where
            else:
                assert outcome is DoorOutcome.CANCELLED and other == "cancelled", where
                assert r.registration_id not in attended, where
    finally:
        db.dispose()
