"""What importing contacts costs (services/imports/contacts.py): plan (the dry run) and run for
a register of made-up people and groups (100,000 rows by default) as xlsx and as a CP932 CSV,
on PostgreSQL and SQLite, beside a baseline in the same run: reading the file alone
(imports/tables + the header, read_source); then the same file planned again (a second
import: every row 登録済み). Each import, and the plan again, runs in a fresh process; its
peak memory (VmHWM, Linux) is printed after each step, the run's including the plan it runs;
targets: plan and run each under 60 s, under 500 MB.

    .venv/bin/python benchmarks/import_contacts.py --rows 100000
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import tempfile
from pathlib import Path

from events import each_database, timed
from kyodo_desk.database import open_database
from kyodo_desk.domain.permissions import Actor, Role
from kyodo_desk.services import accounts, contacts
from kyodo_desk.services.imports import ImportSource, Outcome
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


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.import_files
    from tests.import_files import write_csv, write_xlsx

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--pg-url", default=os.environ.get("KYODO_TEST_PG_URL"))
    args = parser.parse_args()
    rows = register(args.rows)
    # Each step runs in a process of its own, so that its peak memory is its own and not
    # the making of the files or an earlier step.
    fresh = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory() as folder:
        files = {"xlsx": write_xlsx(Path(folder) / "register.xlsx", rows),
                 "CP932 CSV": write_csv(Path(folder) / "register.csv", rows, encoding="cp932")}
        del rows
        print(f"{args.rows:,} rows")
        for name, path in files.items():
            _in_own_process(fresh, _read_alone, name, path)
        for name, path in files.items():
            for label, url in each_database(args.pg_url, args.only, "import_contacts"):
                print(f"{label}, {name}:", flush=True)
                _in_own_process(fresh, _import, url, path)
                _in_own_process(fresh, _plan_again, url, path)


def _in_own_process(context, work, *args) -> None:  # type: ignore[no-untyped-def]
    process = context.Process(target=work, args=args)
    process.start()
    process.join()
    if process.exitcode != 0:
        raise SystemExit(f"{work.__name__} failed (exit {process.exitcode})")


def _read_alone(name: str, path: Path) -> None:
    timed(f"baseline: read {name}", lambda: read_source(ImportSource(path), "contacts").count)


def _import(url: str, path: Path) -> None:
    db = open_database(url)
    try:
        actor = _actor(db)
        plan = timed("plan (dry run)", lambda: imp.plan(db, actor, ImportSource(path)))
        assert plan.ready, plan.problems[:3]
        result = timed("run (after the plan)", lambda: imp.run(db, actor, plan))
        print(f"  {result.summary}", flush=True)
    finally:
        db.dispose()


def _plan_again(url: str, path: Path) -> None:
    db = open_database(url)
    try:
        actor = _actor(db, "bench_again")
        again = timed("plan again (every row 登録済み)", lambda: imp.plan(
            db, actor, ImportSource(path)))
        assert again.ready and not again.counts.get(Outcome.NEW), again.counts
    finally:
        db.dispose()


def _actor(db, login: str = "bench_officer"):  # type: ignore[no-untyped-def]
    central = next(f.id for f in contacts.list_facilities(db, Actor.system())
                   if f.code == "central")
    info = accounts.create_account(db, Actor.command_line(), accounts.AccountDraft(
        login=login, display_name="協働 計測", role=Role.OFFICER,
        facility_id=central, password="kyodo-bench-pass"))
    return Actor(info.id, info.login, info.display_name, info.role, info.facility_id)


if __name__ == "__main__":
    main()
