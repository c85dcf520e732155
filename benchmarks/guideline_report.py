"""The yearly report 市民協働の推進状況 at scale (issue 20 target): 10 fiscal years of 1,000,000
consultations, 50,000 sign-ups and 2,000 grant cases, on SQLite and PostgreSQL.

Prints, per backend, median of --runs:
  (a) the report for the latest fiscal year (every direction, this year and last) — target
      under 5 s;
  (b) beside it, measured in the same run on the same database, the floor: a plain
      `SELECT count(*) FROM consultations` (every row), and the year's consultations counted
      by topic (the one GROUP BY any report of the year must do).

The records are bulk-inserted as the app stores them (database/bulk.py: COPY on PostgreSQL),
without the audit rows a counter's work would leave: people, groups with members and
representatives, consultations with one to three topics each, events of every kind with one
session and their sign-ups (出席, 受付済, 欠席, キャンセル), district plans with linked workshops,
two programmes a year and their cases. The databases are made for the run and removed after.

    python benchmarks/guideline_report.py [--consultations N] [--sign-ups N] [--cases N]
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from events import each_database

YEARS = 10
LAST_YEAR = 2026  # the fiscal year reported; the data covers the ten years up to it


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg-url", metavar="URL", default=os.environ.get("KYODO_TEST_PG_URL"))
    parser.add_argument("--consultations", type=int, default=1_000_000)
    parser.add_argument("--sign-ups", type=int, default=50_000)
    parser.add_argument("--cases", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    args = parser.parse_args()
    print(f"市民協働の推進状況: {YEARS} fiscal years, {args.consultations:,} consultations, "
          f"{args.sign_ups:,} sign-ups, {args.cases:,} cases")
    for label, url in each_database(args.pg_url, args.only, "guideline"):
        measure(label, url, args)


def measure(label: str, url: str, args: argparse.Namespace) -> None:
    from sqlalchemy import func, select

    from kyodo_desk.database import open_database
    from kyodo_desk.domain.dates import fiscal_year_range
    from kyodo_desk.domain.permissions import Actor
    from kyodo_desk.models import Consultation, ConsultationTopicLink
    from kyodo_desk.services.guideline import guideline_report

    db = open_database(url)
    start = time.perf_counter()
    fill(db, args)
    analyse(db)
    print(f"{label}: filled in {time.perf_counter() - start:.0f} s")
    actor = Actor.command_line()
    first, last = fiscal_year_range(LAST_YEAR)

    def count_all() -> object:
        with db.reading(actor) as session:
            return session.scalar(select(func.count()).select_from(Consultation))

    def by_topic() -> object:
        with db.reading(actor) as session:
            return session.execute(
                select(ConsultationTopicLink.topic_id, func.count())
                .join(Consultation, Consultation.id == ConsultationTopicLink.consultation_id)
                .where(Consultation.held_on >= first, Consultation.held_on <= last)
                .group_by(ConsultationTopicLink.topic_id)).all()

    report = guideline_report(db, actor, LAST_YEAR)  # warm: the first run reads the files
    took = timed(lambda: guideline_report(db, actor, LAST_YEAR), args.runs)
    plain = timed(count_all, args.runs)
    topics = timed(by_topic, args.runs)
    print(f"  (a) the report, {report.label} beside {report.previous_label} "
          f"({args.runs} runs): median {statistics.median(took):.2f} s, "
          f"max {max(took):.2f} s  (target < 5 s)")
    print(f"  (b) baseline: SELECT count(*) FROM consultations "
          f"{statistics.median(plain):.2f} s; the year's consultations by topic "
          f"{statistics.median(topics):.2f} s")
    first_direction = report.direction(1)
    print("  figures: " + ", ".join(f"{i.label} {i.this_year:,}"
                                    for i in first_direction.indicators if not i.part))
    db.dispose()


def timed(work: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        begin = time.perf_counter()
        work()
        out.append(time.perf_counter() - begin)
    return out


def analyse(db: Any) -> None:
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE" if db.backend.is_sqlite else "VACUUM ANALYZE")


# --- the records ------------------------------------------------------------------------------

def fill(db: Any, args: argparse.Namespace) -> None:
    from sqlalchemy import select

    from kyodo_desk.domain.permissions import Actor, Role
    from kyodo_desk.models import ConsultationTopic, Facility
    from kyodo_desk.services import accounts

    rng = random.Random(20)
    actor = Actor.command_line()
    with db.reading(None) as session:
        facilities = list(session.scalars(select(Facility.id).order_by(Facility.id)))
        topics = list(session.scalars(select(ConsultationTopic.id).order_by(ConsultationTopic.id)))
    staff = accounts.create_account(db, actor, accounts.AccountDraft(
        "bench_guideline", "計測 職員", Role.OFFICER, facilities[0], secrets.token_hex(12))).id
    people_count = max(50, args.sign_ups * 4 // 5)
    group_count = max(20, args.cases)
    people, groups = add_contacts(db, rng, people_count, group_count)
    # Half the people never consult: their first contact is an event, as 1 counts it.
    add_consultations(db, rng, args.consultations, facilities, staff, topics,
                      people[: len(people) // 2] + groups)
    events = add_events(db, rng, facilities[0], max(10, args.sign_ups // 25))
    add_sign_ups(db, rng, args.sign_ups, events, people, groups)
    add_plans(db, rng, [e for e, kind, _ in events if kind == "workshop"])
    add_cases(db, rng, args.cases, groups, facilities[0])


def years_days(rng: random.Random) -> date:
    start = date(LAST_YEAR - YEARS + 1, 4, 1)
    return start + timedelta(days=rng.randrange((date(LAST_YEAR + 1, 3, 31) - start).days + 1))


def insert(db: Any, table: Any, rows: list[dict[str, Any]], batch: int = 50_000) -> None:
    from kyodo_desk.database.bulk import bulk_insert

    for n in range(0, len(rows), batch):
        with db.engine.begin() as conn:
            bulk_insert(conn, table, rows[n:n + batch])


def next_ids(db: Any, table: Any, count: int) -> list[int]:
    from kyodo_desk.database.bulk import next_numbers

    with db.engine.begin() as conn:
        return next_numbers(conn, table, count)


def add_contacts(db: Any, rng: random.Random, people: int,
                 groups: int) -> tuple[list[int], list[int]]:
    from kyodo_desk.models import Contact, Membership

    table = Contact.__table__
    person_ids = next_ids(db, table, people)
    insert(db, table, [{"id": i, "kind": "person", "name": f"計測 {i}", "sort_key": "",
                        "search_text": "", "search_grams": "", "version": 1,
                        "registered_on": years_days(rng)} for i in person_ids])
    group_ids = next_ids(db, table, groups)
    types = ("civic_group", "civic_group", "npo", "company", "community_org", "other")
    insert(db, table, [{"id": i, "kind": "group", "name": f"計測団体 {i}", "sort_key": "",
                        "search_text": "", "search_grams": "", "version": 1,
                        "group_type": rng.choice(types), "registered_on": years_days(rng),
                        "representative_id": rng.choice(person_ids)} for i in group_ids])
    pairs = {(rng.choice(person_ids), rng.choice(group_ids)) for _ in range(groups * 3)}
    insert(db, Membership.__table__, [{"person_id": p, "group_id": g, "role": ""}
                                      for p, g in sorted(pairs)])
    return person_ids, group_ids


def add_consultations(db: Any, rng: random.Random, count: int, facilities: list[int],
                      staff: int, topics: list[int], consultees: list[int]) -> None:
    from kyodo_desk.models import Consultation, ConsultationTopicLink

    step = 100_000
    for start in range(0, count, step):
        n = min(step, count - start)
        ids = next_ids(db, Consultation.__table__, n)
        rows, links = [], []
        for cid in ids:
            named = rng.random() < 0.6
            rows.append({"id": cid, "held_on": years_days(rng),
                         "facility_id": rng.choice(facilities), "staff_account_id": staff,
                         "consultee_contact_id": rng.choice(consultees) if named else None,
                         "anonymous": not named, "channel": "visit", "asked": "相談",
                         "status": "done", "returning_consultee": named or None,
                         "sort_key": "", "search_text": "", "search_grams": "", "version": 1})
            links += [{"consultation_id": cid, "topic_id": t}
                      for t in rng.sample(topics, rng.choice((1, 1, 1, 2, 3)))]
        insert(db, Consultation.__table__, rows)
        insert(db, ConsultationTopicLink.__table__, links)


def add_events(db: Any, rng: random.Random, facility: int,
               count: int) -> list[tuple[int, str, bool]]:
    from kyodo_desk.models import Event, EventSession

    kinds = ("seminar", "tsumugist", "meeting", "festa", "center_festival", "workshop",
             "other")
    ids = next_ids(db, Event.__table__, count)
    made = [(i, rng.choice(kinds)) for i in ids]
    insert(db, Event.__table__, [
        {"id": i, "kind": kind, "title": f"計測イベント {i}", "facility_id": facility,
         "queue_rule": "strict", "has_booths": kind == "festa", "cancelled": rng.random() < 0.02,
         "sort_key": "", "search_text": "", "search_grams": "", "version": 1}
        for i, kind in made])
    insert(db, EventSession.__table__, [{"event_id": i, "held_on": years_days(rng)}
                                        for i, _ in made])
    return [(i, kind, kind == "festa") for i, kind in made]


def add_sign_ups(db: Any, rng: random.Random, count: int, events: list[tuple[int, str, bool]],
                 people: list[int], groups: list[int]) -> None:
    from kyodo_desk.models import Registration

    statuses = ("attended",) * 6 + ("confirmed",) * 2 + ("no_show", "cancelled")
    queue: dict[int, int] = {}
    rows = []
    for _ in range(count):
        event, _kind, booths = rng.choice(events)
        queue[event] = queue.get(event, 0) + 1
        who = rng.choice(groups) if booths and rng.random() < 0.7 else rng.choice(people)
        rows.append({"event_id": event, "contact_id": who, "party_size": rng.choice((1, 1, 2)),
                     "status": rng.choice(statuses), "queue_number": queue[event],
                     "token": secrets.token_urlsafe(12), "version": 1})
    insert(db, Registration.__table__, rows)


def add_plans(db: Any, rng: random.Random, workshops: list[int]) -> None:
    from kyodo_desk.domain.labels import DISTRICTS
    from kyodo_desk.domain.permissions import Actor
    from kyodo_desk.models import PlanWorkshop
    from kyodo_desk.services.plans import PlanDraft, create_plan

    actor = Actor.command_line()
    plans = [create_plan(db, actor, PlanDraft(d, f"{d}地域まちづくり計画",
                                              LAST_YEAR - YEARS + 1, LAST_YEAR)).id
             for d in DISTRICTS]
    insert(db, PlanWorkshop.__table__, [{"plan_id": rng.choice(plans), "event_id": e}
                                        for e in workshops])


def add_cases(db: Any, rng: random.Random, count: int, groups: list[int],
              facility: int) -> None:
    from kyodo_desk.domain.grants import Stage
    from kyodo_desk.domain.permissions import Actor
    from kyodo_desk.models import GrantCase, GrantCaseMove
    from kyodo_desk.services.demo.grants import community_programme, support_programme
    from kyodo_desk.services.grants import create_programme

    actor = Actor.command_line()
    programmes = [create_programme(db, actor, make(year, facility)).id
                  for year in range(LAST_YEAR - YEARS + 1, LAST_YEAR + 1)
                  for make in (support_programme, community_programme)]
    ids = next_ids(db, GrantCase.__table__, count)
    stages = [s.value for s in Stage]
    rows, moves = [], []
    moment = datetime(LAST_YEAR, 4, 10, tzinfo=UTC)
    for cid in ids:
        stage = rng.choice(stages)
        rows.append({"id": cid, "programme_id": rng.choice(programmes),
                     "contact_id": rng.choice(groups), "title": f"事業 {cid}",
                     "title_key": f"事業 {cid}", "department": rng.choice(("", "文化振興課",
                                                                          "福祉総務課")),
                     "stage": stage, "decided": 300_000 if stage not in ("consultation",
                                                                         "application") else 0,
                     "sort_key": "", "search_text": "", "search_grams": "", "version": 1})
        if stage != "consultation":
            moves.append({"case_id": cid, "from_stage": "consultation",
                          "to_stage": "application", "moved_at": moment, "moved_by": "計測"})
    insert(db, GrantCase.__table__, rows)
    insert(db, GrantCaseMove.__table__, moves)


if __name__ == "__main__":
    main()
