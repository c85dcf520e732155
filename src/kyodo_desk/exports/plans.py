"""地域まちづくり計画の実施状況 as a CSV (公表): every district's plan in force in a fiscal year,
one row per plan and action, for the city's web page and for merging into other lists.

Columns: 地域, 計画名, 版, 期間, 段階, 取組, 主体, 指標, 目標値, 単位, 実績値, 実施状況,
実績・成果, 公表日. 版 and the figures are numbers; 公表日 is YYYY-MM-DD, empty before the
year is published; an action not reported yet reads 未報告, and a plan without actions still
has one row (its action columns empty), so every plan of the year is in the file. What is
written is what the plan report prints (services/plans/publication.py): no individual.
"""

from __future__ import annotations

from pathlib import Path

from kyodo_desk.database import Database
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.domain.plans import PLAN_STAGE_LABELS
from kyodo_desk.exports.tabular import replaced_atomically, write_csv
from kyodo_desk.services.plans.publication import (
    PlanReport,
    PublicAction,
    YearPublication,
    year_publication,
)

HEADER = ("地域", "計画名", "版", "期間", "段階", "取組", "主体", "指標", "目標値", "単位",
          "実績値", "実施状況", "実績・成果", "公表日")


def write_plans_csv(db: Database, actor: Actor, fiscal_year: int, path: Path) -> int:
    """Write the plans in force in *fiscal_year* (2026 = 令和8年度) to *path* as CSV (UTF-8
    with BOM); returns how many rows. *path* is replaced only once the whole file is
    written."""
    rows = plan_rows(year_publication(db, actor, fiscal_year))
    with replaced_atomically(Path(path)) as temp:
        write_csv(temp, HEADER, rows)
    return len(rows)


def plan_rows(publication: YearPublication) -> list[list[object]]:
    rows: list[list[object]] = []
    for report in publication.reports:
        if not report.actions:
            rows.append(_row(report, None))
        rows += [_row(report, action) for action in report.actions]
    return rows


def _row(report: PlanReport, a: PublicAction | None) -> list[object]:
    plan: list[object] = [report.district, report.title, report.edition, report.period_label,
                          PLAN_STAGE_LABELS[report.stage]]
    published = report.published_on.isoformat() if report.published_on is not None else None
    if a is None:
        return [*plan, None, None, None, None, None, None, None, None, published]
    return [*plan, a.title, a.carrier_text, a.indicator, a.target, a.unit, a.figure,
            a.status_text, a.result, published]
