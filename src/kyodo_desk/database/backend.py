"""What differs between SQLite and PostgreSQL, behind one interface.

Shared code asks the backend; it never tests the dialect's name itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    SQLColumnExpression,
    Table,
    bindparam,
    column,
    func,
    literal_column,
    text,
)
from sqlalchemy.orm import Session
from sqlalchemy.types import Text


@dataclass(frozen=True)
class Backend:
    name: str
    # Rows a search reads in list order before it asks the gram index instead: a common term
    # (秋田, 佐藤) fills a page from the first rows; a rare one is answered by the index.
    # Measured at 100,000 contacts (benchmarks/search.py): SQLite scans slower, PostgreSQL's
    # index path costs more per match.
    scan_window: int = 2000

    @property
    def is_sqlite(self) -> bool:
        return self.name == "sqlite"

    def contains(self, col: SQLColumnExpression[str], needle: str) -> ColumnElement[bool]:
        """Case-sensitive substring test (the text is folded already)."""
        fn = func.instr if self.is_sqlite else func.strpos
        return fn(col, needle) > 0

    def with_grams(self, stmt: Select[*tuple[Any, ...]], table: Table,
                   grams: list[str]) -> Select[*tuple[Any, ...]]:
        """*stmt* narrowed to the rows whose search_grams hold every one of *grams*."""
        if self.is_sqlite:
            # Joined, not tested with IN: SQLite then starts from the index's matches instead
            # of checking 100,000 rows one by one against them (90 ms → 30 ms).
            fts = f"{table.name}_fts"
            match = " AND ".join(f'"{g}"' for g in grams)
            matches = (
                text(f"SELECT rowid AS id FROM {fts} WHERE {fts} MATCH :gram_match")
                .bindparams(gram_match=match)
                .columns(column("id", Integer))
                .subquery("gram_matches")
            )
            return stmt.join(matches, matches.c.id == table.c.id)
        # Imported here: the PostgreSQL dialect module pulls in asyncio (~30 ms at start-up).
        from sqlalchemy.dialects import postgresql as pg

        # The literal ' ' keeps the expression identical to the GIN index's, so it is used.
        tokens = func.string_to_array(table.c.search_grams, literal_column("' '"),
                                      type_=pg.ARRAY(Text))
        return stmt.where(tokens.contains(bindparam("grams", grams, type_=pg.ARRAY(Text))))

    def favour_index(self, session: Session) -> None:
        """Steer the rest of this read transaction away from sequential scans (PostgreSQL).

        The planner does not cost string_to_array per row: for a term whose grams are common
        (秋田, 田市) it picks a sequential scan of 380 ms over the GIN bitmap scan of 35 ms.
        """
        if not self.is_sqlite:
            session.execute(text("SET LOCAL enable_seqscan = off"))

    def allow_large_joins(self, session: Session) -> None:
        """Let the rest of this read transaction hash a large join in memory (PostgreSQL).

        A year's consultations joined to their topics outgrow the default 4 MB at 1,000,000
        records and spill to disk; SQLite has no such limit to raise.
        """
        if not self.is_sqlite:
            session.execute(text("SET LOCAL work_mem = '64MB'"))


def backend_for(dialect_name: str) -> Backend:
    if dialect_name not in {"sqlite", "postgresql"}:
        raise ValueError(f"unsupported database: {dialect_name}")
    return Backend(dialect_name, scan_window=2000 if dialect_name == "sqlite" else 5000)
