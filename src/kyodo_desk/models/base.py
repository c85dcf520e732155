"""Declarative base, naming convention, and the columns every editable record shares."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, ClassVar, cast

from sqlalchemy import DateTime, Enum, Integer, MetaData, Table, Text, event, func, inspect
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    declared_attr,
    mapped_column,
)

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

    if TYPE_CHECKING:
        # Every model here maps one table (none a join or a select), so code may use the
        # table's name and its insert/update as well as its columns.
        __table__: ClassVar[Table]


class Versioned:
    """Optimistic locking: a save carrying an older version is refused, never overwrites.

    The version covers the record and the rows that belong to it (its topics, sessions,
    criteria …): a row whose class names its owner's key in `__version_owner__` raises the
    owner's version whenever it is added, changed or removed, and so does any change to one
    of the owner's own collections. Records with lives of their own (a sign-up of an event)
    name no owner.
    """

    if TYPE_CHECKING:
        id: Mapped[int]  # the model's

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), onupdate=func.now()
    )

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # The model's table: declared on the mixin, it would clash with Base's declaration.
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
            for key, value in _search_values(obj).items():
                setattr(obj, key, value)


def search_columns(row_class: type[Searchable], values: Mapping[str, Any]) -> dict[str, str]:
    """The search columns of a row inserted without an ORM object (a bulk insert), derived
    from *values* exactly as a flush derives them from a record's fields."""
    return _search_values(cast(Searchable, SimpleNamespace(**values)), row_class)


def _search_values(obj: Searchable, row_class: type[Searchable] | None = None) -> dict[str, str]:
    cls = row_class or type(obj)
    text, grams = gram_document(*cls.search_fields(obj))
    return {"search_text": text, "search_grams": grams,
            "sort_key": sort_key(*cls.reading_and_name(obj))}


class OwnedRow:
    """A row that belongs to a Versioned record: `__version_owner__` names the foreign-key
    column that points at it (the topic links of a consultation, the sessions of an event)."""

    __version_owner__: ClassVar[str]


def owner_class(row_class: type[OwnedRow]) -> type[Versioned]:
    """The record a row of *row_class* belongs to."""
    # The model's table (see Versioned.__mapper_args__).
    column = row_class.__table__.c[row_class.__version_owner__]  # type: ignore[attr-defined]
    (foreign_key,) = column.foreign_keys
    table = foreign_key.column.table
    for mapper in Base.registry.mappers:
        if mapper.local_table is table:
            return mapper.class_
    raise LookupError(f"no model for {table.name}")


def _owners_touched(session: Session) -> set[tuple[type[Versioned], int]]:
    touched: set[tuple[type[Versioned], int]] = set()
    for obj in [*session.new, *session.dirty, *session.deleted]:
        state = inspect(obj)
        if isinstance(obj, OwnedRow):
            if obj in session.dirty and not session.is_modified(obj):
                continue
            history = state.attrs[obj.__version_owner__].history
            # A row moved to another owner changes both.
            for owner_id in (*history.sum(), getattr(obj, obj.__version_owner__)):
                if owner_id is not None:
                    touched.add((owner_class(type(obj)), owner_id))
        elif (isinstance(obj, Versioned) and obj in session.dirty
              and obj.id is not None
              and any(state.attrs[rel.key].history.has_changes()
                      for rel in state.mapper.relationships)):
            # A collection replaced or appended to on the owner itself: the removed rows are
            # deleted by the cascade only during the flush, so they are not seen above.
            touched.add((type(obj), obj.id))
    return touched


_RAISED = "kyodo_versions_raised"


@event.listens_for(Session, "before_flush")
def _raise_owner_versions(session: Session, _ctx: object, _instances: object) -> None:
    """Give every record whose own rows changed in this flush a new version (see Versioned).

    Setting `updated_at` makes the flush write the owner's row, and a Versioned row is written
    with `WHERE version = <the version read>`: a save made from a stale copy fails there too.
    A record already written in this transaction is checked and locked already: one save
    raises a version once, however many flushes it takes.
    """
    raised = session.info.setdefault(_RAISED, set())
    now = datetime.now(UTC)
    with session.no_autoflush:
        for key in _owners_touched(session) - raised:
            owner = session.get(*key)
            if owner is not None and owner not in session.deleted:
                owner.updated_at = now


@event.listens_for(Session, "after_flush")
def _remember_written(session: Session, _ctx: object) -> None:
    raised = session.info.setdefault(_RAISED, set())
    for obj in session.dirty:
        if isinstance(obj, Versioned) and session.is_modified(obj):
            raised.add((type(obj), obj.id))


@event.listens_for(Session, "after_transaction_end")
def _forget_written(session: Session, transaction: object) -> None:
    if getattr(transaction, "parent", None) is None:
        session.info.pop(_RAISED, None)
