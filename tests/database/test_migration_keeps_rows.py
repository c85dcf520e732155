"""A migration that rebuilds a table (SQLite alters one so: copy, drop, rename) keeps the rows
that refer to it: with foreign keys on, the drop deleted every attendance of the rebuilt
registrations through ON DELETE CASCADE. Upgrading runs with them off and checks them after."""

from __future__ import annotations

from sqlalchemy import func, select

from kyodo_desk.database import open_database
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import Attendance, Registration
from kyodo_desk.services.events.checkin import check_in
from kyodo_desk.services.events.registrations import SignUpDraft, sign_up
from tests.database.test_membership_dates import migrate
from tests.event_fixtures import make_event, people

CLI = Actor.command_line()


def _counts(db) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with db.reading(CLI) as session:
        return (session.scalar(select(func.count()).select_from(Registration)) or 0,
                session.scalar(select(func.count()).select_from(Attendance)) or 0)


def test_upgrading_over_a_rebuilt_table_keeps_the_attendances(database_url: str,
                                                              facilities: dict[str, int]) -> None:
    db = open_database(database_url)
    try:
        event = make_event(db, next(iter(facilities.values())), capacity=None)
        for contact_id in people(db, 3):
            registration = sign_up(db, CLI, event.id, SignUpDraft(contact_id=contact_id))
            check_in(db, CLI, registration.registration.id, event.sessions[0].id)
        before = _counts(db)
    finally:
        db.dispose()
    assert before == (3, 3)

    migrate(database_url, "0015", down=True)  # 0016 rebuilds registrations on SQLite
    db = open_database(database_url)  # upgrades, as the app does at start
    try:
        assert _counts(db) == before
    finally:
        db.dispose()
