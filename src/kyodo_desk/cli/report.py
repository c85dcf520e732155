"""`kyodo-desk report`: the consultations' statistics, a fiscal year's tables or a month's
report (相談の統計・月報)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from kyodo_desk.cli.leaflet import write_leaflet
from kyodo_desk.cli.opening import opened
from kyodo_desk.cli.user import facility_id
from kyodo_desk.domain.errors import UserError

if TYPE_CHECKING:
    from datetime import date


def run(args: argparse.Namespace) -> int:
    """相談の統計: the fiscal year's tables as xlsx or csv, or a month's report (月報) as PDF."""
    from datetime import date

    from kyodo_desk.domain.dates import fiscal_year_of, print_style, year_month
    from kyodo_desk.services.date_style import load_date_style

    if args.what == "guideline":
        if args.month or args.facility or args.district:
            raise UserError("市民協働の推進状況は --fiscal-year と --format pdf か xlsx だけを"
                            "指定します。")
        from kyodo_desk.cli.guideline import report_guideline

        with opened(args) as (db, actor):
            return report_guideline(db, actor, fiscal_year=args.fiscal_year, fmt=args.format,
                                    output=args.output)

    if args.format == "pdf":
        if args.fiscal_year is not None or args.facility or args.district:
            raise UserError("月報（--format pdf）は --month 2026-11 のように月だけを指定してください。")
        month = _month(args.month) if args.month else date.today()
        size = write_leaflet(args, "consultation-report", month=month)
        # The month as the report names it (the date style was read for the report).
        print(f"{year_month(month, print_style())}の月報を {args.output} に書き出しました"
              f"（{size // 1024} KB）。")
        return 0
    if args.month:
        raise UserError("--month は月報（--format pdf）用です。年度の集計表は --fiscal-year 2026 "
                        "のように年度を指定してください。")
    from kyodo_desk.exports.consultation_stats import export_fiscal_year

    year = args.fiscal_year if args.fiscal_year is not None else fiscal_year_of(date.today())
    if not 1873 <= year <= 9998:
        raise UserError(f"年度「{year}」は扱えません。2026（令和8年度）のように西暦で指定してください。")
    with opened(args) as (db, actor):  # the administrator: counts every facility (件数のみ)
        load_date_style(db, actor)  # the table's 作成 date as the window would write it
        written = export_fiscal_year(db, actor, year, args.format, args.output,
                                     facility_id=facility_id(db, actor, args.facility),
                                     district=args.district)
    print(f"{written.heading}（{written.total} 件）を {args.output} に書き出しました。")
    return 0


def _month(text: str) -> date:
    """'2026-11' (or 2026/11) as the first day of that month; a UserError otherwise."""
    import re
    from datetime import date

    found = re.fullmatch(r"\s*(\d{4})[-/](\d{1,2})\s*", text)
    if found is None or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1873:
        raise UserError(f"月「{text}」が読めません。2026-11 のように年と月を指定してください。")
    return date(int(found.group(1)), int(found.group(2)), 1)
