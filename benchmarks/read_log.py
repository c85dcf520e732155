"""What the audit row of a read (services/read_log.py) adds to a page of a list.

Fills a database with made-up contacts and consultations (the demo services), then times,
alternately and many times over, a first page of the contact list, a search of it, a page 2,
and a first page of the consultation list — each with its audit row ("after") and, as the
baseline in the same run on the same database, the same read with the row's write left out
("before"). Prints p50 and p90 in ms per backend and what the row adds.

    .venv/bin/python benchmarks/read_log.py [--contacts 20000] [--consultations 20000]
                                            [--runs 40] [--only sqlite|postgresql]
                                            [--pg-url postgresql://postgres@127.0.0.1/postgres]

The databases are its own (a temporary SQLite file; a PostgreSQL database
`kyodo_bench_read_log_<random>`, dropped afterwards).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from events import each_database
from kyodo_desk.database import Database, open_database
from kyodo_desk.domain.permissions import Actor, Role
from kyodo_desk.services import accounts
from kyodo_desk.services import contacts as contact_svc
from kyodo_desk.services.consultations import listing
from kyodo_desk.services.demo import add_demo_consultations, add_demo_contacts

CLI = Actor.command_line()
# The modules that call the log, each holding its own name for it.
_CALLERS = (contact_svc, listing)


@contextmanager
def unlogged() -> Iterator[None]:
    """The reads as they were before the row: the log's write left out."""
    saved = [(module, module.log_read) for module in _CALLERS]

    def nothing(*_args: Any, **_kwargs: Any) -> None:
        return None

    for module, _ in saved:
        module.log_read = nothing
    try:
        yield
    finally:
        for module, original in saved:
            module.log_read = original


def officer(db: Database) -> Actor:
    """A collaboration officer: reads every facility's consultations (the command line's
    administrator only counts them, and a count-only page names no one: no row)."""
    central = next(f.id for f in contact_svc.list_facilities(db, CLI) if f.code == "central")
    info = accounts.create_account(db, CLI, accounts.AccountDraft(
        login="bench_reader", display_name="協働 計測", role=Role.OFFICER,
        facility_id=central, password="kyodo-bench-pass"))
    return Actor(info.id, info.login, info.display_name, info.role, info.facility_id)


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def pages(db: Database, actor: Actor) -> dict[str, Callable[[], Any]]:
    first = contact_svc.search_contacts(db, actor)
    return {
        "contact list, first page (200)": lambda: contact_svc.search_contacts(db, actor),
        "contact list, page 2": lambda: contact_svc.search_contacts(db, actor,
                                                                    after=first.next_key),
        "contact search 「山」, first page": lambda: contact_svc.search_contacts(db, actor,
                                                                               "山"),
        "consultation list, first page (100)": lambda: listing.list_consultations(db, actor),
    }


def measure(label: str, url: str, args: argparse.Namespace) -> None:
    db = open_database(url)
    try:
        start = time.perf_counter()
        add_demo_contacts(db, CLI, args.contacts)
        add_demo_consultations(db, CLI, args.consultations)
        print(f"{label}: filled {args.contacts:,} contacts and {args.consultations:,} "
              f"consultations in {time.perf_counter() - start:.1f} s")
        for name, read in pages(db, officer(db)).items():
            read()  # warm, as the running app is
            with unlogged():
                read()
            before, after = [], []
            for _ in range(args.runs):  # alternated: a drift of the machine hits both alike
                with unlogged():
                    before.append(timed(read))
                after.append(timed(read))
            p50b, p50a = statistics.median(before), statistics.median(after)
            p90b, p90a = (statistics.quantiles(f, n=10)[-1] for f in (before, after))
            print(f"  {name:<38} before p50 {p50b:6.2f} ms p90 {p90b:6.2f}  |  "
                  f"with its row p50 {p50a:6.2f} ms p90 {p90a:6.2f}  "
                  f"(+{p50a - p50b:.2f} ms)")
    finally:
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--consultations", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=40, help="reads timed each way")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--pg-url", metavar="URL", default=os.environ.get("KYODO_TEST_PG_URL"),
                        help="a PostgreSQL server URL whose user may create databases")
    args = parser.parse_args()
    for label, url in each_database(args.pg_url, args.only, "read_log"):
        measure(label, url, args)


if __name__ == "__main__":
    main()
