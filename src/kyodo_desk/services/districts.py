"""地域 (districts): the towns of each of the city's seven districts, kept by the administrator,
and the district an address suggests (domain/districts.py reads the address).

Every function takes the open Database and does its work in one transaction.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kyodo_desk.database import Database
from kyodo_desk.domain.districts import suggest_district
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import DistrictTown


def town_table(session: Session) -> dict[str, str]:
    """町名 → 地域 as the administrator keeps it."""
    return dict(session.execute(select(DistrictTown.town, DistrictTown.district)).tuples())


def suggest(db: Database, actor: Actor | None, address: str, postal_code: str = "") -> str:
    """The 地域 *address* (or its postal code) lies in: a district, 市外, or "" (unknown)."""
    with db.reading(actor) as session:
        return suggest_district(address, postal_code, town_table(session))
