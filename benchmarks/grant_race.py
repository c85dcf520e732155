"""Grant officers acting at once on one programme (issue 14: held ≤ budget, one lock order).

Each officer is a process with its own connection. They start together at a barrier, and each
makes *acts* acts on cases of the one programme, picked at random (seeded): what the case's
stage invites — 交付決定, 変更交付決定, 支払, 返還, the next step, 確定・支払, 取下げ — and, as
at a busy counter, now and then something it no longer allows (a payment after 確定・支払).
They call the services the 交付金 tab calls, so a deadlock or serialization failure is retried
once as in the app. After every accepted act the officer reads the programme back and checks
the invariants; the script checks them once more at the end.

Prints, per backend: acts tried, accepted, refused (by reason), invariant violations (must be
0: held ≤ budget, and for every case 0 ≤ returned ≤ paid, paid − returned ≤ decided),
unexpected errors (must be 0), Contention retries (and what still collided after the retry),
elapsed time and acts per second.

It makes its own databases (a temporary SQLite file; a PostgreSQL database named
kyodo_bench_events_<random>, made and dropped by events.py's helpers) and never touches the
user's data.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import random
import re
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from events import each_database
from kyodo_desk.domain.grants import FINAL, MAIN_LINE, Stage, next_moves
from kyodo_desk.domain.permissions import Actor

PAID_ON = date(2026, 9, 1)
REQUESTED = 300_000
AMOUNTS = (50_000, 100_000, 200_000, 300_000)
OPEN_PICKS = 0.9  # an officer mostly works on cases still under way
RUNNING = frozenset({Stage.GRANT_DECIDED, Stage.IN_PROGRESS, Stage.REPORTED})
ACTOR = Actor.command_line()


# --- the programme -------------------------------------------------------------------------

def add_programme(url: str, cases: int) -> tuple[int, list[int], int]:
    """A programme whose budget covers a quarter of what its *cases* ask for, every case
    waiting at 採択 (no documents required: the race is about money and locks). Returns
    (programme id, case ids, budget)."""
    from kyodo_desk.database import open_database
    from kyodo_desk.models import ContactKind, GroupType
    from kyodo_desk.services.contacts import ContactDraft, create_contact
    from kyodo_desk.services.demo.grants import advance_case, support_programme
    from kyodo_desk.services.grants import cases as grant_cases
    from kyodo_desk.services.grants import create_programme

    budget = cases * REQUESTED // 4
    db = open_database(url)
    programme = create_programme(db, ACTOR, replace(
        support_programme(2026), budget=budget, ceiling=0, documents=()))
    ids = []
    for n in range(cases):
        group = create_contact(db, ACTOR, ContactDraft(
            kind=ContactKind.GROUP, group_type=GroupType.CIVIC_GROUP, name=f"競合団体{n:03d}")).id
        case = grant_cases.create_case(db, ACTOR, grant_cases.CaseDraft(
            programme.id, group, f"競合事業{n:03d}", requested=REQUESTED))
        ids.append(advance_case(db, ACTOR, case.id, Stage.ADOPTED).id)
    db.dispose()
    return programme.id, ids, budget


def broken(db, programme_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    """The invariants the programme breaks as it now stands (none, always)."""
    from kyodo_desk.services import grants
    from kyodo_desk.services.grants import cases as grant_cases

    money = grants.get_programme(db, ACTOR, programme_id).money
    problems = [f"held {money.committed:,} > budget {money.budget:,}"] \
        if money.committed > money.budget else []
    for case in grant_cases.list_cases(db, ACTOR, programme_id=programme_id):
        m = case.money
        if not (0 <= m.returned <= m.paid and m.net_paid <= m.decided):
            problems.append(f"case {case.id}: paid {m.paid:,} returned {m.returned:,} "
                            f"decided {m.decided:,}")
    return problems


# --- one officer ---------------------------------------------------------------------------

def choose(rng: random.Random, db, case) -> tuple[str, Callable[[], object]]:  # type: ignore[no-untyped-def]
    """An act on *case* as read a moment ago: mostly what its stage invites, now and then
    what it no longer allows (a payment after 確定・支払, a decision refused for the budget)."""
    from kyodo_desk.services.grants import cases as grant_cases

    def move(target: Stage, amount: int | None = None) -> Callable[[], object]:
        return lambda: grant_cases.move_case(db, ACTOR, case.id, case.version, target,
                                             comment="計測", decided_amount=amount)

    stage, money, amount = case.stage, case.money, rng.choice(AMOUNTS)
    running = stage in RUNNING
    onward = [s for s in next_moves(stage) if s in MAIN_LINE]
    acts: dict[str, tuple[float, Callable[[], object]]] = {  # name: (weight, act)
        "支払": (3 if running else 0.5, lambda: grant_cases.record_payment(
            db, ACTOR, case.id, rng.choice((max(money.decided - money.net_paid, 1), amount)),
            PAID_ON)),
        "返還": (1 if money.net_paid and not running else 0.3, lambda: grant_cases.record_payment(
            db, ACTOR, case.id, rng.choice((1, amount)), PAID_ON, refund=True)),
        "取下げ": (0.3, move(Stage.WITHDRAWN)),
    }
    if stage is Stage.ADOPTED:
        acts["交付決定"] = (8, move(Stage.GRANT_DECIDED, amount))
    elif onward:
        acts["確定・支払" if onward[0] is Stage.SETTLED else "次の段階へ"] = (2, move(onward[0]))
    if running:
        acts["変更交付決定"] = (1.5, lambda: grant_cases.change_decision(
            db, ACTOR, case.id, amount, comment="計測"))
    names = list(acts)
    name = rng.choices(names, weights=[acts[n][0] for n in names])[0]
    return name, acts[name][1]


def reason(exc: BaseException) -> str:
    """A refusal's kind: its class and first sentence, amounts left out."""
    from kyodo_desk.domain.errors import UserError

    text = exc.message if isinstance(exc, UserError) else str(exc)
    text = re.sub(r"\d[\d,]*円", "N円", text.split("。")[0])
    return f"{type(exc).__name__}: {text[:60]}"


