"""What differs between SQLite and PostgreSQL, behind one interface.

Shared code asks the backend; it never tests the dialect's name itself.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    SQLColumnExpression,
    Table,
    and_,
    bindparam,
    column,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import Alias
from sqlalchemy.types import Text


class IndexedAlias(Alias):
    """A table read through one index on SQLite (`INDEXED BY`, the alias being the index's
    name); a plain alias elsewhere. See Backend.indexed."""

    inherit_cache = True  # the name is the index, and it is part of the cache key


BY_NUMBER = "by_number"  # Backend.indexed's name for a table read only by its row number


@compiles(IndexedAlias, "sqlite")
def _indexed_by(element: IndexedAlias, compiler: SQLCompiler, **kw: Any) -> str:
    sql = compiler.visit_alias(element, **kw)
    if kw.get("asfrom"):
        sql += " NOT INDEXED" if element.name == BY_NUMBER else f" INDEXED BY {element.name}"
    return sql


# How long a token's count is trusted: it only steers a search between two exact ways of
# answering, so a count some minutes old does no harm.
TOKEN_COUNT_SECONDS = 600.0


@dataclass(frozen=True)
class Backend:
    name: str
    # Rows a search reads in list order before it asks the gram index instead: a common term
    # (秋田, 佐藤) fills a page from the first rows; a rare one is answered by the index.
    # Measured at 100,000 contacts (benchmarks/search.py): SQLite scans slower, PostgreSQL's
    # index path costs more per match. (The consultation log's search; the contacts' below.)
    scan_window: int = 2000
    # The contact search (services/contacts) reads the list in order from ix_contacts_walk
    # when a term is common, or takes the gram index's candidates when it is rare; what each
    # costs, in µs, decides. Measured at 1,000,000 contacts (benchmarks/search.py): SQLite
    # walks ~0.3 µs a row, places a candidate in the list from ix_contacts_order in ~0.6 µs
    # and checks one's text in the table in ~2 µs; PostgreSQL walks ~0.5 µs a row (an
    # index-only scan) and reads a heap page for each candidate, ~5 µs.
    walk_row_us: float = 0.3
    candidate_us: float = 0.6
    checked_candidate_us: float = 2.0
    # Rows of the list a contact search walks before it takes the gram index after all
    # (the matches lie further on): ~6 ms on SQLite, ~20 ms on PostgreSQL.
    walk_window: int = 20_000
    # token → (how many rows hold it, the cap it was counted to, when): a process-wide, rough
    # statistic, never part of an answer.
    _counts: dict[tuple[str, str], tuple[int, int, float]] = field(
        default_factory=dict, compare=False, repr=False)
    _counts_lock: threading.Lock = field(default_factory=threading.Lock, compare=False,
                                         repr=False)

    @property
    def is_sqlite(self) -> bool:
        return self.name == "sqlite"

    def contains(self, col: SQLColumnExpression[str], needle: str) -> ColumnElement[bool]:
        """Case-sensitive substring test (the text is folded already)."""
        fn = func.instr if self.is_sqlite else func.strpos
        return fn(col, needle) > 0

    def with_grams(self, stmt: Select[*tuple[Any, ...]], table: Table | Alias,
                   grams: list[str], *, trigram: bool = False) -> Select[*tuple[Any, ...]]:
        """*stmt* narrowed to the rows whose search_grams hold every one of *grams* (*table*:
        the searched table or an alias of it); *trigram*: the rows whose search_text holds
        every one of these three-character pieces (uses_trigrams)."""
        if self.is_sqlite:
            # Joined, not tested with IN: SQLite then starts from the index's matches instead
            # of checking 100,000 rows one by one against them (90 ms → 30 ms).
            matches = self.fts_matches(table, grams, trigram=trigram)
            return stmt.join(matches, matches.c.id == table.c.id)
        # Imported here: the PostgreSQL dialect module pulls in asyncio (~30 ms at start-up).
        from sqlalchemy.dialects import postgresql as pg

        if trigram:  # kyodo_trigrams(search_text), as ix_contacts_trigrams (migration 0013)
            tokens = func.kyodo_trigrams(table.c.search_text, type_=pg.ARRAY(Text))
        else:
            # The literal ' ' keeps the expression identical to the GIN index's, so it is used.
            tokens = func.string_to_array(table.c.search_grams, literal_column("' '"),
                                          type_=pg.ARRAY(Text))
        return stmt.where(tokens.contains(bindparam("grams", grams, type_=pg.ARRAY(Text))))

    def bytewise_prefix(self, expr: ColumnElement[str], prefix: str) -> ColumnElement[bool]:
        """*expr* begins with *prefix*, as a range an index compares byte by byte can answer:
        SQLite's own comparison; on PostgreSQL the pattern operators of text_pattern_ops
        (ix_contacts_name_start), which ignore the database's collation."""
        above = prefix + "\U0010ffff"  # above every character a folded text holds
        if self.is_sqlite:
            return and_(expr >= prefix, expr < above)
        return and_(expr.op("~>=~", is_comparison=True)(prefix),
                    expr.op("~<~", is_comparison=True)(above))

    # --- the contact search (services/contacts) ----------------------------------------------

    def indexed(self, table: Table, index: str) -> IndexedAlias:
        """*table* read through *index*: on SQLite always (INDEXED BY), since without ANALYZE
        statistics (the app runs none) its planner prefers an index that covers the order of a
        query to one that finds its rows (ix_contacts_walk over ix_contacts_lead2: a whole
        scan instead of 200 rows); PostgreSQL's planner has its statistics and chooses.
        The alias is the index's name; BY_NUMBER reads the table by row number alone (NOT
        INDEXED), so that a join starts from the gram index's few matches instead of checking
        every row of a covering index against them."""
        alias: IndexedAlias = IndexedAlias._construct(table, name=index)
        return alias

    def uses_trigrams(self, folded: str) -> bool:
        """Whether a term is looked up by trigrams (SQLite's contacts_fts_trigram,
        PostgreSQL's ix_contacts_trigrams) rather than by uni- and bigrams: three characters
        or more, where bigrams are too common (the bigrams of 8885 are in a quarter of the
        contacts, its trigrams in one in seventy)."""
        return len(folded) >= 3

    def fts_matches(self, table: Table | Alias, tokens: list[str], *,
                    trigram: bool = False) -> Any:
        """SQLite: the ids of the rows whose FTS5 index holds every one of *tokens*."""
        searched = table.element if isinstance(table, Alias) else table
        name = searched.name if isinstance(searched, Table) else table.name
        fts = f"{name}_fts_trigram" if trigram else f"{name}_fts"
        match = " AND ".join(f'"{t}"' for t in tokens)
        return (
            text(f"SELECT rowid AS id FROM {fts} WHERE {fts} MATCH :gram_match")
            .bindparams(gram_match=match)
            .columns(column("id", Integer))
            .subquery("gram_matches")
        )

    def candidates(self, session: Session, table: Table, tokens: list[str], *, cap: int,
                   trigram: bool = False, rows: int = 0) -> tuple[int, list[str]]:
        """About how many rows of *table* the gram index offers for *tokens* (counted to
        *cap*: the fewest rows holding one of them), to steer a search; and the tokens,
        rarest first. With *rows* (the table's), the count goes on past *cap* until the
        rarest token is known, so that a search takes its candidates from it.

        SQLite counts each token's FTS5 entries, stopping at the cap (a common token costs a
        few milliseconds once, then nothing for TOKEN_COUNT_SECONDS). PostgreSQL asks its
        planner, which knows the common tokens from ANALYZE (a count would read a heap page
        for each row); its estimates of several tokens together assume them independent
        (秋田, 田市 are not), so each token is asked alone.
        """
        while True:
            counts = {t: self._counted(session, table, t, cap, trigram) for t in tokens}
            rarest = sorted(tokens, key=lambda t: counts[t])
            if counts[rarest[0]] < cap or cap >= rows:
                return min(counts[rarest[0]], cap), rarest
            cap *= 4

    def _counted(self, session: Session, table: Table, token: str, cap: int,
                 trigram: bool) -> int:
        key = (f"{table.name}:{'3' if trigram else '2'}", token)
        now = time.monotonic()
        with self._counts_lock:
            known = self._counts.get(key)
        # A count stopped at a lower cap says nothing above it.
        if known is not None and now - known[2] < TOKEN_COUNT_SECONDS and (
                known[0] < known[1] or cap <= known[1]):
            return min(known[0], cap)
        if self.is_sqlite:
            matches = self.fts_matches(table, [token], trigram=trigram)
            inner = select(matches.c.id).limit(cap).subquery()
            count = session.scalar(select(func.count()).select_from(inner)) or 0
        else:
            stmt = self.with_grams(select(table.c.id), table, [token], trigram=trigram)
            compiled = stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
            explained = session.execute(text(f"EXPLAIN (FORMAT JSON) {compiled}")).scalar()
            plan: Any = json.loads(explained) if isinstance(explained, str) else explained
            count = min(int(plan[0]["Plan"]["Plan Rows"]), cap)
        with self._counts_lock:
            if len(self._counts) > 10_000:  # a search box types a few thousand tokens a day
                self._counts.clear()
            self._counts[key] = (count, cap, now)
        return count

    def walk_conditions(self, columns: Any) -> list[ColumnElement[bool]]:
        """What lets a read in list order use ix_contacts_walk (*columns*: of contacts or an
        alias). PostgreSQL: it holds the rows whose text and key fit a btree entry; the
        literal keeps the planner proving that the query asks no more."""
        if self.is_sqlite:
            return []
        return [self._walk_entry(columns) <= literal_column(str(self._walk_bytes()))]

    def long_text_conditions(self, columns: Any) -> list[ColumnElement[bool]] | None:
        """The rows ix_contacts_walk leaves out (ix_contacts_walk_long); None on SQLite,
        where it leaves out none."""
        if self.is_sqlite:
            return None
        return [self._walk_entry(columns) > literal_column(str(self._walk_bytes()))]

    @staticmethod
    def _walk_entry(columns: Any) -> ColumnElement[int]:
        return func.octet_length(columns.search_text) + func.octet_length(columns.sort_key)

    @staticmethod
    def _walk_bytes() -> int:
        from kyodo_desk.models.contacts import WALK_TEXT_BYTES

        return WALK_TEXT_BYTES

    @property
    def keeps_subquery_order(self) -> bool:
        """Whether the planner knows that a subquery's rows come in its ORDER BY (PostgreSQL);
        SQLite sorts them again, reading the whole subquery first."""
        return not self.is_sqlite

    @property
    def candidate_order_index(self) -> str | None:
        """SQLite: the index that gives the gram index's candidates their place in the list
        without reading their rows (ix_contacts_order). PostgreSQL's GIN index yields row
        addresses, not numbers: there each candidate's row is read (None)."""
        return "ix_contacts_order" if self.is_sqlite else None

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
    if dialect_name == "sqlite":
        return Backend(dialect_name)
    return Backend(dialect_name, scan_window=5000, walk_row_us=0.5, candidate_us=5.0,
                   checked_candidate_us=5.0, walk_window=40_000)
