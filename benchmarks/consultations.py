"""The consultation log at scale (issue 5 targets): 1,000,000 records on SQLite and PostgreSQL.

Prints, per backend:
  (1) the list's first page (100 rows, newest first), as an officer (all facilities) and as
      the salon's advisor (one facility), median and p95 of 20 — target < 100 ms;
  (2) search-as-you-type over asked/answered/referral/consultee: every keystroke of the typed
      queries as the tab runs it (first page), p50 / p95 / max — target p95 < 100 ms — beside
      the naive `LIKE '%…%'` scan of the same columns for the same keystrokes, as a ratio;
  (3) the fiscal-year statistics (分野×施設×月, 相談方法, 新規・継続) — target < 1 s;
  (4) the app's peak memory while the 相談記録 tab scrolls the whole list from top to bottom
      (a separate process, offscreen Qt) — target < 400 MB;
  (5) deep pages (issue 14): in every order of the list (相談日 newest and oldest first, 施設,
      期限), as the officer and as the salon's advisor, the first page and a page deep in the
      list (after --depth rows, or as deep as the advisor's records go), median of 9 — beside,
      measured in the same run, the ids of that same page read by one plain row-comparison
      query, `(held_on, id) < (…)` (the floor), and by the OR chain the list used before
      (`held_on < … OR (held_on = … AND id < …)`). Target: every page costs what the first does.

The generated database is kept between runs (--keep FOLDER for SQLite; PostgreSQL keeps a
database named after the count), since filling a million records takes minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

TODAY = date(2026, 11, 24)
PAGE = 100
# What advisors type: topics, procedures, a consultee's name in kana and kanji, signs.
TYPED = ["広報", "ＮＰＯ法人", "交付金の申請", "さとう", "会場", "定款", "ボランティア募集",
         "子ども食堂", "町内会", "xyz"]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


# --- databases -----------------------------------------------------------------------------

def prepared(url: str, count: int):  # type: ignore[no-untyped-def]
    """The database at *url*, filled with *count* demo consultations unless it already is."""
    from sqlalchemy import func, select

    from kyodo_desk.database import open_database
    from kyodo_desk.domain.permissions import Actor
    from kyodo_desk.models import Consultation
    from kyodo_desk.services.demo import add_demo_consultations

    db = open_database(url)
    with db.reading(None) as session:
        have = session.scalar(select(func.count()).select_from(Consultation)) or 0
    if have < count:
        start = time.perf_counter()
        step = max(count // 10, 1)

        def progress(done: int, total: int) -> None:
            if done % step < 5000 or done == total:
                print(f"    {done:,} / {total:,}  {time.perf_counter() - start:.0f} s",
                      flush=True)

        add_demo_consultations(db, Actor.command_line(), count - have, today=TODAY,
                               progress=progress)
        analyse(db)
        print(f"  generated {count - have:,} consultations in "
              f"{time.perf_counter() - start:.0f} s")
    return db


def analyse(db) -> None:  # type: ignore[no-untyped-def]
    """Statistics as a settled database has them (autovacuum / ANALYZE run by then)."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if db.backend.is_sqlite:
            conn.exec_driver_sql("ANALYZE")
        else:
            conn.exec_driver_sql("VACUUM ANALYZE")


