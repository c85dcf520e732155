"""地域 (districts): the towns of each of the city's seven districts, kept by the administrator
(町名と地域), and the district an address suggests (domain/districts.py reads the address).

The table only suggests: a contact, an event or a grant case keeps the 地域 that was chosen
for it, and correcting a town here changes no record. The table is small (323 towns), so it
is read whole at each suggestion; `suggest` takes about a millisecond (measured on SQLite and
PostgreSQL, 2 cores) and needs no cache that could go stale when the administrator corrects it.

Every function takes the open Database and does its work in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain.districts import suggest_district
from kyodo_desk.domain.errors import NotFound, ValidationError
from kyodo_desk.domain.labels import DISTRICTS
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.domain.text import fold_query
from kyodo_desk.models import DistrictTown, Facility


@dataclass(frozen=True)
class TownDistrict:
    """One line of the table: 町名 (as Japan Post spells it) and its 地域."""

    town: str
    district: str


def town_table(session: Session) -> dict[str, str]:
    """町名 → 地域 as the administrator keeps it."""
    rows = session.execute(select(DistrictTown.town, DistrictTown.district))
    return {town: district for town, district in rows}


def suggest(db: Database, actor: Actor | None, address: str, postal_code: str = "") -> str:
    """The 地域 *address* (or its postal code) lies in: a district, 市外, or "" (unknown)."""
    with db.reading(actor) as session:
        return suggest_district(address, postal_code, town_table(session))


def towns(db: Database, actor: Actor) -> dict[str, str]:
    """The whole table (町名 → 地域), for a form that suggests as the clerk types."""
    actor.require(Action.READ, Resource.DISTRICTS)
    with db.reading(actor) as session:
        return town_table(session)


def facility_districts(db: Database, actor: Actor) -> dict[int, str]:
    """The 地域 each facility's address suggests (a facility as an event's 会場)."""
    actor.require(Action.READ, Resource.DISTRICTS)
    with db.reading(actor) as session:
        table = town_table(session)
        rows = session.execute(select(Facility.id, Facility.address, Facility.postal_code))
        return {facility_id: suggest_district(address, postal_code, table)
                for facility_id, address, postal_code in rows}


def list_towns(db: Database, actor: Actor, query: str = "") -> list[TownDistrict]:
    """The towns, district by district in the usual order, then by name; *query* keeps the
    towns whose name contains it (ヶ/ケ, width folded) or whose 地域 is it."""
    actor.require(Action.READ, Resource.DISTRICTS)
    with db.reading(actor) as session:
        table = town_table(session)
    wanted = fold_query(query.replace("ヶ", "ケ"))
    order = {d: n for n, d in enumerate(DISTRICTS)}
    return [TownDistrict(town, district) for town, district in
            sorted(table.items(), key=lambda t: (order.get(t[1], len(order)), t[0]))
            if not wanted or wanted in fold_query(town) or wanted == district]


@retry_on_contention
def set_district(db: Database, actor: Actor, town: str, district: str) -> TownDistrict:
    """Put *town* in *district* (one of the seven; the administrator only). Audited like any
    change; the records already filed keep the 地域 they were given."""
    actor.require(Action.CHANGE, Resource.DISTRICTS)
    if district not in DISTRICTS:
        raise ValidationError.single(
            "district", f"地域は「{'・'.join(DISTRICTS)}」のどれかを選んでください。")
    with db.writing(actor) as session:
        row = session.get(DistrictTown, town)
        if row is None:
            raise NotFound(f"町名「{town}」は表にありません。一覧を開き直してください。")
        row.district = district
        return TownDistrict(row.town, row.district)
