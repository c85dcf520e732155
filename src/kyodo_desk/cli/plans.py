"""The district plans' publication (公表) on the command line: `export plans --fiscal-year Y
--format csv|html -o PATH`, and the check of `leaflet plan-report --plan ID`'s number (the
report itself is written by cli/leaflet.py, as every print is)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import fiscal_year_label
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.permissions import Actor

EXPORT_FORMATS = ("csv", "html")


def export_plans(db: Database, actor: Actor, *, fiscal_year: int | None, fmt: str | None,
                 output: Path, today: date | None = None) -> int:
    """`export plans`: every district's plan of the year as a CSV file (*fmt* "csv") or a
    folder of web pages (*fmt* "html": *output* is the folder, created). Without *fmt*, a
    path ending in .csv is a CSV and any other a folder of pages."""
    from kyodo_desk.services.date_style import load_date_style

    if fiscal_year is None:
        raise UserError("地域まちづくり計画の実施状況は --fiscal-year 2026 のように年度を西暦で"
                        "指定してください（2026 = 令和8年度）。")
    output = Path(output)
    chosen = fmt or ("csv" if output.suffix.lower() == ".csv" else "html")
    if chosen not in EXPORT_FORMATS:
        raise UserError("地域まちづくり計画の実施状況は --format csv か html で書き出します。")
    year = fiscal_year_label(fiscal_year)
    if chosen == "csv":
        from kyodo_desk.exports.plans import write_plans_csv

        if output.suffix.lower() != ".csv":
            raise UserError(f"CSV は .csv のファイルに書き出します（-o {output.name} の拡張子を"
                            ".csv にしてください）。")
        rows = write_plans_csv(db, actor, fiscal_year, output)
        print(f"{year}の地域まちづくり計画の実施状況（{rows} 行）を {output} に書き出しました。")
        return 0
    from kyodo_desk.exports.plans_html import write_plans_html

    if output.suffix.lower() in (".csv", ".html", ".htm"):
        raise UserError(f"--format html では -o にフォルダを指定します（{output.name} ではなく、"
                        "例えば plans-2026 のように）。")
    load_date_style(db, actor)  # the pages' dates as prints are dated
    pages = write_plans_html(db, actor, fiscal_year, output, today=today)
    print(f"{year}の地域まちづくり計画の公表用ページ（{pages} ページ）を {output} に書き出しました"
          f"（最初のページ: {output / 'index.html'}）。")
    return 0


def check_plan(db: Database, actor: Actor, plan_id: int | None) -> int:
    """A plan-report without --plan, or with a number no plan edition has, is refused with
    the editions to choose from, since the command line has no list to pick from."""
    from kyodo_desk.services.plans import list_plans

    plans = list_plans(db, actor, include_earlier_editions=True)
    if plan_id is not None and any(p.id == plan_id for p in plans):
        return plan_id
    choices = "、".join(f"{p.id} {p.district} {p.title}（第{p.edition}版 {p.period_label}）"
                       for p in plans) or "まだありません"
    if plan_id is None:
        raise UserError(f"plan-report を作るには --plan で計画の番号を指定してください"
                        f"（登録されている計画: {choices}）。")
    raise UserError(f"計画の番号「{plan_id}」はありません（登録されている計画: {choices}）。")