def postgres_url(server: str, count: int) -> str:
    import psycopg
    from sqlalchemy import make_url

    name = f"kyodo_bench_consultations_{count}"
    admin = make_url(server).set(drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' "
                         "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
    return admin.set(drivername="postgresql+psycopg", database=name).render_as_string(
        hide_password=False)


# --- measurements --------------------------------------------------------------------------

def actors(db):  # type: ignore[no-untyped-def]
    from kyodo_desk.domain.permissions import Actor, Role
    from kyodo_desk.services.contacts import list_facilities

    salon = next(f.id for f in list_facilities(db, Actor.system()) if f.kind == "salon")
    officer = Actor(None, "bench_officer", "協働担当（計測）", Role.OFFICER, None)
    advisor = Actor(None, "bench_advisor", "アドバイザー（計測）", Role.ADVISOR, salon)
    return officer, advisor


def measure(db, label: str, url: str, scroll_step: int, depth: int,  # type: ignore[no-untyped-def]
            sections: set[int]) -> None:
    from kyodo_desk.services.consultations.listing import count_consultations

    officer, advisor = actors(db)
    total = count_consultations(db, officer)
    print(f"{label}: {total:,} consultations")
    if 1 in sections:
        first_pages(db, officer, advisor)
    if 2 in sections:
        keystrokes(db, officer)
    if 3 in sections:
        statistics_of_a_year(db, officer, advisor)
    if 4 in sections:
        scrolled(url, scroll_step)
    if 5 in sections:
        deep_pages(db, officer, advisor, depth)


def first_pages(db, officer, advisor) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.services.consultations.listing import list_consultations

    for who, actor in (("officer, all facilities", officer), ("advisor, the salon", advisor)):
        list_consultations(db, actor, limit=PAGE)  # warm, as the running app is
        runs = timed(lambda actor=actor: list_consultations(db, actor, limit=PAGE), 20)
        print(f"  (1) first page, {who}: median {ms(statistics.median(runs))}, "
              f"p95 {ms(p95(runs))}  (target < 100 ms)")


def keystrokes(db, officer) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.services.consultations.listing import ConsultationFilter, list_consultations

    ours: list[tuple[float, str]] = []
    naive: list[float] = []
    for text in TYPED:
        for end in range(1, len(text) + 1):
            query = text[:end]
            where = ConsultationFilter(text=query)
            runs = sorted(timed(lambda where=where: list_consultations(
                db, officer, where, limit=PAGE), 3))
            ours.append((runs[1], query))
            naive.append(statistics.median(timed(lambda q=query: like_scan(db, q), 1)))
    ours.sort()
    times = [t for t, _ in ours]
    slowest = ", ".join(f"{q!r} {t * 1000:.0f}" for t, q in reversed(ours[-4:]))
    print(f"  (2) search keystrokes ({len(times)}): p50 {ms(statistics.median(times))}, "
          f"p95 {ms(p95(times))}, max {ms(times[-1])}  (target p95 < 100 ms)")
    print(f"      slowest (ms): {slowest}")
    print(f"      naive LIKE '%…%' scan of the same keystrokes: p50 "
          f"{ms(statistics.median(naive))}, p95 {ms(p95(naive))}; ratio naive/ours at p95 "
          f"{p95(naive) / p95(times):.1f}x, at p50 "
          f"{statistics.median(naive) / statistics.median(times):.1f}x")


def statistics_of_a_year(db, officer, advisor) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.domain.dates import fiscal_year_of
    from kyodo_desk.services.consultations.stats import fiscal_year_statistics

    year = fiscal_year_of(TODAY)
    for who, actor in (("officer", officer), ("advisor", advisor)):
        runs = timed(lambda actor=actor: fiscal_year_statistics(db, actor, year), 3)
        print(f"  (3) fiscal-year statistics {year}, {who}: median "
              f"{ms(statistics.median(runs))}, max {ms(max(runs))}  (target < 1 s)")


def scrolled(url: str, scroll_step: int) -> None:
    scroll = subprocess.run([sys.executable, __file__, "--scroll-child", url,
                             "--scroll-step", str(scroll_step)],
                            capture_output=True, text=True, check=True)
    figures = json.loads(scroll.stdout.strip().splitlines()[-1])
    print(f"  (4) scrolled {figures['rows']:,} rows ({figures['blocks']:,} blocks read) in "
          f"{figures['seconds']:.0f} s: peak memory {figures['peak_mb']:.0f} MB, rows held "
          f"at the end {figures['held']:,}  (target < 400 MB)")


def deep_pages(db, officer, advisor, depth: int) -> None:  # type: ignore[no-untyped-def]
    """(5): the first page and one *depth* rows in, in every order, beside the floor."""
    from kyodo_desk.services.consultations.listing import (
        ConsultationSort,
        count_consultations,
        list_consultations,
    )

    runs = 9
    for who, actor in (("officer, all facilities", officer), ("advisor, the salon", advisor)):
        deepest = count_consultations(db, actor) - PAGE
        at = min(depth, deepest)
        print(f"  (5) deep pages, {who}: first page and the page after row {at:,}")
        for sort in ConsultationSort:
            # The key of row *at*: a one-row page that far in (by offset, once).
            key = list_consultations(db, actor, sort=sort, offset=at - 1, limit=1).next_key
            page = list_consultations(db, actor, sort=sort, after=key)  # warm, as the app is
            first = timed(lambda a=actor, s=sort: list_consultations(db, a, sort=s), runs)
            deep = timed(lambda a=actor, s=sort, k=key: list_consultations(db, a, sort=s,
                                                                           after=k), runs)
            plain, chain = page_queries(sort, key, actor.facility_id)
            floor = timed(lambda q=plain: ids_of(db, q), runs)
            before = timed(lambda q=chain: ids_of(db, q), 3)
            assert ids_of(db, plain) == [r.id for r in page.rows], sort  # the same page
            print(f"      {sort.value:9s}  first {ms(statistics.median(first)):>9s}  "
                  f"deep {ms(statistics.median(deep)):>9s}  | same page's ids: row comparison "
                  f"{ms(statistics.median(floor)):>8s}, OR chain (before) "
                  f"{ms(statistics.median(before)):>9s}")


def page_queries(sort, key, facility_id):  # type: ignore[no-untyped-def]
    """The page after *key* as one hand-written query: by row comparison, and by OR chain."""
    from sqlalchemy import and_, or_, select, tuple_

    from kyodo_desk.models import Consultation as C
    from kyodo_desk.services.consultations.listing import ConsultationSort

    by_date = (C.held_on, C.id)
    where = [] if facility_id is None else [C.facility_id == facility_id]
    if sort is ConsultationSort.FACILITY:  # within the key's facility (the next ones follow)
        where.append(C.facility_id == key[0])
        key = key[1:]
    if sort is ConsultationSort.FOLLOW_UP:
        if key[0] is None:  # among the records without a follow-up, by date
            where.append(C.follow_up_due.is_(None))
            key = key[1:]
        else:
            by_date = (C.follow_up_due, C.held_on, C.id)
            where.append(C.follow_up_due.is_not(None))
    newest = sort in (ConsultationSort.NEWEST, ConsultationSort.FACILITY)
    columns = by_date[-len(key):]
    row = tuple_(*columns) < tuple(key) if newest else tuple_(*columns) > tuple(key)
    chain = None
    for col, value in reversed(list(zip(columns, key, strict=True))):
        past = col < value if newest else col > value
        chain = past if chain is None else or_(past, and_(col == value, chain))
    order = [c.desc() if newest else c.asc() for c in columns]
    base = select(C.id).order_by(*order).limit(PAGE)
    return base.where(*where, row), base.where(*where, chain)


def ids_of(db, query) -> list[int]:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        return list(session.scalars(query))


def like_scan(db, query: str) -> None:  # type: ignore[no-untyped-def]
    """What a first version would do: LIKE over the raw columns, no folding, no index."""
    from sqlalchemy import or_, select

    from kyodo_desk.models import Consultation, Contact

    pattern = f"%{query}%"
    with db.reading(None) as session:
        session.execute(
            select(Consultation.id)
            .outerjoin(Contact, Contact.id == Consultation.consultee_contact_id)
            .where(or_(Consultation.asked.like(pattern), Consultation.answered.like(pattern),
                       Consultation.referral.like(pattern), Contact.name.like(pattern)))
            .order_by(Consultation.held_on.desc(), Consultation.id.desc()).limit(PAGE)
        ).all()


# --- the scrolling app (child process) -----------------------------------------------------

def scroll_child(url: str, step: int) -> None:
    """Open the 相談記録 tab and scroll it to the end as a user dragging down would."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QTimer

    from kyodo_desk.database import open_database
    from kyodo_desk.ui.app import application
    from kyodo_desk.ui.consultations.tab import ConsultationsTab
    from kyodo_desk.ui.windowed import LOADING

    application()
    db = open_database(url)
    officer, _ = actors(db)
    tab = ConsultationsTab(db, officer)
    tab.resize(1280, 800)
    tab.show()

    def settle(until: Callable[[], bool], limit: float = 60.0) -> None:
        deadline = time.monotonic() + limit
        while not until():
            if time.monotonic() > deadline:
                raise TimeoutError("the list did not load")
            # An event loop, as the app runs: it lets the worker threads take the GIL, which
            # QTest.qWait does not.
            loop = QEventLoop()
            QTimer.singleShot(5, loop.quit)
            loop.exec()

    start = time.perf_counter()
    tab.refresh()
    model = tab.model
    settle(lambda: model.total > PAGE)  # the first page, then the count
    total, blocks, row = model.total, 0, 0
    while row < total:
        tab.table.scrollTo(model.index(row, 0))
        settle(lambda row=row: model.data(model.index(row, 0)) != LOADING)
        blocks += 1
        row += model.block_size * step
    last = total - 1
    tab.table.scrollTo(model.index(last, 0))
    settle(lambda: model.data(model.index(last, 0)) != LOADING)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"rows": total, "blocks": blocks, "seconds": time.perf_counter() - start,
                      "peak_mb": peak_kb / 1024, "held": model.loaded_rows()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--pg", metavar="URL", help="PostgreSQL server URL")
    parser.add_argument("--keep", metavar="FOLDER", default="benchmarks/.data",
                        help="where the generated SQLite database is kept between runs")
    parser.add_argument("--scroll-step", type=int, default=1,
                        help="read every Nth block while scrolling (1 = every block)")
    parser.add_argument("--only", choices=("sqlite", "postgresql"),
                        help="measure one backend only")
    parser.add_argument("--depth", type=int, default=900_000,
                        help="(5): how many rows in the deep page starts")
    parser.add_argument("--sections", default="1,2,3,4,5",
                        help="which of the figures (1)–(5) to measure, e.g. 1,5")
    parser.add_argument("--scroll-child", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scroll_child:
        scroll_child(args.scroll_child, args.scroll_step)
        return
    folder = Path(args.keep)
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("KYODO_DATA_DIR", str(folder / "data"))
    os.environ.setdefault("KYODO_CONFIG_DIR", str(folder / "config"))
    sqlite_url = f"sqlite:///{(folder / f'consultations-{args.count}.sqlite3').resolve()}"
    urls = [] if args.only == "postgresql" else [("SQLite", sqlite_url)]
    if args.pg and args.only != "sqlite":
        urls.append(("PostgreSQL", postgres_url(args.pg, args.count)))
    for label, url in urls:
        print(f"{label}: preparing {args.count:,} consultations…", flush=True)
        db = prepared(url, args.count)
        measure(db, label, url, args.scroll_step, args.depth,
                {int(n) for n in args.sections.split(",")})
        db.dispose()


if __name__ == "__main__":
    main()
