"""First-start data: the 8 facilities of the summary edition (db/seed/facilities.json)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from kyodo_desk import paths
from kyodo_desk.database.audit import ACTOR_KEY
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import Facility, FacilityKind


def seed_facilities() -> list[dict[str, Any]]:
    data = json.loads((paths.db_dir() / "seed" / "facilities.json").read_text(encoding="utf-8"))
    return data["facilities"]


def load_seed(conn: Connection) -> None:
    """Insert the seed facilities, inside the migration's transaction (only if there are none)."""
    with Session(bind=conn, info={ACTOR_KEY: Actor.system()}) as session:
        if session.scalar(select(func.count()).select_from(Facility)):
            return
        for order, row in enumerate(seed_facilities(), start=1):
            session.add(Facility(**{**row, "kind": FacilityKind(row["kind"])},
                                 display_order=order, hours="", notes="", active=True))
        session.flush()