class RetryCount(logging.Handler):
    """Counts the app's retries after a deadlock or serialization failure (retry_on_contention
    logs each one)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "retrying once" in record.getMessage():
            self.count += 1


@dataclass
class OfficerReport:
    tally: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (outcome, act, why)
    violations: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    retries: int = 0
    started: float = 0.0
    finished: float = 0.0


def officer(url: str, number: int, programme_id: int, case_ids: list[int], acts: int,
            barrier: Any, out: Any) -> None:
    from kyodo_desk.database import open_database
    from kyodo_desk.domain.errors import UserError
    from kyodo_desk.services.grants import cases as grant_cases

    report = OfficerReport()
    retries = RetryCount()
    core_log = logging.getLogger("kyodo_desk.database.core")
    core_log.addHandler(retries)
    core_log.setLevel(logging.INFO)
    rng = random.Random(number)
    try:
        db = open_database(url)
        grant_cases.get_case(db, ACTOR, case_ids[0])  # connected before the race
        barrier.wait(timeout=300)
        report.started = time.time()
        ended: set[int] = set()  # as this officer last saw them
        for _ in range(acts):
            name = "読込"
            under_way = [i for i in case_ids if i not in ended]
            picks = under_way if under_way and rng.random() < OPEN_PICKS else case_ids
            try:
                case = grant_cases.get_case(db, ACTOR, rng.choice(picks))
                if case.stage in FINAL:
                    ended.add(case.id)
                name, act = choose(rng, db, case)
                act()
                report.tally["accepted", name, ""] += 1
                report.violations += broken(db, programme_id)
            except UserError as exc:
                report.tally["refused", name, reason(exc)] += 1
            except Exception:
                report.errors.append(traceback.format_exc())
        report.finished = time.time()
        db.dispose()
    except BaseException:
        report.errors.append(traceback.format_exc())
    report.retries = retries.count
    out.put(report)


# --- the race ------------------------------------------------------------------------------

def race(label: str, url: str, officers: int, acts: int, cases: int) -> None:
    from kyodo_desk.database import open_database
    from kyodo_desk.services import grants

    programme_id, case_ids, budget = add_programme(url, cases)
    context = multiprocessing.get_context("spawn")
    barrier, out = context.Barrier(officers), context.Queue()
    processes = [context.Process(target=officer, args=(url, n, programme_id, case_ids, acts,
                                                       barrier, out))
                 for n in range(officers)]
    for p in processes:
        p.start()
    reports: list[OfficerReport] = [out.get(timeout=1800) for _ in processes]
    for p in processes:
        p.join()

    db = open_database(url)
    final = broken(db, programme_id)
    money = grants.get_programme(db, ACTOR, programme_id).money
    db.dispose()
    tally: Counter[tuple[str, str, str]] = sum((r.tally for r in reports), Counter())
    violations = [v for r in reports for v in r.violations] + final
    errors = [e for r in reports for e in r.errors]
    accepted = sum(n for (outcome, _, _), n in tally.items() if outcome == "accepted")
    refused = sum(n for (outcome, _, _), n in tally.items() if outcome == "refused")
    collided = sum(n for (outcome, _, why), n in tally.items()
                   if outcome == "refused" and why.startswith("Contention"))
    elapsed = max(r.finished for r in reports) - min(r.started for r in reports)
    tried = officers * acts

    print(f"{label}: {officers} officer processes × {acts} acts on one programme of {cases} "
          f"cases (budget {budget:,}円)")
    print(f"  acts tried {tried:,}: accepted {accepted:,}, refused {refused:,}, "
          f"unexpected errors: {len(errors)} (must be 0)")
    print("  accepted by act: " + "、".join(
        f"{act} {n:,}" for (outcome, act, _), n in tally.most_common() if outcome == "accepted"))
    print("  refused by reason:")
    for (outcome, act, why), n in tally.most_common():
        if outcome == "refused":
            print(f"    {n:6,}  {act}: {why}")
    print(f"  invariant violations: {len(violations)} (must be 0: held ≤ budget, "
          f"0 ≤ returned ≤ paid, paid − returned ≤ decided; checked after each accepted act "
          f"and at the end)")
    for line in violations[:5]:
        print(f"    {line}")
    for line in errors[:3]:
        print("    " + line.rstrip().replace("\n", "\n    "))
    print(f"  Contention retries: {sum(r.retries for r in reports)} retried once by the app, "
          f"{collided} still colliding after the retry")
    print(f"  at the end: {money.label()}")
    print(f"  elapsed {elapsed:.2f} s ({tried / elapsed:.0f} acts/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg-url", metavar="URL", default=os.environ.get("KYODO_TEST_PG_URL"),
                        help="PostgreSQL server URL whose user may create databases "
                             "(default: $KYODO_TEST_PG_URL)")
    parser.add_argument("--officers", type=int, default=8, help="officer processes")
    parser.add_argument("--acts", type=int, default=200, help="acts per officer")
    parser.add_argument("--cases", type=int, default=40, help="cases of the programme")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 3 officers × 15 acts on 6 cases")
    parser.add_argument("--only", choices=("sqlite", "postgresql"),
                        help="measure one backend only")
    args = parser.parse_args()
    if args.quick:
        args.officers, args.acts, args.cases = 3, 15, 6

    for label, url in each_database(args.pg_url, args.only, "grants"):
        race(label, url, args.officers, args.acts, args.cases)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
