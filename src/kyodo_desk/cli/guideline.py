"""`kyodo-desk report guideline --fiscal-year Y --format pdf|xlsx -o FILE`: 市民協働の推進状況,
the five directions measured for a fiscal year beside the year before.

`report_guideline` is the handler: the parsed values, the open database and the acting
account in, Japanese lines out, the exit code back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from kyodo_desk.database import Database
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.permissions import Actor

FORMATS = ("pdf", "xlsx")


def report_guideline(db: Database, actor: Actor, *, fiscal_year: int | None, fmt: str,
                     output: Path, today: date | None = None) -> int:
    """Write the report for *fiscal_year* (default: the current one) as *fmt* to *output*."""
    from kyodo_desk.domain.dates import fiscal_year_label, fiscal_year_of
    from kyodo_desk.services.date_style import load_date_style

    if fmt not in FORMATS:
        raise UserError("市民協働の推進状況は --format pdf または xlsx で作成します。")
    today = today or date.today()
    year = fiscal_year if fiscal_year is not None else fiscal_year_of(today)
    load_date_style(db, actor)  # dated as the window would print it
    if fmt == "xlsx":
        from kyodo_desk.exports.guideline import write_workbook
        from kyodo_desk.services.guideline import guideline_report

        write_workbook(guideline_report(db, actor, year), output, today=today)
    else:
        from kyodo_desk import leaflets
        from kyodo_desk.exports.tabular import replaced_atomically

        pdf = leaflets.render("guideline-report", db, actor, fiscal_year=year, today=today)
        with replaced_atomically(Path(output)) as temp:
            temp.write_bytes(pdf)
    print(f"{fiscal_year_label(year)} 市民協働の推進状況（前年度比較: "
          f"{fiscal_year_label(year - 1)}）を {output} に書き出しました。")
    return 0
