"""Officers acting on the same grant case at the same moment, each in a process of their own
with their own connection: no deadlock, no unexpected error, and after every round the
programme holds no more than its budget and no case has been paid more than decided.

Each race gives three officer processes one act each on the same case (or its programme);
they start together at a barrier. The services are called undecorated (`__wrapped__`): the app
retries a deadlock once (retry_on_contention), which would hide a wrong lock order here.
"""

from __future__ import annotations

import multiprocessing
import traceback
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import text

from kyodo_desk.database import Database, open_database
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.grants import Stage
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import grants
from kyodo_desk.services.grants import cases as grant_cases
from tests.grant_fixtures import group, make_case, make_programme

ACTOR = Actor.command_line()
OFFICERS = 3
ROUNDS = 6  # each with both races
TIMEOUT = 120  # seconds; a hang fails the test instead of the run
PAID_ON = date(2026, 9, 1)
# What an officer may be told instead of "done": the rule that refused the act.
REFUSALS = frozenset({"MoveRefused", "ValidationError", "ConcurrentEdit"})

ACTS: dict[str, Callable[..., object]] = {
    "decide": lambda db, case_id, version, amount: grant_cases.move_case.__wrapped__(
        db, ACTOR, case_id, version, Stage.GRANT_DECIDED, decided_amount=amount),
    "change_decision": lambda db, case_id, amount: grant_cases.change_decision.__wrapped__(
        db, ACTOR, case_id, amount, comment="事業内容の変更"),
    "pay": lambda db, case_id, amount: grant_cases.record_payment.__wrapped__(
        db, ACTOR, case_id, amount, PAID_ON),
    "settle": lambda db, case_id, version: grant_cases.move_case.__wrapped__(
        db, ACTOR, case_id, version, Stage.SETTLED),
}


def _officer(url: str, number: int, barrier: Any, tasks: Any, results: Any) -> None:
    """One officer's process: its own engine and connection; each act starts at the barrier.
    Reports (officer, act, outcome, message): outcome "accepted", the refusal's class, or
    "unexpected" with the traceback."""
    try:
        db = open_database(url)
        with db.reading(None) as session:  # connected before the race, not during it
            session.execute(text("SELECT 1"))
        while (task := tasks.get(timeout=TIMEOUT)) is not None:
            name, args = task
            barrier.wait(timeout=TIMEOUT)
            try:
                ACTS[name](db, *args)
                results.put((number, name, "accepted", ""))
            except UserError as exc:
                results.put((number, name, type(exc).__name__, exc.message))
            except Exception:
                results.put((number, name, "unexpected", traceback.format_exc()))
        db.dispose()
    except BaseException:
        barrier.abort()
        results.put((number, "", "unexpected", traceback.format_exc()))


class Officers:
    """OFFICERS processes kept for every round of a test (spawning one costs a second)."""

    def __init__(self, url: str) -> None:
        context = multiprocessing.get_context("spawn")
        self.barrier = context.Barrier(OFFICERS)
        self.tasks = [context.Queue() for _ in range(OFFICERS)]
        self.results = context.Queue()
        self.processes = [context.Process(target=_officer, args=(url, n, self.barrier,
                                                                 self.tasks[n], self.results))
                          for n in range(OFFICERS)]
        for p in self.processes:
            p.start()

    def race(self, *acts: tuple[str, tuple[object, ...]]) -> dict[str, tuple[str, str]]:
        """The acts at once, one per officer: act → (outcome, message)."""
        for queue, act in zip(self.tasks, acts, strict=True):
            queue.put(act)
        reports = [self.results.get(timeout=TIMEOUT) for _ in acts]
        return {name: (outcome, message) for _, name, outcome, message in reports}

    def close(self) -> None:
        for queue in self.tasks:
            queue.put(None)
        for p in self.processes:
            p.join(30)
            if p.is_alive():
                p.kill()


