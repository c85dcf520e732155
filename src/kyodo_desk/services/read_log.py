"""Reads of personal data (閲覧の記録): every page, search or record shown leaves one audit row.

A service that hands personal data to a screen or a command (a page of the contact list, a
search, a contact's record, a sign-up list, a case's timeline) calls `log_read` (a page or a
search: action "read") or `log_open` (one record: action "open") once the data is read and
before it is returned. One row per page or search, never one per record shown; a page or a
search that found no one shows no personal data and leaves none.

What a row holds is said without any value: which view (`View`), how many rows were shown,
where the page starts (offset, page number), whether a search was applied (never its words: a
name typed is personal data) and the kinds of filter applied (「区分」「地域」, never the value
chosen). The audit log viewer words them (services/audit_log.py).

The row is written in a short write transaction of its own, after the read: the read itself
stays in a read session (a search never holds SQLite's write lock, nor waits for it while it
reads), and the row costs one insert and a commit (benchmarks/read_log.py). If the row cannot
be written (the connection lost, the database refusing), the error reaches the caller and the
data is not returned: nothing is shown that the log does not record.

On a read-only database (a database upgraded by a newer Kyodo Desk, `Database.make_read_only`)
no row can be written, so personal data is not shown there at all: `ReadOnlyDatabase` with a
message saying why and what to do. Showing it unrecorded would let anyone keep an old copy of
the app to read without a trace; what holds no personal data (facilities, events, the
statistics) still reads. Opening a consultation has always been refused there for this reason.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.database.audit import record_event
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain.errors import ReadOnlyDatabase
from kyodo_desk.domain.permissions import Actor

__all__ = ["OPEN", "READ", "View", "log_open", "log_read", "read_details", "record_read",
           "refuse_if_read_only"]

READ = "read"  # a page of a list, or a search
OPEN = "open"  # one record


class View(enum.StrEnum):
    """Which screen's (or command's) data was shown; worded by services/audit_log.py."""

    CONTACT_LIST = "contact_list"  # 連絡先の一覧・検索
    CONTACT = "contact"  # 連絡先の詳細
    CONTACT_RECORD = "contact_record"  # 連絡先のカルテ
    LIKELY_DUPLICATES = "likely_duplicates"  # 入力中の重複候補
    DUPLICATE_PAIRS = "duplicate_pairs"  # 重複候補の一覧
    UNCONFIRMED_GROUPS = "unconfirmed_groups"  # 未確認の団体
    MERGE_PREVIEW = "merge_preview"  # 統合の確認
    MERGE_HISTORY = "merge_history"  # 統合の履歴
    CONSULTATION_LIST = "consultation_list"  # 相談記録の一覧・検索
    GRANT_CASE = "grant_case"  # 交付金案件（経過・メモ）
    SIGN_UPS = "sign_ups"  # 申込者の一覧（出席確認）
    SIGN_UP = "sign_up"  # 一件の申込
    CHECK_IN = "check_in"  # 出席確認で読んだ申込
    COURSE_COMPLETION = "course_completion"  # 講座の修了者（修了証）
    GRADUATES = "graduates"  # 修了者名簿（つむぎすと講座）


def read_details(view: View, *, rows: int | None = None, offset: int | None = None,
                 page_size: int | None = None, searched: bool = False,
                 filters: Iterable[str] = (), **counts: int) -> dict[str, Any]:
    """The details of a read row: never a value shown nor a word searched.

    *offset*: rows of the list before this page (None: not known); with *page_size*, the page
    number too. *filters*: the kinds of filter applied (their names, never their values).
    *counts*: further numbers (another record's number, how many of something).
    """
    details: dict[str, Any] = {"view": view.value}
    if rows is not None:
        details["rows"] = rows
    if offset is not None:
        details["offset"] = offset
        if page_size:
            details["page"] = offset // page_size + 1
    if searched:
        details["search"] = True
    kinds = sorted(set(filters))
    if kinds:
        details["filters"] = ",".join(kinds)  # one text: a list would read as [old, new]
    details.update(counts)
    return details


def record_read(session: Session, actor: Actor, action: str, table_name: str,
                record_id: int | None, details: dict[str, Any]) -> None:
    """The row, inside a write transaction the caller already holds (a check-in)."""
    record_event(session, actor, action, table_name, record_id, details)


def log_read(db: Database, actor: Actor, table_name: str, view: View, *, rows: int,
             offset: int | None = None, page_size: int | None = None, searched: bool = False,
             filters: Iterable[str] = (), **counts: int) -> None:
    """One "read" row for a page of a list or a search of *table_name*'s records just read;
    none for a page that showed no one (*rows* 0)."""
    refuse_if_read_only(db)
    if not rows:
        return
    _write(db, actor, READ, table_name, None,
           read_details(view, rows=rows, offset=offset, page_size=page_size,
                        searched=searched, filters=filters, **counts))


def log_open(db: Database, actor: Actor, table_name: str, record_id: int, view: View,
             **counts: int) -> None:
    """One "open" row for the record *record_id* of *table_name* just read."""
    _write(db, actor, OPEN, table_name, record_id, {**read_details(view), **counts})


def refuse_if_read_only(db: Database) -> None:
    """Refuse to show personal data where its reading cannot be recorded (see the module)."""
    if db.read_only:
        raise ReadOnlyDatabase(
            "個人の情報は、閲覧の記録を残せるときだけ表示します。"
            f"この協働デスクでは記録を書き込めません。{db.read_only_reason}")


@retry_on_contention
def _write(db: Database, actor: Actor, action: str, table_name: str, record_id: int | None,
           details: dict[str, Any]) -> None:
    refuse_if_read_only(db)
    with db.writing(actor) as session:
        record_event(session, actor, action, table_name, record_id, details)
