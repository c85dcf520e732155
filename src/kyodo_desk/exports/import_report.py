"""取り込めない行の一覧: the refused rows of an import plan as an xlsx to correct and import again.

The sheet holds the refused rows as they were in the file: a 行 column first (the row number in
the file), then the file's own headings as columns with the original cell values, then a
「取り込めない理由」 column (every reason of the row joined with 「／」). Its header is the first
row, so the corrected workbook is itself a file the import reads (行 and 取り込めない理由 map to
no field and are passed over).

The workbook is personal data (names, addresses, phone numbers of the file): the sheet is
named 取扱注意 rather than saying so above the table, which would move the header down.
"""

from __future__ import annotations

from pathlib import Path

from kyodo_desk.exports.tabular import replaced_atomically, write_xlsx
from kyodo_desk.services.imports import ImportPlan
from kyodo_desk.services.imports.rows import read_source

SHEET_TITLE = "取り込めない行（取扱注意）"
ROW_HEADING = "行"
REASON_HEADING = "取り込めない理由"
JOINER = "／"


def write_refused_rows(plan: ImportPlan, path: Path) -> int:
    """Write the refused rows of *plan* to *path* (replaced only once written whole); returns
    how many rows. The file is read again for the cells as they were."""
    source = read_source(plan.source, plan.target)
    reasons: dict[int, list[str]] = {}
    for problem in plan.problems:
        found = reasons.setdefault(problem.row, [])
        if problem.reason not in found:
            found.append(problem.reason)
    headings = _unique(list(source.layout.headings))
    width = len(headings)
    rows = []
    for row, why in sorted(reasons.items()):
        cells = source.table.rows[row - 1] if 0 < row <= len(source.table.rows) else []
        values = [cells[c] if c < len(cells) else None for c in range(width)]
        rows.append([row, *values, JOINER.join(why)])
    with replaced_atomically(Path(path)) as temp:
        write_xlsx(temp, SHEET_TITLE, [ROW_HEADING, *headings, REASON_HEADING], rows)
    return len(rows)


def _unique(headings: list[str]) -> list[str]:
    """Headings made distinct (a sheet may repeat one); the first keeps its own."""
    seen: dict[str, int] = {}
    out = []
    for heading in headings:
        seen[heading] = seen.get(heading, 0) + 1
        out.append(heading if seen[heading] == 1 else f"{heading}（{seen[heading]}）")
    return out
