"""The daily backup's rotation over a simulated calendar, with real copies of a database.

Each working day (Monday to Friday; 2026-11-02 and 11-03 off) from --first to --last, the day's
first start is simulated with a fake clock (`backups.make_daily_copy`, as `open_database` runs
it): one contact is added, the file is copied and the folder rotated. Prints, for the closing
note, the copies kept at the end with the rule that keeps each, and the time of one copy.

    .venv/bin/python benchmarks/backup_rotation.py [--first 2026-10-01] [--last 2026-11-16]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from kyodo_desk.database.backups import Copy

DAYS_OFF = {date(2026, 11, 2), date(2026, 11, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--first", type=date.fromisoformat, default=date(2026, 10, 1))
    parser.add_argument("--last", type=date.fromisoformat, default=date(2026, 11, 16))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["KYODO_DATA_DIR"] = str(Path(scratch) / "data")
        os.environ["KYODO_CONFIG_DIR"] = str(Path(scratch) / "config")
        run(Path(scratch), args.first, args.last)


def run(scratch: Path, first: date, last: date) -> None:
    from kyodo_desk.database import backups, open_database
    from kyodo_desk.domain.permissions import Actor
    from kyodo_desk.services import contacts as svc

    database = scratch / "data" / "kyodo-desk.sqlite3"
    open_database(f"sqlite:///{database}").dispose()
    folder = backups.copies_folder(database)
    timings, on = [], []
    day = first
    while day <= last:
        if day.weekday() < 5 and day not in DAYS_OFF:
            db = open_database(f"sqlite:///{database}", migrate=False)
            try:
                svc.create_contact(db, Actor.system(), svc.ContactDraft(
                    kind=svc.ContactKind.PERSON, name=f"利用者 {day:%m%d}"))
            finally:
                db.dispose()
            started = time.perf_counter()
            backups.make_daily_copy(database, folder, datetime(day.year, day.month, day.day, 8, 30))
            timings.append(time.perf_counter() - started)
            on.append(day)
        day += timedelta(days=1)
    copies = backups.list_copies(database, folder)
    print(f"{first} – {last}: {(last - first).days + 1} days, PC on {len(on)} "
          f"(off at weekends and on {', '.join(str(d) for d in sorted(DAYS_OFF))})")
    print(f"{len(copies)} copies kept in {folder.name}/ (of {len(on)} made):")
    daily = {c.day for c in copies[-backups.KEEP_DAILY:]}
    weekly = _firsts(copies, lambda d: d.isocalendar()[:2], backups.KEEP_WEEKLY)
    monthly = _firsts(copies, lambda d: (d.year, d.month), backups.KEEP_MONTHLY)
    for copy in copies:
        why = [name for name, days in (("daily", daily), ("weekly", weekly),
                                       ("monthly", monthly)) if copy.day in days]
        print(f"  {copy.path.name}  {copy.day:%a}  {'+'.join(why)}")
    print(f"one copy ({database.stat().st_size / 1e6:.1f} MB): median "
          f"{statistics.median(timings) * 1000:.0f} ms, max {max(timings) * 1000:.0f} ms")


def _firsts(copies: list[Copy], period: Callable[[date], object], count: int) -> set[date]:
    """The first day of each of the *count* newest periods that have a copy."""
    first: dict[object, date] = {}
    for copy in copies:  # oldest first
        first.setdefault(period(copy.day), copy.day)
    return set(list(first.values())[-count:])


if __name__ == "__main__":
    main()
