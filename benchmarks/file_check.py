"""What checking the SQLite file costs at every open, beside SQLite's own whole-file checks.

Fills a database with made-up consultations (300,000 by default, about 500 MB; kept under
benchmarks/.data/ or --keep FOLDER for the next run), then times, in the same run:

- the check at every open (`check_existing_file`: the 100-byte header against the file size,
  and PRAGMA quick_check of the tables every start reads);
- the whole-file check the window runs in the background once it is shown (PRAGMA quick_check);
- PRAGMA integrity_check, which `db restore` runs on the backup it is given.

The file is in the page cache (it was just written or read): a first start after a reboot reads
from disk, which costs the whole-file checks far more and the open check nearly nothing more.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def prepared(folder: Path, count: int) -> Path:
    from kyodo_desk.database import open_database
    from kyodo_desk.domain.permissions import Actor
    from kyodo_desk.services.demo import add_demo_consultations

    path = folder / f"file_check_{count}.sqlite3"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    db = open_database(f"sqlite:///{path}")
    try:
        print(f"filling {path} with {count:,} consultations (once)…", file=sys.stderr)
        add_demo_consultations(db, Actor.command_line(), count, seed=1)
    finally:
        db.dispose()
    return path


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def pragma(path: Path, name: str) -> Callable[[], object]:
    def run() -> object:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            found = conn.execute(f"PRAGMA {name}").fetchall()
        finally:
            conn.close()
        assert found == [("ok",)], found
        return found
    return run


def main() -> None:
    from kyodo_desk.database import sqlite_files

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--consultations", type=int, default=300_000)
    parser.add_argument("--keep", type=Path, default=ROOT / "benchmarks" / ".data")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    path = prepared(args.keep, args.consultations)
    pragma(path, "quick_check")()  # into the page cache, as after the fill
    size = path.stat().st_size
    print(f"{path.name}: {size / 1e6:,.0f} MB, {args.consultations:,} consultations, "
          f"SQLite {sqlite3.sqlite_version}")
    rows = [
        ("check at every open (header + start tables)",
         timed(lambda: sqlite_files.check_existing_file(path), args.runs * 20)),
        ("PRAGMA quick_check, whole file (window, background)",
         timed(pragma(path, "quick_check"), args.runs)),
        ("PRAGMA integrity_check, whole file (db restore)",
         timed(pragma(path, "integrity_check"), max(1, args.runs // 2))),
    ]
    for label, times in rows:
        print(f"{label:<55} median {statistics.median(times) * 1000:9.2f} ms  "
              f"max {max(times) * 1000:9.2f} ms  ({len(times)} runs)")


if __name__ == "__main__":
    main()
