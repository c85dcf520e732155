"""First-start data: the 8 facilities of the summary edition (db/seed/facilities.json), and
the towns of each 地域 (db/seed/districts.json, which migration 0012 loads)."""

from __future__ import annotations

import json
from datetime import time
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


def seed_towns() -> dict[str, str]:
    """The shipped town table: 町名 → 地域 (db/seed/districts.json)."""
    data = json.loads((paths.db_dir() / "seed" / "districts.json").read_text(encoding="utf-8"))
    return dict(data["towns"])


def _columns(row: dict[str, Any]) -> dict[str, Any]:
    """A facility of the seed file as the model takes it. Opening hours are "hh:mm" there and
    only where the summary edition states them (it states none): never a guess."""
    columns = {key: value for key, value in row.items() if not key.startswith("_")}
    columns["kind"] = FacilityKind(row["kind"])
    for key in ("opens_at", "closes_at"):
        if columns.get(key):
            columns[key] = time.fromisoformat(columns[key])
    return columns


def load_seed(conn: Connection) -> None:
    """Insert the seed facilities, inside the migration's transaction (only if there are none)."""
    with Session(bind=conn, info={ACTOR_KEY: Actor.system()}) as session:
        if session.scalar(select(func.count()).select_from(Facility)):
            return
        for order, row in enumerate(seed_facilities(), start=1):
            session.add(Facility(**_columns(row), display_order=order, notes="", active=True))
        session.flush()
