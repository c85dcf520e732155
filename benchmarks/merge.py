"""Merging a contact with 1,000 linked rows (issue 16: under 1 s), and undoing it.

Fills a database (through the services, as the counters would) with two records of one group:
the one merged away has *rows* linked rows — 35 % consultations, 25 % event sign-ups (half of
them checked in), 10 % grant cases and 30 % members — and the kept one a few of its own. Then
times, several times over, the merge as the merge screen calls it (merge_contacts) and its undo
(undo_merge), beside a baseline measured in the same run on the same database: one plain save
of the kept contact (update_contact), the cheapest write the contact form makes. Prints p50 and
max in ms per backend, with what moved.

    .venv/bin/python benchmarks/merge.py [--rows 1000] [--runs 5] [--only sqlite|postgresql]
                                         [--pg-url postgresql://postgres@127.0.0.1/postgres]

The databases are its own (a temporary SQLite file; a PostgreSQL database
`kyodo_bench_merge_<random>`, dropped afterwards).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import replace
from datetime import date, timedelta
from datetime import time as clock

from events import each_database
from kyodo_desk.database import Database, open_database
from kyodo_desk.domain.events import EventKind
from kyodo_desk.domain.permissions import Actor, Role
from kyodo_desk.services import accounts, consultations
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import (
    Affiliation,
    ContactDraft,
    ContactKind,
    GroupType,
)
from kyodo_desk.services.contacts import merge as merging
from kyodo_desk.services.demo.grants import support_programme
from kyodo_desk.services.events import EventDraft, SessionDraft, checkin, create_event
from kyodo_desk.services.events.registrations import SignUpDraft, sign_up
from kyodo_desk.services.grants import cases as grant_cases
from kyodo_desk.services.grants import create_programme

CLI = Actor.command_line()
TODAY = date.today()


def officer(db: Database) -> Actor:
    """A collaboration officer at the central center: they record consultations and merge."""
    central = next(f.id for f in svc.list_facilities(db, Actor.system()) if f.code == "central")
    info = accounts.create_account(db, CLI, accounts.AccountDraft(
        login="bench_officer", display_name="協働 計測", role=Role.OFFICER,
        facility_id=central, password="kyodo-bench-pass"))
    return Actor(info.id, info.login, info.display_name, info.role, info.facility_id)


def group(db: Database, name: str) -> int:
    return svc.create_contact(db, CLI, ContactDraft(
        kind=ContactKind.GROUP, group_type=GroupType.NPO, name=name)).id


def fill(db: Database, actor: Actor, rows: int) -> tuple[int, int, dict[str, int]]:
    """The kept group and the group merged away, with *rows* linked rows on the latter."""
    assert actor.facility_id is not None
    keep = group(db, "特定非営利活動法人あきた子ども食堂")
    gone = group(db, "NPO法人 あきた子ども食堂")
    mix = {"consultations": rows * 35 // 100, "registrations": rows * 25 // 100,
           "grant_cases": rows * 10 // 100}
    mix["members"] = rows - sum(mix.values())
    # The kept record has a tenth as much of its own, which stays where it is.
    for n in range(mix["consultations"] * 11 // 10):
        consultations.create_consultation(db, actor, consultations.ConsultationDraft(
            held_on=TODAY - timedelta(days=n % 700 + 1), facility_id=actor.facility_id,
            asked=f"子ども食堂の運営について（{n}）", topic_ids=(10,),
            consultee_contact_id=gone if n < mix["consultations"] else keep))
    first = TODAY + timedelta(days=30)
    for n in range(mix["registrations"]):
        event = create_event(db, CLI, EventDraft(
            kind=EventKind.FESTA, title=f"市民活動フェスタ {n}", facility_id=actor.facility_id,
            venue_facility_id=actor.facility_id,
            sessions=(SessionDraft(first + timedelta(days=n), clock(10), clock(15)),),
            capacity=50, signup_opens_on=TODAY - timedelta(days=30),
            signup_closes_on=first - timedelta(days=1)))
        reg = sign_up(db, actor, event.id, SignUpDraft(gone, party_size=3),
                      today=TODAY).registration
        if n % 2:
            checkin.check_in(db, actor, reg.id, event.sessions[0].id)
    programme = create_programme(db, CLI, support_programme(TODAY.year))
    for n in range(mix["grant_cases"]):
        grant_cases.create_case(db, actor, grant_cases.CaseDraft(
            programme.id, gone, f"子ども食堂の運営 第{n}期", requested=10_000))
    for n in range(mix["members"] * 11 // 10):
        svc.create_contact(db, CLI, ContactDraft(
            kind=ContactKind.PERSON, name=f"構成員 {n:04d}",
            groups=(Affiliation(gone if n < mix["members"] else keep, "", "会員"),)))
    return keep, gone, mix


def version(db: Database, contact_id: int) -> int:
    return svc.get_contact(db, CLI, contact_id).version


def one_round(db: Database, actor: Actor, keep: int, gone: int,
              n: int) -> tuple[float, float, float, merging.LinkedCounts]:
    """The baseline save, a merge and its undo: each one's time in ms, and what moved."""
    draft = replace(svc.get_contact(db, CLI, keep).as_draft(), notes=f"確認 {n}")
    keep_version = version(db, keep)
    start = time.perf_counter()
    svc.update_contact(db, actor, keep, keep_version, draft)
    saved = time.perf_counter()
    keep_version, gone_version = version(db, keep), version(db, gone)
    begun = time.perf_counter()
    result = merging.merge_contacts(db, actor, keep_id=keep, keep_version=keep_version,
                                    merge_id=gone, merge_version=gone_version,
                                    take_from_merged=frozenset({"phone"}))
    merged = time.perf_counter()
    merging.undo_merge(db, actor, result.merge_id)
    undone = time.perf_counter()
    return ((saved - start) * 1000, (merged - begun) * 1000, (undone - merged) * 1000,
            result.moved)


