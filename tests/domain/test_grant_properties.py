"""Property tests of the grant rules: the workflow of domain/grants.py, and the money through
the real services on SQLite.

Invariants stated here:
  workflow — a case starts at 相談 and moves only where MOVES allows; every path ends in 公表,
    不採択 or 取下げ, visits no stage twice and never goes back along the main line; an end
    allows no move at all.
  money — after every act, accepted or refused: held ≤ budget (the programme's 残り is never
    below 0); for every case 0 ≤ returned ≤ paid and paid − returned ≤ decided; a case's version
    rises by one with each accepted change of it, stays as it was after a refusal, and no act
    moves another case's version.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from kyodo_desk.database import open_database
from kyodo_desk.domain.errors import ConcurrentEdit, UserError
from kyodo_desk.domain.grants import FINAL, MAIN_LINE, MOVES, Stage, move_problem, next_moves
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import GrantCase
from kyodo_desk.services import grants
from kyodo_desk.services.grants import cases as grant_cases
from kyodo_desk.services.grants.cases import CaseDetail
from tests.grant_fixtures import group, make_case, make_programme

# --- the workflow ---------------------------------------------------------------------------


def paths(stage: Stage = Stage.CONSULTATION, before: tuple[Stage, ...] = ()) -> Iterator[
        tuple[Stage, ...]]:
    """Every path a case can take from *stage* to an end."""
    path = (*before, stage)
    if not MOVES[stage]:
        yield path
    for target in MOVES[stage]:
        yield from paths(target, path)


def test_every_path_ends_in_an_end_and_never_turns_back() -> None:
    every = list(paths())
    assert {stage for path in every for stage in path} == set(Stage)  # all reachable
    for path in every:
        assert path[-1] in FINAL and len(set(path)) == len(path), path
        assert all(move_problem(a, b) is None for a, b in itertools.pairwise(path)), path
        main = [s for s in path if s in MAIN_LINE]
        assert main == list(MAIN_LINE[:len(main)]), path  # in order, no step skipped
    assert [p for p in every if p[-1] is Stage.PUBLISHED] == [MAIN_LINE]


@given(st.lists(st.sampled_from(Stage), max_size=40))
def test_a_case_moves_only_where_the_table_allows(attempts: list[Stage]) -> None:
    stage, seen = Stage.CONSULTATION, [Stage.CONSULTATION]
    for target in attempts:
        problem = move_problem(stage, target)
        assert (problem is None) == (target in MOVES[stage]) == (target in next_moves(stage))
        if problem is None:
            stage = target
            seen.append(stage)
        else:
            assert problem.endswith("。") and "「" in problem  # a reason, naming the stages
    assert len(seen) == len(set(seen))
    if stage in FINAL:  # an end is final: nothing moves it on
        assert all(move_problem(stage, t) for t in Stage)


# --- the money, through the services ---------------------------------------------------------

ACTOR = Actor.command_line()
BUDGET = 1_000_000
AMOUNTS = st.sampled_from([1, 50_000, 100_000, 150_000, 250_000, 400_000, 500_000, 600_000])
CASE = st.integers(0, 2)
ON = date(2026, 9, 1)
_runs = itertools.count()


class GrantMoney(RuleBasedStateMachine):
    """Officers' acts in any order on three cases of one programme (budget 1,000,000, no
    ceiling, no documents required). Each run starts from a copy of `start`: one case at
    実績報告 (decided 500,000, 100,000 paid), one at 実施 (decided 300,000), one at 採択
    (requested 500,000), so 200,000 is left."""

    start: Path

    def __init__(self) -> None:
        super().__init__()
        copy = self.start.with_name(f"run-{next(_runs)}.sqlite3")
        shutil.copyfile(self.start, copy)
        self.db = open_database(f"sqlite:///{copy}")
        self.versions = self.stored_versions()
        self.case_ids = sorted(self.versions)
        self.programme_id = grants.list_programmes(self.db, ACTOR)[0].id

    def teardown(self) -> None:
        self.db.dispose()

    def stored_versions(self) -> dict[int, int]:
        with self.db.reading(None) as session:
            return dict(session.execute(select(GrantCase.id, GrantCase.version)).all())

    def act(self, n: int, work: Callable[[int, int], CaseDetail]) -> None:
        """*work(case id, version)* on the *n*th case: its version must rise by one if the act
        is accepted, and no version may move if it is refused."""
        case_id = self.case_ids[n]
        try:
            detail: CaseDetail | None = work(case_id, self.versions[case_id])
        except UserError:
            detail = None
        expected = dict(self.versions)
        if detail is not None:
            expected[case_id] += 1
            assert detail.version == expected[case_id]
        self.versions = self.stored_versions()
        assert self.versions == expected

    def move(self, n: int, target: Stage, amount: int | None = None) -> None:
        self.act(n, lambda case_id, version: grant_cases.move_case(
            self.db, ACTOR, case_id, version, target, comment="理由",
            decided_amount=amount if target is Stage.GRANT_DECIDED else None))

    @rule(n=CASE, amount=AMOUNTS)
    def advance(self, n: int, amount: int) -> None:
        """On along the main line: 交付決定 with *amount*, 確定・支払 …"""
        stage = grant_cases.get_case(self.db, ACTOR, self.case_ids[n]).stage
        if main := [s for s in next_moves(stage) if s in MAIN_LINE]:
            self.move(n, main[0], amount)

    @rule(n=CASE, to=st.sampled_from(Stage), amount=AMOUNTS)
    def move_anywhere(self, n: int, to: Stage, amount: int) -> None:
        self.move(n, to, amount)

    @rule(n=CASE)
    def withdraw(self, n: int) -> None:
        self.move(n, Stage.WITHDRAWN)

    @rule(n=CASE, amount=AMOUNTS)
    def change_decision(self, n: int, amount: int) -> None:
        self.act(n, lambda case_id, _version: grant_cases.change_decision(
            self.db, ACTOR, case_id, amount, comment="変更"))

    @rule(n=CASE, amount=AMOUNTS, refund=st.booleans())
    def pay(self, n: int, amount: int, refund: bool) -> None:
        self.act(n, lambda case_id, _version: grant_cases.record_payment(
            self.db, ACTOR, case_id, amount, ON, refund=refund))

    @rule(n=CASE, to=st.sampled_from(Stage))
    def move_from_a_stale_copy(self, n: int, to: Stage) -> None:
        """Another counter's move, made from the case as it was one change ago."""
        case_id = self.case_ids[n]
        with pytest.raises(ConcurrentEdit):
            grant_cases.move_case(self.db, ACTOR, case_id, self.versions[case_id] - 1, to,
                                  comment="理由", decided_amount=100_000)
        assert self.stored_versions() == self.versions

    @invariant()
    def held_within_the_budget(self) -> None:
        money = grants.get_programme(self.db, ACTOR, self.programme_id).money
        assert money.committed <= money.budget == BUDGET and money.left >= 0, money

    @invariant()
    def paid_within_the_decision(self) -> None:
        with self.db.reading(None) as session:
            money = grants.case_money(session, list(self.versions)).values()
        for case in money:
            assert 0 <= case.returned <= case.paid and case.net_paid <= case.decided, case


def test_money_acts_in_any_order_keep_held_within_the_budget(template_databases,  # type: ignore[no-untyped-def]
                                                             tmp_path: Path) -> None:
    start = tmp_path / "start.sqlite3"
    shutil.copyfile(template_databases["sqlite"], start)
    db = open_database(f"sqlite:///{start}")
    programme = make_programme(db, budget=BUDGET, ceiling=0, documents=())
    reported = make_case(db, programme.id, group(db, "一の会"), requested=500_000,
                         stage=Stage.REPORTED, decided=500_000)
    grant_cases.record_payment(db, ACTOR, reported.id, 100_000, ON)
    make_case(db, programme.id, group(db, "二の会"), requested=500_000,
              stage=Stage.IN_PROGRESS, decided=300_000)
    make_case(db, programme.id, group(db, "三の会"), requested=500_000, stage=Stage.ADOPTED)
    db.dispose()

    class Run(GrantMoney):
        pass

    Run.start = start
    run_state_machine_as_test(Run, settings=settings(max_examples=25, stateful_step_count=30))
