"""加入日 (memberships.joined_on) of memberships made before the app kept it: migration 0015
dates each from the audit log's insert of it, in Japan time, the latest insert where it was
removed and made again; one the log holds no insert of stays unknown. On both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, insert, select, text

from kyodo_desk.database import open_database
from kyodo_desk.database.schema import migrations_dir
from kyodo_desk.domain.dates import japan_time
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import AuditEntry, ContactKind, GroupType, Membership
from kyodo_desk.services import contacts
from kyodo_desk.services.contacts import Affiliation, ContactDraft

CLI = Actor.command_line()


def migrate(url: str, revision: str, *, down: bool = False) -> None:
    engine = create_engine(url)
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            (command.downgrade if down else command.upgrade)(config, revision)
    finally:
        engine.dispose()


def test_existing_memberships_are_dated_from_the_audit_log(database_url: str) -> None:
    db = open_database(database_url)
    try:
        group = contacts.create_contact(db, CLI, ContactDraft(
            kind=ContactKind.GROUP, name="川反まちなか音楽の会",
            group_type=GroupType.CIVIC_GROUP)).id
        other = contacts.create_contact(db, CLI, ContactDraft(
            kind=ContactKind.GROUP, name="土崎みなと会", group_type=GroupType.CIVIC_GROUP)).id

        def person(name: str, *groups: int) -> int:
            return contacts.create_contact(db, CLI, ContactDraft(
                kind=ContactKind.PERSON, name=name,
                groups=tuple(Affiliation(g, "") for g in groups))).id

        formed = person("広面 花子", group, other)  # through the form, audited
        remade, unlogged = person("手形 次郎"), person("楢山 三郎")
        with db.writing(CLI) as session:
            # Rows the log never saw (as those made before the log were); *remade*'s inserts
            # are written below, at other moments.
            session.connection().execute(insert(Membership.__table__), [
                {"person_id": p, "group_id": group, "role": ""} for p in (remade, unlogged)])
    finally:
        db.dispose()

    migrate(database_url, "0014", down=True)
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            # The removed and made again membership: inserts written at other moments, the
            # latest 2024-04-01 00:30 in Japan (still 3月31日 in UTC).
            log = insert(AuditEntry.__table__)
            conn.execute(log, [
                {"actor": "窓口", "action": "insert", "table_name": "memberships",
                 "record_id": remade, "changes": {"group_id": [None, group], "role": [None, None]},
                 "at": datetime(2019, 6, 1, 3, tzinfo=UTC)},
                {"actor": "窓口", "action": "delete", "table_name": "memberships",
                 "record_id": remade, "changes": {"group_id": [group, None]},
                 "at": datetime(2020, 6, 1, 3, tzinfo=UTC)},
                {"actor": "窓口", "action": "insert", "table_name": "memberships",
                 "record_id": remade, "changes": {"group_id": [None, group], "role": [None, None]},
                 "at": datetime(2024, 3, 31, 15, 30, tzinfo=UTC)},
            ])
            logged_at = conn.execute(
                select(AuditEntry.at).where(AuditEntry.table_name == "memberships",
                                            AuditEntry.action == "insert",
                                            AuditEntry.record_id == formed)).scalars().all()
            assert "joined_on" not in str(conn.execute(text(
                "SELECT * FROM memberships")).keys())
    finally:
        engine.dispose()
    # The form's own inserts: the two rows of the person made in one save, at one moment.
    assert len(logged_at) == 2

    migrate(database_url, "head")
    db = open_database(database_url)
    try:
        with db.reading(CLI) as session:
            dated = {(p, g): joined for p, g, joined in session.execute(
                select(Membership.person_id, Membership.group_id, Membership.joined_on))}
    finally:
        db.dispose()
    made_on = japan_time(logged_at[0]).date()
    assert dated == {(formed, group): made_on, (formed, other): made_on,
                     (remade, group): date(2024, 4, 1), (unlogged, group): None}
