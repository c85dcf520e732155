"""The offline door's round trip (issue 21: 200 check-ins offline, merged in under 5 s).

Per backend: an event of *sign-ups* + *checkins* sign-ups (made through sign_up, as the
counters would); its 当日受付パック made and sealed; *checkins* check-ins at the offline door
(each appended to the sealed journal and flushed to the disk before the next) and *walk_ins*
walk-ins; then the journal merged back (merge_door_journal), and merged again (every act found
already merged). Beside it, in the same run on the same database: the baseline of *checkins*
online check-ins (checkin.check_in, one transaction each) of the other sign-ups of the event.
Times are printed, never asserted.

    .venv/bin/python benchmarks/door_merge.py [--checkins 200] [--walk-ins 10]
                                              [--only sqlite|postgresql] [--pg-url URL]

The databases are its own (a temporary SQLite file; a PostgreSQL database
`kyodo_bench_door_<random>`, dropped afterwards).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from events import add_event, add_people, counter_staff, each_database
from kyodo_desk.database import Database, open_database
from kyodo_desk.services.events import checkin
from kyodo_desk.services.events.door_format import journal_path
from kyodo_desk.services.events.door_merge import merge_door_journal
from kyodo_desk.services.events.door_offline import OfflineDoor, WalkIn
from kyodo_desk.services.events.door_pack import save_door_pack
from kyodo_desk.services.events.registrations import SignUpDraft, sign_up

PASSWORD = "bench-door-password"


def seconds(start: float) -> float:
    return time.perf_counter() - start


def measure(db: Database, label: str, checkins: int, walk_ins: int) -> None:
    actor = counter_staff(db)
    start = time.perf_counter()
    event_id, session_id = add_event(db, "当日受付の計測セミナー", 2 * checkins + walk_ins + 10)
    people = add_people(db, "当日計測", 2 * checkins)
    regs = [sign_up(db, actor, event_id, SignUpDraft(p)).registration for p in people]
    print(f"{label}: {len(regs)} sign-ups made in {seconds(start):.1f} s")
    offline, online = regs[:checkins], regs[checkins:]

    start = time.perf_counter()
    for reg in online:
        checkin.check_in(db, actor, reg.id, session_id)
    baseline = seconds(start)

    with tempfile.TemporaryDirectory(prefix="kyodo-door-") as folder:
        pack = Path(folder) / "bench.kyodo-door"
        start = time.perf_counter()
        save_door_pack(db, actor, event_id, pack, PASSWORD)
        packed = seconds(start)
        start = time.perf_counter()
        door = OfflineDoor.open(pack, PASSWORD, "入口 計測")
        opened = seconds(start)
        start = time.perf_counter()
        for reg in offline:
            door.check_in_by_code(session_id, reg.ticket.text())
        for n in range(walk_ins):
            door.walk_in(session_id, WalkIn(f"当日参加 {n:03d}"))
        at_door = seconds(start)
        door.close()
        acts = checkins + walk_ins
        start = time.perf_counter()
        report = merge_door_journal(db, actor, journal_path(pack), PASSWORD)
        merged = seconds(start)
        start = time.perf_counter()
        again = merge_door_journal(db, actor, journal_path(pack), PASSWORD)
        merged_again = seconds(start)
        size = pack.stat().st_size, journal_path(pack).stat().st_size
    print(f"  pack made and sealed ({len(regs)} sign-ups, {size[0]:,} bytes)  {packed:6.2f} s")
    print(f"  pack opened (password stretched)               {opened:6.2f} s")
    print(f"  {acts} acts at the offline door, each on the disk {at_door:6.2f} s "
          f"({at_door / acts * 1000:.1f} ms each; journal {size[1]:,} bytes)")
    print(f"  baseline: {checkins} online check-ins (check_in)      {baseline:6.2f} s")
    print(f"  merge of {acts} acts                              {merged:6.2f} s "
          f"— applied {report.applied}, conflicts {report.conflicts}; "
          f"{merged / baseline:.2f}× the baseline; "
          f"{'under' if merged < 5 else 'OVER'} the 5 s target")
    print(f"  merge again (nothing new)                      {merged_again:6.2f} s "
          f"— already merged {again.already}, applied {again.applied}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkins", type=int, default=200)
    parser.add_argument("--walk-ins", type=int, default=10)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--pg-url", metavar="URL", default=os.environ.get("KYODO_TEST_PG_URL"),
                        help="PostgreSQL server (default: KYODO_TEST_PG_URL)")
    args = parser.parse_args()
    for label, url in each_database(args.pg_url, args.only, "door"):
        db = open_database(url)
        try:
            measure(db, label, args.checkins, args.walk_ins)
        finally:
            db.dispose()


if __name__ == "__main__":
    main()
