"""Every value a save writes is checked against its field's bound (domain/bounds.py) first.

Checked at the flush, so no service and no form can forget it; only values the save sets are
checked, so an old record with a value from before a bound existed can still be changed in
its other fields. A value out of bounds is refused as a ValidationError naming the field,
before the database sees it, and the transaction is rolled back whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper, Session

from kyodo_desk.domain.bounds import DERIVED, FIELD_BOUNDS, Bound, Derived, problem
from kyodo_desk.domain.errors import FieldProblem, ValidationError
from kyodo_desk.models.base import Base, OwnedRow


@event.listens_for(Session, "before_flush")
def _check_bounds(session: Session, _ctx: object, _instances: object) -> None:
    problems: list[FieldProblem] = []
    for obj in [*session.new, *session.dirty]:
        model: type[Base] = type(obj)  # what a session holds is a model of this app
        bounded = _bounded_columns(model)
        if not bounded:
            continue
        state = inspect(obj)
        changed = state.committed_state if state.has_identity else None
        for key, field, bound in bounded:
            # A stored row's value is checked only if this save sets it (see the docstring).
            if changed is not None and (key not in changed
                                        or not state.attrs[key].history.added):
                continue
            _add(problems, problem(field, bound, getattr(obj, key)))
    if problems:
        raise ValidationError(problems)


def check_row(row_class: type, values: Mapping[str, object]) -> None:
    """The same check for a row inserted without an ORM object (audit.insert_row)."""
    problems: list[FieldProblem] = []
    for key, field, bound in _bounded_columns(row_class):
        _add(problems, problem(field, bound, values.get(key)))
    if problems:
        raise ValidationError(problems)


def _add(problems: list[FieldProblem], found: FieldProblem | None) -> None:
    if found is not None and found not in problems:
        problems.append(found)


@cache
def _bounded_columns(row_class: type) -> tuple[tuple[str, str, Bound], ...]:
    """(attribute, form field, bound) of each column of *row_class* that has a bound to check,
    in the mapper's order: worked out once per class, not at every flush."""
    bounds = FIELD_BOUNDS.get(getattr(row_class, "__tablename__", ""), {})
    mapper: Mapper[Any] | None = inspect(row_class, raiseerr=False)
    if mapper is None:
        return ()
    return tuple((column.key, _field_of(row_class, column.key), bounds[column.key])
                 for column in mapper.column_attrs
                 if not isinstance(bounds.get(column.key, DERIVED), Derived))


@cache
def _field_of(row_class: type, key: str) -> str:
    """The form field a column answers for: its own name, or for a row that belongs to a
    record (a session of an event), the record's list that holds it ("sessions")."""
    if not issubclass(row_class, OwnedRow):
        return key
    for mapper in Base.registry.mappers:
        for relationship in mapper.relationships:
            if relationship.mapper.class_ is row_class and relationship.uselist:
                return relationship.key
    return key
