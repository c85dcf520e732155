"""Declarative base, naming convention, and the columns every editable record shares."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, Enum, Integer, MetaData, Text, event, func
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, declared_attr, mapped_column

from kyodo_desk.domain.text import gram_document, sort_key

# Named constraints from the first migration on: SQLite's batch rebuilds drop unnamed ones.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Byte order of kana readings, identical on both databases; PostgreSQL's locale collations differ.
SortText = Text().with_variant(Text(collation="C"), "postgresql")


def string_enum(cls: type[enum.Enum], name: str) -> Enum:
    """An enum column stored as plain strings with a named CHECK: a new member is a small
    migration on both databases, with no native type to alter."""
    return Enum(cls, name=name, native_enum=False, create_constraint=True, length=20,
                values_callable=lambda e: [m.value for m in e])


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Versioned:
    """Optimistic locking: a save carrying an older version is refused, never overwrites."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), onupdate=func.now()
    )

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]


class Searchable:
    """Folded search columns, filled from `search_fields()` before every flush.

    `search_text` is checked by substring; `search_grams` (space-separated uni- and bigrams)
    is what the backend indexes: FTS5 on SQLite, a GIN array index on PostgreSQL.
    """

    sort_key: Mapped[str] = mapped_column(SortText, nullable=False, default="")
    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    search_grams: Mapped[str] = mapped_column(Text, nullable=False, default="")

    def search_fields(self) -> tuple[str | None, ...]:
        raise NotImplementedError

    def reading_and_name(self) -> tuple[str | None, str]:
        raise NotImplementedError


@event.listens_for(Session, "before_flush")
def _refresh_search_columns(session: Session, _ctx: object, _instances: object) -> None:
    """Derive the search columns from the fields, whichever session writes the record."""
    for obj in [*session.new, *session.dirty]:
        if isinstance(obj, Searchable):
            obj.search_text, obj.search_grams = gram_document(*obj.search_fields())
            obj.sort_key = sort_key(*obj.reading_and_name())
