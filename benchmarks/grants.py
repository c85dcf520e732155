"""What an officer waits for in the 交付金 tab, with several years of cases.

Fills a database with *years* fiscal years of the two demo programmes (12 cases each, walked
through the workflow by the services as an officer would), plus *extra* more cases per
programme, then times the reads the tab makes: the budget strip (list_programmes), a
programme's case list, a search, one case with its whole timeline, the screening ranking, the
deadline list and the publication list. Prints p50 / max in ms per backend.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

from kyodo_desk.database import Database, open_database
from kyodo_desk.domain.grants import Stage
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import ContactKind, GroupType
from kyodo_desk.services import grants
from kyodo_desk.services.contacts import ContactDraft, create_contact
from kyodo_desk.services.demo.grants import advance_case, load_demo_grants
from kyodo_desk.services.grants import cases as grant_cases
from kyodo_desk.services.grants import publication as grant_publication
from kyodo_desk.services.grants import screening as grant_screening

ACTOR = Actor.command_line()
EXTRA_STAGES = (Stage.SCREENING, Stage.IN_PROGRESS, Stage.PUBLISHED, Stage.CONSULTATION)


def fill(db: Database, years: int, extra: int) -> int:
    cases = 0
    this_year = 2026
    for year in range(this_year - years + 1, this_year + 1):
        cases += load_demo_grants(db, ACTOR, today=date(year, 11, 1))
        for programme in grants.list_programmes(db, ACTOR, fiscal_year=year):
            for n in range(extra):
                group = create_contact(db, ACTOR, ContactDraft(
                    kind=ContactKind.GROUP, group_type=GroupType.CIVIC_GROUP,
                    name=f"ベンチ団体{year}-{programme.id}-{n}")).id
                case = grant_cases.create_case(db, ACTOR, grant_cases.CaseDraft(
                    programme.id, group, f"ベンチ事業{n}", requested=10_000))
                stage = EXTRA_STAGES[n % len(EXTRA_STAGES)]
                if stage is not Stage.CONSULTATION:
                    advance_case(db, ACTOR, case.id, stage, decided=1_000)
                cases += 1
    return cases


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()  # warm, as a running app would be
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def measure(db: Database, label: str, years: int, extra: int, runs: int) -> None:
    start = time.perf_counter()
    count = fill(db, years, extra)
    print(f"{label}: {count} cases over {years} fiscal years, filled in "
          f"{time.perf_counter() - start:.1f} s")
    programme = grants.list_programmes(db, ACTOR, fiscal_year=2026)[0]
    published = next(c for c in grant_cases.list_cases(db, ACTOR, programme_id=programme.id)
                     if c.stage is Stage.PUBLISHED)
    reads: list[tuple[str, Callable[[], object]]] = [
        ("budget strip (every programme)", lambda: grants.list_programmes(db, ACTOR)),
        ("case list of a programme", lambda: grant_cases.list_cases(
            db, ACTOR, programme_id=programme.id)),
        ("search 「こども」 over every year", lambda: grant_cases.list_cases(db, ACTOR,
                                                                           query="こども")),
        ("one case with its timeline", lambda: grant_cases.get_case(db, ACTOR, published.id)),
        ("screening ranking", lambda: grant_screening.screening(db, ACTOR, programme.id)),
        ("deadline list", lambda: grant_cases.upcoming_deadlines(db, ACTOR)),
        ("publication list of a year", lambda: grant_publication.adopted_projects(db, ACTOR,
                                                                                  2026)),
    ]
    for name, fn in reads:
        p50, worst = timed(fn, runs)
        print(f"  {name:<34} p50 {p50:6.1f} ms  max {worst:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--extra", type=int, default=40, help="more cases per programme")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as folder:
            db = open_database(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
            try:
                measure(db, "SQLite", args.years, args.extra, args.runs)
            finally:
                db.dispose()
    if args.only != "sqlite":
        from sqlalchemy import create_engine, text

        name = f"kyodo_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            db = open_database(args.pg_url.rsplit("/", 1)[0] + f"/{name}")
            try:
                measure(db, "PostgreSQL", args.years, args.extra, args.runs)
            finally:
                db.dispose()
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
