"""The contacts' match keys (照合キー), kept in step with the contacts whatever writes them.

Finding likely duplicates (`domain.likeness`) compares a contact only with those sharing one
of its blocking keys; the keys live in `contact_match_keys`, indexed, so a form asks the
database for the few candidates instead of reading the registry. Every flush that adds a
contact or changes a fact the keys come from refreshes that contact's keys in the same
transaction; bulk inserts without the ORM call `refresh_match_keys` themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, delete, event, inspect, select
from sqlalchemy.orm import Session

from kyodo_desk.database.bulk import bulk_insert
from kyodo_desk.domain.likeness import ContactFacts, blocking_keys
from kyodo_desk.models.contacts import Contact, ContactKind, ContactMatchKey

# The fields the keys are made of: a change to any other (notes, address) leaves them.
FACT_FIELDS = ("kind", "name", "reading", "phone", "email", "postal_code")
FACT_COLUMNS = (Contact.id, *(getattr(Contact, f) for f in FACT_FIELDS))
_PAGE = 5_000


def facts_of(kind: ContactKind | str, name: str, reading: str | None, phone: str | None,
             email: str | None, postal_code: str | None) -> ContactFacts:
    """What the likeness rules read of a stored contact."""
    return ContactFacts(
        kind="group" if ContactKind(kind) is ContactKind.GROUP else "person",
        name=name, reading=reading or "", phone=phone or "", email=email or "",
        postal_code=postal_code or "",
    )


def write_keys(connection: Connection, facts: Iterable[tuple[int, ContactFacts]], *,
               new: bool = False) -> None:
    """Replace the keys of each (contact id, facts); *new*: contacts that have none yet."""
    rows = list(facts)
    ids = [] if new else [contact_id for contact_id, _ in rows]
    for start in range(0, len(ids), _PAGE):
        connection.execute(delete(ContactMatchKey).where(
            ContactMatchKey.contact_id.in_(ids[start:start + _PAGE])))
    bulk_insert(connection, ContactMatchKey.__table__, [
        {"key": key, "contact_id": contact_id}
        for contact_id, f in rows for key in sorted(blocking_keys(f))])


def refresh_match_keys(connection: Connection, after_id: int = 0,
                       ids: Sequence[int] | None = None) -> int:
    """Recompute the keys of the contacts numbered above *after_id* (or of *ids*), a page at
    a time: for bulk inserts and the migration that added the keys. Returns how many."""
    done = 0
    last = after_id
    while True:
        stmt = select(*FACT_COLUMNS).order_by(Contact.id).limit(_PAGE)
        stmt = stmt.where(Contact.id > last)
        if ids is not None:
            stmt = stmt.where(Contact.id.in_(ids))
        page = connection.execute(stmt).all()
        if not page:
            return done
        write_keys(connection, ((row.id, facts_of(*row[1:])) for row in page))
        done += len(page)
        last = page[-1].id


def _facts_changed(contact: Contact) -> bool:
    state = inspect(contact)
    return any(state.attrs[f].history.has_changes() for f in FACT_FIELDS)


@event.listens_for(Session, "after_flush")
def _refresh_flushed(session: Session, _ctx: object) -> None:
    touched = [
        obj for obj in session.new if isinstance(obj, Contact)
    ] + [
        obj for obj in session.dirty if isinstance(obj, Contact) and _facts_changed(obj)
    ]
    if touched:
        write_keys(session.connection(), (
            (c.id, facts_of(c.kind, c.name, c.reading, c.phone, c.email, c.postal_code))
            for c in touched
        ))
