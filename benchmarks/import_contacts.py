"""What importing contacts costs (services/imports/contacts.py): plan (the dry run) and run for
a register of made-up people and groups (100,000 rows by default) as xlsx and as a CP932 CSV,
on PostgreSQL and SQLite, beside a baseline in the same run: reading the file alone
(imports/tables + the header, read_source). Peak memory is the process's (VmHWM, Linux),
printed after each step; targets: plan and run each under 60 s, under 500 MB.

    .venv/bin/python benchmarks/import_contacts.py --rows 100000
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from events import each_database
from kyodo_desk.database import open_database
from kyodo_desk.domain.permissions import Actor, Role
from kyodo_desk.services import accounts, contacts
from kyodo_desk.services.imports import ImportSource
from kyodo_desk.services.imports import contacts as imp
from kyodo_desk.services.imports.rows import read_source

HEADER = ["区分", "氏名・団体名", "フリガナ", "代表者", "郵便番号", "住所", "電話", "メール",
          "備考"]
SURNAMES = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"]
GIVEN = ["一郎", "花子", "次郎", "美咲", "健", "陽子", "誠", "愛", "翔", "恵"]


def kana(number: int) -> str:
    """A number in kana (a reading must be kana): 305 → ウアカ."""
    return "".join("アイウエオカキクケコ"[int(d)] for d in str(number))


def register(rows: int) -> list[list[object]]:
    """People and groups (one in ten a group, with a representative from the file)."""
    rng = random.Random(17)
    out: list[list[object]] = [HEADER]
    for i in range(rows):
        phone = f"018-{800 + i // 10_000 % 100:03d}-{i % 10_000:04d}"
        if i % 10 == 9:
            out.append(["団体", f"あきた活動の会{i}", f"アキタカツドウノカイ{kana(i)}",
                        f"{SURNAMES[i % 10]} {GIVEN[(i - 1) // 10 % 10]}{i - 1}",
                        "010-0001", f"秋田市中通{i % 7 + 1}丁目{i % 30 + 1}", phone,
                        f"group{i}@example.jp", "月例会あり"])
        else:
            out.append(["個人", f"{SURNAMES[i % 10]} {GIVEN[i // 10 % 10]}{i}",
                        f"サトウ イチロウ{kana(i)}", "", f"010-{rng.randrange(0, 1000):04d}",
                        f"秋田市山王{i % 9 + 1}丁目", phone, f"p{i}@example.jp", ""])
    return out


def peak_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    result = fn()
    print(f"  {label:<34} {time.perf_counter() - start:7.1f} s   peak {peak_mb():6.0f} MB",
          flush=True)
    return result


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.import_files
    from tests.import_files import write_csv, write_xlsx

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--pg-url", default=os.environ.get("KYODO_TEST_PG_URL"))
    args = parser.parse_args()
    rows = register(args.rows)
    with tempfile.TemporaryDirectory() as folder:
        files = {"xlsx": write_xlsx(Path(folder) / "register.xlsx", rows),
                 "CP932 CSV": write_csv(Path(folder) / "register.csv", rows, encoding="cp932")}
        del rows
        print(f"{args.rows:,} rows")
        for name, path in files.items():
            timed(f"baseline: read {name}", lambda p=path: read_source(ImportSource(p),
                                                                        "contacts").count)
        for name, path in files.items():
            for label, url in each_database(args.pg_url, args.only, "import_contacts"):
                db = open_database(url)
                try:
                    actor = _actor(db)
                    print(f"{label}, {name}:")
                    plan = timed("plan (dry run)", lambda d=db, a=actor, p=path: imp.plan(
                        d, a, ImportSource(p)))
                    assert plan.ready, plan.problems[:3]
                    result = timed("run", lambda d=db, a=actor, p=plan: imp.run(d, a, p))
                    print(f"  {result.summary}")
                finally:
                    db.dispose()


def _actor(db):  # type: ignore[no-untyped-def]
    central = next(f.id for f in contacts.list_facilities(db, Actor.system())
                   if f.code == "central")
    info = accounts.create_account(db, Actor.command_line(), accounts.AccountDraft(
        login="bench_officer", display_name="協働 計測", role=Role.OFFICER,
        facility_id=central, password="kyodo-bench-pass"))
    return Actor(info.id, info.login, info.display_name, info.role, info.facility_id)


if __name__ == "__main__":
    main()
