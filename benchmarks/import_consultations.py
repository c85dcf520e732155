"""Importing a past consultation log of 100,000 rows (issue 17: under 90 s).

Writes a CSV (CP932, as Excel saves it in Japan) of *rows* consultations over the last five
years, 2,000 registered consultees and a tenth anonymous, then on each database times:
reading the file alone (the baseline: read_source, what every import pays before any check),
the plan (every row checked and matched), the run (one transaction, per-record audit), the
plan of the same file again (every row SAME) and, as a second baseline, the same rows put in
by one plain bulk insert (no checks, no audit, no search columns). Prints seconds and the
process's peak memory (VmHWM) after each step.

    .venv/bin/python benchmarks/import_consultations.py [--rows 100000]
        [--only sqlite|postgresql] [--pg-url postgresql://postgres@127.0.0.1/postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import insert

from events import each_database, timed
from kyodo_desk.database import Database, open_database
from kyodo_desk.domain.permissions import Actor, Role
from kyodo_desk.models import Consultation
from kyodo_desk.services import accounts
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.imports import ImportSource, Outcome
from kyodo_desk.services.imports import consultations as imp
from kyodo_desk.services.imports.rows import read_source

CLI = Actor.command_line()
CONSULTEES = 2000
TOPICS = ["団体設立", "NPO法人化", "団体運営", "資金・交付金", "広報・PR", "その他"]


def staff(db: Database) -> Actor:
    east = next(f.id for f in svc.list_facilities(db, Actor.system()) if f.code == "east")
    info = accounts.create_account(db, CLI, accounts.AccountDraft(
        login="bench_staff", display_name="窓口 計測", role=Role.COUNTER_STAFF,
        facility_id=east, password="kyodo-bench-pass"))
    return Actor(info.id, info.login, info.display_name, info.role, info.facility_id)


def register(db: Database) -> list[str]:
    names = [f"計測の会{n:04d}" for n in range(CONSULTEES)]
    with db.writing(CLI) as session:
        for name in names:
            svc.add_contact(session, CLI, svc.clean_draft(svc.ContactDraft(
                kind=svc.ContactKind.GROUP, group_type=svc.GroupType.CIVIC_GROUP, name=name)))
    return names


def write_log(path: Path, rows: int, names: list[str]) -> None:
    pick = random.Random(17)
    today = date.today()
    lines = ["令和８年度　相談記録", "",
             "No.,相談日,相談者,担当者,施設,相談方法,分野,相談内容,回答,状況"]
    for n in range(1, rows + 1):
        day = today - timedelta(days=pick.randrange(1, 5 * 365))
        who = "匿名" if n % 10 == 0 else pick.choice(names)
        topics = "、".join(pick.sample(TOPICS, pick.randrange(1, 3)))
        lines.append(f"{n},{day.year}/{day.month}/{day.day},{who},窓口 計測,東部,"
                     f"{pick.choice(['来所', '電話', 'メール'])},{topics},"
                     f"会の運営について相談（{n}）。会計と総会の進め方を知りたい,"
                     f"資料を渡して説明した,完了")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))


def measure(db: Database, label: str, rows: int, folder: Path) -> None:
    actor = staff(db)
    names = register(db)
    path = folder / "相談記録.csv"
    write_log(path, rows, names)
    print(f"{label}: {rows:,} consultations, {CONSULTEES:,} consultees "
          f"({path.stat().st_size / 1e6:.1f} MB CP932 CSV)")
    source = ImportSource(path)
    timed("baseline: read the file alone", lambda: read_source(source, "consultations"))
    planned = timed("plan (check and match)", lambda: imp.plan(db, actor, source))
    assert planned.ready and planned.counts[Outcome.NEW] == rows, planned.problems[:3]
    result = timed("run (one transaction, audited)", lambda: imp.run(db, actor, planned))
    assert result.added == rows
    again = timed("plan again (every row SAME)", lambda: imp.plan(db, actor, source))
    assert again.counts[Outcome.SAME] == rows
    values = [{"held_on": date(2020, 1, 1), "facility_id": actor.facility_id,
               "staff_account_id": actor.account_id, "anonymous": True, "channel": "visit",
               "asked": f"相談（{n}）", "status": "done", "sort_key": "", "search_text": "",
               "search_grams": "", "version": 1} for n in range(rows)]

    def bulk() -> None:
        with db.writing(CLI) as session:
            session.execute(insert(Consultation.__table__), values)

    timed("baseline: plain bulk insert", bulk)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--pg-url", metavar="URL", default=os.environ.get("KYODO_TEST_PG_URL"),
                        help="PostgreSQL server (default: KYODO_TEST_PG_URL)")
    args = parser.parse_args()
    for label, url in each_database(args.pg_url, args.only, "import_consultations"):
        db = open_database(url)
        try:
            with tempfile.TemporaryDirectory() as folder:
                measure(db, label, args.rows, Path(folder))
        finally:
            db.dispose()


if __name__ == "__main__":
    main()