def measure(db: Database, label: str, rows: int, runs: int) -> None:
    actor = officer(db)
    start = time.perf_counter()
    keep, gone, mix = fill(db, actor, rows)
    print(f"{label}: filled in {time.perf_counter() - start:.1f} s — the record merged away "
          f"has {mix['consultations']} consultations, {mix['registrations']} sign-ups "
          f"({mix['registrations'] // 2} checked in), {mix['grant_cases']} grant cases, "
          f"{mix['members']} members")
    baseline: list[float] = []
    merges: list[float] = []
    undos: list[float] = []
    moved = None
    for n in range(runs + 1):  # the first round warms the caches and is not counted
        save, merge, undo, moved = one_round(db, actor, keep, gone, n)
        if n:
            baseline.append(save)
            merges.append(merge)
            undos.append(undo)
    assert moved is not None
    print(f"  moved: {moved.label()} — {moved.total() - moved.attendances} rows "
          "(attendance rides on its sign-up)")
    for name, figures in (("baseline: one save of the contact", baseline),
                          (f"merge ({runs} runs)", merges), (f"undo ({runs} runs)", undos)):
        print(f"  {name:<36} p50 {statistics.median(figures):7.1f} ms  "
              f"max {max(figures):7.1f} ms")
    ratio = statistics.median(merges) / statistics.median(baseline)
    verdict = "under" if max(merges) < 1000 else "OVER"
    print(f"  merge = {ratio:.1f}× the baseline; slowest merge {verdict} the 1 s target")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1000, help="linked rows to move")
    parser.add_argument("--runs", type=int, default=5, help="merges (and undos) timed")
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--pg-url", metavar="URL", default=os.environ.get("KYODO_TEST_PG_URL"),
                        help="PostgreSQL server (default: KYODO_TEST_PG_URL)")
    args = parser.parse_args()
    for label, url in each_database(args.pg_url, args.only, "merge"):
        db = open_database(url)
        try:
            measure(db, label, args.rows, args.runs)
        finally:
            db.dispose()

if __name__ == "__main__":
    main()