def held_within_budget(db: Database, programme_id: int, case_ids: list[int]) -> None:
    money = grants.get_programme(db, ACTOR, programme_id).money
    assert money.committed <= money.budget, money
    for case_id in case_ids:
        case = grant_cases.get_case(db, ACTOR, case_id).money
        assert 0 <= case.net_paid <= case.decided, case


def expected_only(round_name: str, outcomes: dict[str, tuple[str, str]]) -> None:
    wrong = {act: o for act, o in outcomes.items()
             if o[0] != "accepted" and o[0] not in REFUSALS}
    assert not wrong, f"{round_name}: {wrong}"  # Contention here is a deadlock: none allowed


def decision_race(db: Database, officers: Officers, programme_id: int,
                  case: grant_cases.CaseDetail, everyone: list[int]) -> None:
    """交付決定, 変更交付決定 and a payment on one adopted case at once. The first two took the
    programme's and the case's locks in opposite orders: 6 of 14 such races deadlocked on
    PostgreSQL."""
    outcomes = officers.race(("decide", (case.id, case.version, 300_000)),
                             ("change_decision", (case.id, 250_000)),
                             ("pay", (case.id, 100_000)))
    expected_only("decision race", outcomes)
    held_within_budget(db, programme_id, everyone)
    stored = grant_cases.get_case(db, ACTOR, case.id)
    assert outcomes["decide"][0] == "accepted" and stored.stage is Stage.GRANT_DECIDED
    changed = outcomes["change_decision"][0] == "accepted"
    assert stored.money.decided == (250_000 if changed else 300_000)
    assert stored.money.net_paid == (100_000 if outcomes["pay"][0] == "accepted" else 0)


def settlement_race(db: Database, officers: Officers, programme_id: int,
                    running: grant_cases.CaseDetail, waiting: grant_cases.CaseDetail,
                    everyone: list[int]) -> None:
    """A payment and the settlement of a case decided 300,000 with 150,000 paid, and the
    decision of 150,000 for a case that fits only in what the settlement frees, at once. A
    payment accepted after the settlement would make the programme hold 150,000 too much."""
    outcomes = officers.race(("pay", (running.id, 150_000)),
                             ("settle", (running.id, running.version)),
                             ("decide", (waiting.id, waiting.version, 150_000)))
    expected_only("settlement race", outcomes)
    held_within_budget(db, programme_id, everyone)
    if outcomes["settle"][0] == "accepted" and outcomes["pay"][0] != "accepted":
        assert outcomes["pay"][1].startswith("確定・支払の後は支払を記録できません")
    if outcomes["pay"][0] == "accepted":  # before any settlement: nothing was freed
        assert outcomes["decide"][0] != "accepted"


def test_officers_acting_on_one_case_at_once_neither_deadlock_nor_overspend(  # type: ignore[no-untyped-def]
        db, database_url) -> None:
    officers = Officers(database_url)  # they start up while the first round is set up
    try:
        groups = [group(db, name) for name in ("一の会", "二の会", "三の会")]
        for n in range(ROUNDS):
            # Budget 600,000, no ceiling, no documents required (the races are about money
            # and locks): 300,000 decided and 150,000 paid for a case at 実績報告, a case at
            # 採択 asking 300,000 and one asking 150,000.
            programme_id = make_programme(db, name=f"同時操作の試験{n}", budget=600_000,
                                          ceiling=0, documents=()).id
            running = make_case(db, programme_id, groups[0], requested=300_000,
                                stage=Stage.REPORTED, decided=300_000)
            running = grant_cases.record_payment(db, ACTOR, running.id, 150_000, PAID_ON)
            adopted = make_case(db, programme_id, groups[1], requested=300_000,
                                stage=Stage.ADOPTED)
            waiting = make_case(db, programme_id, groups[2], requested=150_000,
                                stage=Stage.ADOPTED)
            everyone = [running.id, adopted.id, waiting.id]
            decision_race(db, officers, programme_id, adopted, everyone)
            settlement_race(db, officers, programme_id, running, waiting, everyone)
    finally:
        officers.close()
