"""Search-as-you-type over 100,000 (or 1,000,000) contacts, on SQLite and PostgreSQL.

Each query is typed one character at a time; every keystroke runs what the lookup tab runs
(facilities + the first page of contacts) and is timed, median of three. Prints, per backend:
  (1) p50 / p95 / max of every keystroke, and per kind of query (reading, name, address,
      phone, e-mail, …, words found nowhere) — target p95 < 30 ms at 100,000, < 50 ms at
      1,000,000;
  (2) beside them, measured in the same run on the same keystrokes: an FTS5 trigram index
      (SQLite's contacts_fts_trigram; on PostgreSQL a pg_trgm GIN index made for the
      benchmark when the extension is there), first 200 matches in no order — it cannot
      answer one or two characters — and a LIKE '%…%' scan in list order (the naive search);
  (3) the first page of the second band (matches inside a name or elsewhere, after those
      beginning with the words), as the list asks when it is scrolled past the first band;
  (4) the true count beside the list (count_contacts) for each typed word and for single
      characters, which the tab asks after the first page.

The databases are filled once and kept (demo contacts: 20 surnames, 12 given names, 12 towns,
9 activities, so every word is very common or absent): SQLite under --keep (default
/tmp/kyodo-bench-search), PostgreSQL as the database kyodo_bench_search_<count>. Filling a
million takes ~10 minutes on SQLite and ~15 on PostgreSQL; drop them when done
(--drop drops the PostgreSQL one after the run).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, make_url, select, text

from kyodo_desk.database import Database, open_database
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.domain.text import fold_query
from kyodo_desk.models import Contact
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.demo import add_demo_contacts

ACTOR = Actor.command_line()
PAGE = svc.PAGE_SIZE

# What counter staff type, by kind: names in kana and kanji, districts, phone digits, e-mail
# fragments, legal forms, activities, and words found in no contact.
TYPED: list[tuple[str, str]] = [
    ("reading", "さとう はなこ"), ("name", "佐藤"), ("half-width", "ｻｻｷ ｹﾝﾀ"),
    ("address", "秋田市土崎港西"), ("address", "広面"), ("phone", "018-8"),
    ("phone", "8885640"), ("postal", "0100041"), ("e-mail", "user4242"),
    ("legal form", "NPO法人"), ("activity", "見守り"), ("activity", "子ども食堂"),
    ("reading", "かんとう"), ("nowhere", "xyz"), ("name", "工藤 誠"), ("nowhere", "センター"),
]
SINGLE = ["さ", "か", "佐", "子", "8", "x"]  # single characters, for the count


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def median_of(fn: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def keystrokes() -> list[tuple[str, str]]:
    return [(kind, word[:end]) for kind, word in TYPED for end in range(1, len(word) + 1)]


# --- the databases ---------------------------------------------------------------------------

def prepared(url: str, count: int) -> Database:
    """The database at *url* (migrated on opening), filled with *count* demo contacts unless it
    already holds them."""
    start = time.perf_counter()
    db = open_database(url)
    opened = time.perf_counter() - start
    with db.reading(None) as session:
        have = session.scalar(select(func.count()).select_from(Contact)) or 0
    if have < count:
        start = time.perf_counter()
        add_demo_contacts(db, ACTOR, count - have, seed=1 + have)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE" if db.backend.is_sqlite else "VACUUM ANALYZE")
        print(f"  filled {count - have:,} contacts in {time.perf_counter() - start:.0f} s")
    elif opened > 2:
        print(f"  opened (and migrated) in {opened:.1f} s")
    return db


def postgres_url(server: str, count: int) -> str:
    import psycopg

    name = f"kyodo_bench_search_{count}"
    admin = make_url(server).set(drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' "
                         "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
    return admin.set(drivername="postgresql+psycopg", database=name).render_as_string(
        hide_password=False)


def drop_postgres(server: str, count: int) -> None:
    import psycopg

    admin = make_url(server).set(drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS kyodo_bench_search_{count} WITH (FORCE)")


# --- the baselines ---------------------------------------------------------------------------

def trigram_baseline(db: Database) -> Callable[[str], object] | None:
    """First PAGE matches of an FTS5 / pg_trgm trigram index, in no order (None: no index)."""
    if db.backend.is_sqlite:
        def fts(folded: str) -> object:
            if len(folded) < 3:
                return None
            with db.engine.connect() as conn:
                return conn.execute(text(
                    "SELECT rowid FROM contacts_fts_trigram WHERE search_text LIKE :q "
                    "LIMIT :n"), {"q": f"%{folded}%", "n": PAGE}).all()
        return fts
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if not conn.execute(text("SELECT 1 FROM pg_available_extensions "
                                 "WHERE name = 'pg_trgm'")).first():
            return None
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        conn.execute(text("CREATE INDEX IF NOT EXISTS bench_search_trgm ON contacts "
                          "USING gin (search_text gin_trgm_ops)"))

    def trgm(folded: str) -> object:
        if len(folded) < 3:
            return None
        with db.engine.connect() as conn:
            return conn.execute(text(
                "SELECT id FROM contacts WHERE search_text LIKE :q LIMIT :n"),
                {"q": f"%{folded}%", "n": PAGE}).all()
    return trgm


def like_scan(db: Database) -> Callable[[str], object]:
    """The naive search: a LIKE scan in list order, first PAGE matches."""
    def scan(folded: str) -> object:
        with db.engine.connect() as conn:
            return conn.execute(text(
                "SELECT id FROM contacts WHERE active AND search_text LIKE :q "
                "ORDER BY sort_key, id LIMIT :n"), {"q": f"%{folded}%", "n": PAGE}).all()
    return scan


# --- the figures ----------------------------------------------------------------------------

def keystroke(db: Database, typed: str) -> None:
    svc.search_facilities(db, ACTOR, typed)
    svc.search_contacts(db, ACTOR, typed)


def measure(db: Database, label: str, baselines: bool, counts: bool) -> None:
    with db.reading(None) as session:
        total = session.scalar(select(func.count()).select_from(Contact)) or 0
    print(f"{label}: {total:,} contacts")
    for _kind, typed in keystrokes()[:5]:  # warm caches as a running app would have them
        keystroke(db, typed)
    timed = [(median_of(lambda t=typed: keystroke(db, t)), kind, typed)
             for kind, typed in keystrokes()]
    times = sorted(t for t, _, _ in timed)
    target = "< 30 ms at 100,000, < 50 ms at 1,000,000"
    print(f"{label}: {len(times)} keystrokes, p50 {ms(statistics.median(times))} ms, "
          f"p95 {ms(p95(times))} ms, max {ms(times[-1])} ms  (target p95 {target})")
    slowest = sorted(timed, reverse=True)[:4]
    print("  slowest (ms): " + ", ".join(f"{q!r} {ms(t)}" for t, _, q in slowest))
    print("  by kind of query (ms, median / max over its keystrokes):")
    kinds = list(dict.fromkeys(kind for kind, _ in TYPED))
    for kind in kinds:
        mine = [t for t, k, _ in timed if k == kind]
        words = " ".join(w for k, w in TYPED if k == kind)
        print(f"    {kind:11} {ms(statistics.median(mine)):>6} / {ms(max(mine)):>6}   {words}")
    if baselines:
        compare_baselines(db, label, timed)
    second_band(db, label)
    if counts:
        count_figures(db, label)


def compare_baselines(db: Database, label: str,
                      timed: list[tuple[float, str, str]]) -> None:
    trigram, scan = trigram_baseline(db), like_scan(db)
    rows = []
    for t, _kind, typed in timed:
        folded = fold_query(typed)
        tri = median_of(lambda f=folded: trigram(f)) if trigram and len(folded) >= 3 else None
        like = median_of(lambda f=folded: scan(f), runs=1)
        rows.append((t, tri, like))
    ours = [r[0] for r in rows]
    tris = [r[1] for r in rows if r[1] is not None]
    likes = [r[2] for r in rows]
    name = "FTS5 trigram" if db.backend.is_sqlite else "pg_trgm GIN"
    print(f"  beside, the same {len(rows)} keystrokes (ms):      p50    p95    max")
    print(f"    this search (facilities + first page)  {ms(statistics.median(ours)):>6} "
          f"{ms(p95(ours)):>6} {ms(max(ours)):>6}")
    if tris:
        print(f"    {name}, 200 unordered ({len(tris)} of 3+ chars) {ms(statistics.median(tris)):>6} "
              f"{ms(p95(tris)):>6} {ms(max(tris)):>6}   (1–2 characters: no answer)")
    else:
        print(f"    {name}: not available on this server")
    print(f"    LIKE '%…%' scan in list order          {ms(statistics.median(likes)):>6} "
          f"{ms(p95(likes)):>6} {ms(max(likes)):>6}")


def second_band(db: Database, label: str) -> None:
    """The first page of matches inside (the list scrolled past the leading band)."""
    start_of_inside = svc.PageKey("", 0, svc.INSIDE)
    timed = []
    for _kind, word in TYPED:
        t = median_of(lambda w=word: svc.search_contacts(db, ACTOR, w, after=start_of_inside))
        timed.append((t, word))
    for char in SINGLE:
        t = median_of(lambda c=char: svc.search_contacts(db, ACTOR, c, after=start_of_inside))
        timed.append((t, char))
    times = [t for t, _ in timed]
    slowest = ", ".join(f"{w!r} {ms(t)}" for t, w in sorted(timed, reverse=True)[:4])
    print(f"  first page of the second band, {len(times)} words: p50 "
          f"{ms(statistics.median(times))} ms, max {ms(max(times))} ms  (slowest: {slowest})")


def count_figures(db: Database, label: str) -> None:
    print("  the true count (count_contacts), ms:")
    line = []
    for word in [w for _, w in TYPED] + SINGLE:
        start = time.perf_counter()
        n = svc.count_contacts(db, ACTOR, word)
        line.append(f"{word} {n:,} in {ms(time.perf_counter() - start)}")
    for start in range(0, len(line), 4):
        print("    " + "; ".join(line[start:start + 4]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--pg", metavar="URL", help="PostgreSQL server URL (a database is kept there)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--keep", type=Path, default=Path("/tmp/kyodo-bench-search"),
                        help="folder of the SQLite database, kept for the next run")
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--no-counts", action="store_true")
    parser.add_argument("--drop", action="store_true", help="drop the PostgreSQL database after")
    args = parser.parse_args()
    if args.only != "postgresql":
        args.keep.mkdir(parents=True, exist_ok=True)
        db = prepared(f"sqlite:///{args.keep / f'contacts_{args.contacts}.sqlite3'}",
                      args.contacts)
        measure(db, "SQLite", not args.no_baselines, not args.no_counts)
        db.dispose()
    if args.pg and args.only != "sqlite":
        try:
            db = prepared(postgres_url(args.pg, args.contacts), args.contacts)
            with db.engine.connect() as conn:
                buffers = conn.execute(text("SHOW shared_buffers")).scalar()
            measure(db, f"PostgreSQL (shared_buffers {buffers})", not args.no_baselines,
                    not args.no_counts)
            db.dispose()
        finally:
            if args.drop:
                drop_postgres(args.pg, args.contacts)


if __name__ == "__main__":
    main()
