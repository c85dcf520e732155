"""Likely duplicates over 100,000 contacts, on SQLite and PostgreSQL (issue 16 targets).

(a) Candidates while typing: `likely_duplicates` for a few hundred drafts as the contact form
    sends them (a name only, then with a reading, a phone, an e-mail, a 〒), each timed three
    times and its median kept; p50 / p95 / max, beside the index lookup it starts with alone
    and a read by number (`get_contact`) in the same run. Target p95 < 30 ms.
(b) The duplicates list: `duplicate_pairs` over the whole registry in a process of its own,
    elapsed time and peak memory (ru_maxrss), beside a process that only reads every contact's
    facts once and folds them (`prepare`). Targets < 10 s and < 500 MB. Also: how many of the
    deliberate duplicates the list finds (all, or the rules missed one).

The registry: the demo data (`services.demo.demo_rows`, names, towns and groups as varied as a
city's: see `services.demo.city`). Then 1 % of the contacts get
a deliberate duplicate of each kind the rules know (half-width kana without a reading, the phone
without 018, the e-mail in capitals, old characters, a legal form, a typo in the reading at one
〒).

    .venv/bin/python benchmarks/duplicates.py                       # SQLite only
    .venv/bin/python benchmarks/duplicates.py --pg postgresql://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import jaconv
from sqlalchemy import func, insert, select

from kyodo_desk.database import Database, open_database
from kyodo_desk.database.match_keys import FACT_COLUMNS, facts_of, refresh_match_keys
from kyodo_desk.domain.likeness import blocking_keys, prepare
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import Contact, ContactKind
from kyodo_desk.models.contacts import ContactMatchKey
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import ContactDraft
from kyodo_desk.services.contacts import duplicates as duplicates_service
from kyodo_desk.services.contacts.duplicates import (
    DuplicatePair,
    draft_facts,
    duplicate_pairs,
    likely_duplicates,
)
from kyodo_desk.services.demo import city, contact_row, demo_rows

ACTOR = Actor.command_line()
BATCH = 5_000

# --- a registry as varied as a city's -------------------------------------------------------

def city_rows(count: int, seed: int = 1) -> Iterator[list[dict[str, object]]]:
    """*count* made-up contacts in batches (`demo_rows`: names, towns and groups as varied as
    a city's, see `services.demo.city`)."""
    made = 0
    while made < count:
        size = min(BATCH, count - made)
        yield demo_rows(size, seed=seed + made)
        made += size


# What a clerk might type for a contact already there, each kind of duplicate in turn: the
# facts (name, reading, phone, email, postal code) of the copy.
Variant = Callable[[dict[str, object]], tuple[str, str, str, str, str] | None]


def _half_width(row: dict[str, object]) -> tuple[str, str, str, str, str] | None:
    """ﾔﾏﾀﾞ ﾀﾛｳ, no reading, the phone without 018 (a person)."""
    if row["kind"] is not ContactKind.PERSON:
        return None
    name = jaconv.z2h(jaconv.hira2kata(str(row["reading"])), kana=True, ascii=False, digit=False)
    return name, "", str(row["phone"]).removeprefix("018-"), "", ""


def _capital_email(row: dict[str, object]) -> tuple[str, str, str, str, str] | None:
    """The e-mail in capitals, the name in other characters, another phone."""
    if not row["email"]:
        return None
    name = str(row["name"]).replace("高", "髙").replace("斎", "齋").replace("崎", "﨑") + "様"
    return name, "", "", str(row["email"]).upper(), ""


def _legal_form(row: dict[str, object]) -> tuple[str, str, str, str, str] | None:
    """A group with its legal form written differently (or, at the same 〒, a person's name
    with 髙/齋/﨑)."""
    name = str(row["name"])
    if row["kind"] is ContactKind.PERSON:
        if not any(ch in name for ch in "高斎崎"):
            return None
        return (name.replace("高", "髙").replace("斎", "齋").replace("崎", "﨑"), "", "", "",
                str(row["postal_code"]))
    if name.startswith("NPO法人"):
        return "（特非）" + name.removeprefix("NPO法人"), "", "", "", ""
    if name.startswith("株式会社"):
        return name.removeprefix("株式会社") + "（株）", "", "", "", ""
    return "一般社団法人 " + name, "", "", "", ""


def _reading_typo(row: dict[str, object]) -> tuple[str, str, str, str, str] | None:
    """At the same 〒, the reading with a kana dropped and the name in kana."""
    reading = str(row["reading"]).replace(" ", "")
    if len(reading) < 6:
        return None
    cut = len(reading) // 2
    typo = reading[:cut] + reading[cut + 1:]
    return typo, typo, "", "", str(row["postal_code"])


VARIANTS: list[Variant] = [_half_width, _capital_email, _legal_form, _reading_typo]


def planted_copies(rows: list[dict[str, object]], share: float, seed: int
                   ) -> list[tuple[int, dict[str, object]]]:
    """Deliberate duplicates of *share* of *rows*: (position of the original, the copy)."""
    rng = random.Random(seed)
    copies = []
    for position in rng.sample(range(len(rows)), int(len(rows) * share)):
        original = rows[position]
        for variant in rng.sample(VARIANTS, len(VARIANTS)):
            facts = variant(original)
            if facts is not None:
                name, reading, phone, email, postal = facts
                copies.append((position, contact_row(
                    ContactKind(original["kind"]), name, reading=reading, postal_code=postal,
                    phone=phone, email=email, group_type=original["group_type"])))
                break
    return copies


# --- loading --------------------------------------------------------------------------------

def populate(db: Database, count: int, share: float) -> list[tuple[int, int]]:
    """*count* contacts and *share* of them copied once more; returns the planted pairs
    (original's number, copy's number)."""
    start = time.perf_counter()
    originals: list[dict[str, object]] = []
    for batch in city_rows(count):
        _insert(db, batch)
        originals += batch
    copies = planted_copies(originals, share, seed=99)
    with db.reading(None) as session:
        first = session.scalar(select(func.min(Contact.id))) or 1
    copy_first = first + len(originals)
    _insert(db, [copy for _, copy in copies])
    if not db.backend.is_sqlite:  # as autovacuum leaves the tables once they settled
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE contacts")
            conn.exec_driver_sql("VACUUM ANALYZE contact_match_keys")
    print(f"  loaded {len(originals) + len(copies):,} contacts ({len(copies):,} deliberate "
          f"duplicates) in {time.perf_counter() - start:.1f} s")
    return [(first + position, copy_first + k) for k, (position, _) in enumerate(copies)]


def _insert(db: Database, rows: list[dict[str, object]]) -> None:
    for start in range(0, len(rows), BATCH):
        with db.writing(ACTOR) as session:
            before = session.scalar(select(func.max(Contact.id))) or 0
            session.execute(insert(Contact), rows[start:start + BATCH])
            refresh_match_keys(session.connection(), after_id=before)


# --- (a) while typing -----------------------------------------------------------------------

def drafts(db: Database, planted: list[tuple[int, int]], count: int) -> list[ContactDraft]:
    """What forms send while clerks type: for existing contacts (some planted) and for new
    people, the name alone, then with a reading, a phone, then everything."""
    rng = random.Random(5)
    with db.reading(None) as session:
        top = session.scalar(select(func.max(Contact.id))) or 1
        wanted = [copy for _, copy in rng.sample(planted, min(len(planted), count // 8))]
        wanted += [rng.randint(1, top) for _ in range(count // 8)]
        rows = session.execute(select(*FACT_COLUMNS).where(Contact.id.in_(wanted))).all()
    made: list[ContactDraft] = []
    for row in rows:
        kind = ContactKind(row.kind)
        made += [
            ContactDraft(kind=kind, name=row.name),
            ContactDraft(kind=kind, name=row.name, reading=row.reading),
            ContactDraft(kind=kind, name=row.name, reading=row.reading, phone=row.phone),
            ContactDraft(kind=kind, name=row.name, reading=row.reading, phone=row.phone,
                         email=row.email, postal_code=row.postal_code),
        ]
    while len(made) < count:  # someone new: nobody, or namesakes
        name, reading = city.person_name(rng)
        made.append(ContactDraft(
            kind=ContactKind.PERSON, name=name, reading=reading,
            phone=f"018-8{rng.randint(10, 99)}-{rng.randint(0, 9999):04d}",
            postal_code=city.place(rng)[2]))
    return made[:count]


def _cold(db: Database, draft: ContactDraft) -> object:
    duplicates_service._folded.cache_clear()
    return likely_duplicates(db, ACTOR, draft)


def _filed_under_keys(db: Database, draft: ContactDraft) -> list[int]:
    """The index lookup `likely_duplicates` starts with, alone: which contacts are filed
    under the draft's blocking keys (no rows read, nothing compared)."""
    keys = sorted(blocking_keys(draft_facts(draft)))
    with db.reading(ACTOR) as session:
        return list(session.scalars(
            select(ContactMatchKey.contact_id).where(ContactMatchKey.key.in_(keys))))


def _timed(call: Callable[[], object]) -> float:
    runs = []
    for _ in range(3):  # the median of three: one hiccup of the machine is not the query
        start = time.perf_counter()
        call()
        runs.append(time.perf_counter() - start)
    return sorted(runs)[1]


def _figures(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    return (f"p50 {statistics.median(times) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
            f"max {times[-1] * 1000:.1f} ms")


def measure_typing(db: Database, planted: list[tuple[int, int]], count: int) -> None:
    typed = drafts(db, planted, count)
    for draft in typed[:5]:  # warm caches as a running app would have them
        likely_duplicates(db, ACTOR, draft)
    candidates, warm, lookups, reads, found = [], [], [], [], 0
    for draft in typed:
        # Cold: nothing folded from an earlier draft (the service remembers folded facts).
        candidates.append(_timed(partial(_cold, db, draft)))
        found += bool(likely_duplicates(db, ACTOR, draft))
        warm.append(_timed(partial(likely_duplicates, db, ACTOR, draft)))
        lookups.append(_timed(partial(_filed_under_keys, db, draft)))
    with db.reading(None) as session:
        top = session.scalar(select(func.max(Contact.id))) or 1
    rng = random.Random(3)
    for _ in range(len(typed)):
        contact_id = rng.randint(1, top)
        reads.append(_timed(partial(svc.get_contact, db, ACTOR, contact_id)))
    print(f"  (a) likely_duplicates, {len(typed)} drafts ({found} with candidates): "
          f"{_figures(candidates)}  (target p95 < 30 ms)")
    print(f"      the same again, as the next keystroke meets them: {_figures(warm)}")
    print(f"      baseline, the same drafts' keys looked up alone:  {_figures(lookups)}")
    print(f"      baseline, get_contact by number:                  {_figures(reads)}")


# --- (b) the whole list, in a process of its own --------------------------------------------

def _resident_mb(field: str) -> float | None:
    """VmRSS (now) or VmHWM (the peak since the last reset) of this process, on Linux."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def child(what: str, url: str) -> None:
    """Run one measurement in this fresh process and print it as JSON."""
    db = open_database(url)
    with db.reading(ACTOR) as session:  # the connection open, as in a running app
        session.scalar(select(func.count()).select_from(Contact))
    before_mb, opening_peak_mb = _resident_mb("VmRSS"), _resident_mb("VmHWM")
    try:  # the peak from here on (Linux): what the list itself adds
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
    except OSError:
        before_mb = None
    start = time.perf_counter()
    cpu_start = time.process_time()
    result: dict[str, Any] = {}
    if what == "pairs":
        pairs = duplicate_pairs(db, ACTOR)
        result["pairs"] = [[p.first.contact_id, p.second.contact_id] for p in pairs]
        result["by_reasons"] = _by_reasons(pairs)
    else:  # the baseline: every contact's facts read once and folded
        with db.reading(ACTOR) as session:
            rows = session.execute(select(*FACT_COLUMNS).where(Contact.active)).all()
        folded = [prepare(facts_of(*row[1:])) for row in rows]
        result["contacts"] = len(folded)
    result["seconds"] = time.perf_counter() - start
    result["cpu_seconds"] = time.process_time() - cpu_start
    result["before_mb"] = before_mb
    result["peak_mb"] = _resident_mb("VmHWM") if before_mb is not None else None
    # ru_maxrss where /proc is missing; on Linux it starts at the parent's size (fork).
    result["process_peak_mb"] = (
        max(opening_peak_mb or 0, result["peak_mb"] or 0) if before_mb is not None
        else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    db.dispose()
    print(json.dumps(result))


def _by_reasons(pairs: list[DuplicatePair]) -> dict[str, int]:
    counted: dict[str, int] = {}
    for pair in pairs:
        key = "・".join(pair.reasons)
        counted[key] = counted.get(key, 0) + 1
    return dict(sorted(counted.items(), key=lambda item: -item[1]))


def _run_child(what: str, url: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, __file__, "--child", what, url], check=True,
                         capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def _memory(figures: dict[str, Any]) -> str:
    whole = f"process peak {figures['process_peak_mb']:.0f} MB"
    if figures["peak_mb"] is None:
        return whole
    return (f"peak resident {figures['peak_mb']:.0f} MB while it ran, from "
            f"{figures['before_mb']:.0f} MB with the database open; {whole}")


def measure_list(url: str, planted: list[tuple[int, int]]) -> None:
    base = _run_child("facts", url)
    listed = _run_child("pairs", url)
    pairs = {(first, second) for first, second in listed["pairs"]}
    missed = [p for p in planted if p not in pairs]
    print(f"  (b) duplicate_pairs: {len(pairs):,} pairs in {listed['seconds']:.2f} s "
          f"(CPU {listed['cpu_seconds']:.2f} s), {_memory(listed)}  (targets < 10 s, < 500 MB)")
    print(f"      baseline, every contact's facts read once and folded: {base['seconds']:.2f} s "
          f"(CPU {base['cpu_seconds']:.2f} s), {_memory(base)}")
    print(f"      deliberate duplicates found: {len(planted) - len(missed):,} of {len(planted):,}")
    reasons = listed["by_reasons"]
    print("      pairs by reasons: " + ", ".join(
        f"{k} {v:,}" for k, v in list(reasons.items())[:8]))


def run(url: str, label: str, args: argparse.Namespace) -> None:
    print(f"{label}:")
    db = open_database(url)
    planted = populate(db, args.contacts, args.planted)
    measure_typing(db, planted, args.drafts)
    db.dispose()
    measure_list(url, planted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--planted", type=float, default=0.01,
                        help="the share of contacts given a deliberate duplicate")
    parser.add_argument("--drafts", type=int, default=400)
    parser.add_argument("--pg", metavar="URL",
                        help="PostgreSQL server URL (a database is made there and dropped)")
    parser.add_argument("--child", nargs=2, metavar=("WHAT", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{Path(folder) / 'bench.sqlite3'}", "SQLite", args)
    if args.pg:
        import psycopg
        from sqlalchemy import make_url

        name = f"kyodo_bench_dup_{uuid.uuid4().hex[:8]}"
        admin = make_url(args.pg).set(drivername="postgresql")
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' "
                         "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'")
        try:
            run(admin.set(database=name).render_as_string(hide_password=False), "PostgreSQL",
                args)
        finally:
            with psycopg.connect(admin.render_as_string(hide_password=False),
                                 autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


if __name__ == "__main__":
    main()
