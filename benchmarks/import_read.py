"""What reading a register to import costs (imports/tables.py), beside openpyxl's read-only
reader in the same run.

Writes a register of made-up contacts (100,000 rows of 12 columns by default) as xlsx and as a
CP932 CSV (Excel's plain 「CSV」) into a folder (--keep, default a temporary one), then reads
each in a fresh process and prints the time to the rows and the process's peak memory (VmHWM, so
Linux only), less the peak of a process that only imported the reader: the reading's own share.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

READERS = {
    "tables": """
from kyodo_desk.imports.tables import read_table
rows = read_table(PATH).rows if RUN else []
""",
    "openpyxl": """
import openpyxl
rows = []
if RUN:
    book = openpyxl.load_workbook(PATH, read_only=True, data_only=True)
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
""",
}

PROBE = """
import sys, time
from pathlib import Path
PATH, RUN = Path(sys.argv[1]), sys.argv[2] == "1"
start = time.perf_counter()
{reader}
seconds = time.perf_counter() - start
# VmHWM, not ru_maxrss: the latter keeps the parent's peak across fork and exec on Linux.
status = Path("/proc/self/status").read_text().splitlines()
peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
print(f"{{seconds:.2f}} {{peak:.0f}} {{len(rows)}}")
"""


def register_rows(count: int) -> list[list[object]]:
    pick = random.Random(1)
    family = ["佐藤", "鈴木", "髙橋", "田中", "伊藤", "渡辺", "㈱秋田", "小松"]
    given = ["一郎", "花子", "次郎", "美咲", "健太", "由美"]
    rows: list[list[object]] = [["令和８年度　市民活動団体名簿"], [],
                                ["No.", "氏名", "フリガナ", "〒", "住所", "TEL", "FAX", "メール",
                                 "設立", "登録日", "会員数", "備考"]]
    for n in range(1, count + 1):
        rows.append([
            n, f"{pick.choice(family)}　{pick.choice(given)}", "サトウ　イチロウ",
            f"010-{pick.randrange(10000):04d}", f"秋田市中通{pick.randrange(1, 8)}丁目{n}－1",
            f"018-{pick.randrange(1000):03d}-{pick.randrange(10000):04d}", None,
            f"user{n}@example.jp", date(1990, 1, 1) + timedelta(days=pick.randrange(12000)),
            f"R{pick.randrange(1, 9)}.4.1", pick.randrange(3, 300),
            "第2・第4土曜①" if n % 7 == 0 else None])
    return rows


def measure(reader: str, path: Path) -> tuple[float, float, int]:
    code = PROBE.format(reader=READERS[reader])
    figures = []
    for run in ("0", "1"):
        out = subprocess.run([sys.executable, "-c", code, str(path), run], capture_output=True,
                             text=True, check=True, cwd=ROOT).stdout.split()
        figures.append((float(out[0]), float(out[1]), int(out[2])))
    (_, idle, _), (seconds, peak, rows) = figures
    return seconds, peak - idle, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="folder for the files (kept for reruns)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.import_files import write_csv, write_xlsx

    folder = args.keep or Path(tempfile.mkdtemp(prefix="kyodo-import-read-"))
    folder.mkdir(parents=True, exist_ok=True)
    xlsx, csv = folder / f"register_{args.rows}.xlsx", folder / f"register_{args.rows}.csv"
    if not (xlsx.exists() and csv.exists()):
        print(f"writing {args.rows:,} rows to {folder} (once)…", file=sys.stderr)
        rows = register_rows(args.rows)
        write_xlsx(xlsx, rows)
        write_csv(csv, rows, encoding="cp932")
    print(f"register of {args.rows:,} rows × 12 columns "
          f"(xlsx {xlsx.stat().st_size / 1e6:.1f} MB, CP932 CSV {csv.stat().st_size / 1e6:.1f} MB)")
    print("reader                      seconds   peak memory beyond the imports   rows")
    for label, reader, path in (("read_table, xlsx", "tables", xlsx),
                                ("openpyxl read-only, xlsx", "openpyxl", xlsx),
                                ("read_table, CP932 CSV", "tables", csv)):
        seconds, memory, count = measure(reader, path)
        print(f"{label:<27} {seconds:7.2f}   {memory:8.0f} MB{'':22}{count:,}")


if __name__ == "__main__":
    main()
