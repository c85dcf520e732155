"""Exporting the audit log (操作記録) for the administrator, as CSV or xlsx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from kyodo_desk.database import Database
from kyodo_desk.database.audit import record_event
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.exports.tabular import replaced_atomically, write_csv, write_xlsx
from kyodo_desk.services.audit_log import AuditFilter, all_rows

EXPORT_HEADER = ("日時", "操作者", "操作", "対象", "番号", "変更内容")
EXPORT_SHEET_TITLE = "操作記録"
EXPORT_FORMATS = ("csv", "xlsx")


def export_audit(db: Database, actor: Actor, flt: AuditFilter, fmt: str, path: Path) -> int:
    """Write every entry matching *flt* to *path* as "csv" or "xlsx"; returns the count.

    *path* is replaced only once the whole file is written; an unwritable path raises
    UserError naming it.
    """
    actor.require(Action.READ, Resource.AUDIT_LOG)
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {EXPORT_FORMATS}")
    count = 0

    def rows() -> Iterator[list[object]]:
        nonlocal count
        for row in all_rows(db, actor, flt):
            count += 1
            at = row.at.replace(tzinfo=None)  # Japan time; Excel has no time zones
            yield [
                at if fmt == "xlsx" else at.strftime("%Y/%m/%d %H:%M:%S"),
                row.actor, row.action_label, row.table_label,
                "" if row.record_id is None else row.record_id, row.description,
            ]

    with replaced_atomically(Path(path)) as temp:
        if fmt == "csv":
            write_csv(temp, EXPORT_HEADER, rows())
        else:
            write_xlsx(temp, EXPORT_SHEET_TITLE, EXPORT_HEADER, rows())
    # The log holds personal data: taking a copy of it out is itself on the record.
    with db.writing(actor) as session:
        record_event(session, actor, "export", "audit_log", None,
                     {"件数": [None, count], "ファイル": [None, Path(path).name]})
    return count


