"""Two PostgreSQL roles (サーバーの権限): the owner migrates, the app role owns nothing.

PostgreSQL only, on the test server: roles are cluster-wide, so every test makes its own
role and database names and drops them afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest
from sqlalchemy import make_url, select, text

from kyodo_desk.database import open_database, schema, server_roles
from kyodo_desk.domain.errors import StartupError
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import AuditEntry, ContactKind
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import ContactDraft, GroupType
from tests.conftest import PgServer

CLI = Actor.command_line()
DATA = ("SELECT", "INSERT", "UPDATE", "DELETE")


@dataclass(frozen=True)
class Server:
    """One test's names on the test server, and URLs for each role."""

    pg: PgServer
    plan: server_roles.ServerPlan

    @property
    def admin_url(self) -> str:
        return self.pg.admin_url

    def url(self, role: str | None = None, database: str | None = None) -> str:
        url = make_url(self.pg.url_for(database or self.plan.database))
        return url.set(username=role).render_as_string(hide_password=False) if role else \
            url.render_as_string(hide_password=False)

    @property
    def app_url(self) -> str:
        return self.url(self.plan.app)

    @property
    def owner_url(self) -> str:
        return self.url(self.plan.owner)

    def sql(self, statement: str, role: str | None = None) -> list[tuple[object, ...]]:
        """Run *statement* as *role* (default: the administrator) in the test's database."""
        plain = make_url(self.url(role)).set(drivername="postgresql")
        with psycopg.connect(plain.render_as_string(hide_password=False),
                             autocommit=True) as conn:
            cursor = conn.execute(statement)
            return cursor.fetchall() if cursor.description else []

    def init(self) -> server_roles.ServerReport:
        return server_roles.init_server(make_url(self.admin_url), self.plan,
                                        lambda role: f"pw-{role}")


def new_server(pg_server: PgServer | None) -> Server:
    if pg_server is None:
        pytest.skip("PostgreSQL tests need KYODO_TEST_PG_URL")
    tag = f"kt{pg_server.run_id}_{uuid.uuid4().hex[:6]}"
    return Server(pg_server, server_roles.ServerPlan(f"{tag}_db", f"{tag}_owner", f"{tag}_app"))


@pytest.fixture
def server(pg_server: PgServer | None) -> Iterator[Server]:
    made = new_server(pg_server)
    yield made
    drop_setup(made.pg, made.plan.database, made.plan.owner, made.plan.app)


@pytest.fixture(scope="module")
def set_up(pg_server: PgServer | None) -> Iterator[Server]:
    """One server set up for the tests that only try what the app role is refused (a refusal
    changes nothing): init-server takes seconds, as a first migration does."""
    made = new_server(pg_server)
    made.init()
    db = open_database(made.app_url)  # a row in the log to protect
    try:
        svc.create_contact(db, CLI, ContactDraft(kind=ContactKind.PERSON, name="佐藤 花子"))
    finally:
        db.dispose()
    yield made
    drop_setup(made.pg, made.plan.database, made.plan.owner, made.plan.app)


def drop_setup(pg: PgServer, database: str, *roles: str) -> None:
    with pg._admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        for role in roles:
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def downgrade_one(owner_url: str) -> str:
    """Take the schema one revision back, as the owner: an app older than its update."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    previous = schema.known_revisions()[-2]
    engine = create_engine(owner_url)
    try:
        with engine.begin() as conn:
            config = Config()
            config.set_main_option("script_location", str(schema.migrations_dir()))
            config.attributes["connection"] = conn
            command.downgrade(config, previous)
    finally:
        engine.dispose()
    return previous


def rights(server: Server, role: str, table: str) -> tuple[str, ...]:
    found = server.sql(f"SELECT p FROM unnest(ARRAY{list(server_roles.TABLE_PRIVILEGES)}) p "
                       f"WHERE has_table_privilege('{role}', 'public.{table}', p)")
    return tuple(str(r[0]) for r in found)


def owners(server: Server) -> set[str]:
    return {str(r[0]) for r in server.sql(
        "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class "
        "WHERE relnamespace = 'public'::regnamespace")}


def audit_rows(server: Server) -> int:
    return int(server.sql("SELECT count(*) FROM audit_log")[0][0])  # type: ignore[call-overload]


def test_init_server_makes_an_owner_that_owns_all_and_an_app_role_that_owns_nothing(
        server: Server) -> None:
    report = server.init()

    plan = server.plan
    assert report.created_roles == [plan.owner, plan.app]
    assert report.created_database
    assert report.revision_before is None
    assert report.revision_after == schema.head_revision()
    assert owners(server) == {plan.owner}
    assert server.sql(f"SELECT pg_get_userbyid(datdba) FROM pg_database "
                      f"WHERE datname = '{plan.database}'") == [(plan.owner,)]
    by_role = {r.role: r for r in report.matrix}
    app, owner = by_role[plan.app], by_role[plan.owner]
    assert (owner.owner, app.owner, app.superuser) == (True, False, False)
    assert app.schema == ("USAGE",) and app.database == ("CONNECT",)
    assert "CREATE" in owner.schema
    assert app.tables[("SELECT", "INSERT")] == ["audit_log"]
    assert app.tables[("SELECT",)] == ["alembic_version"]
    assert "contacts" in app.tables[DATA] and "consultations" in app.tables[DATA]
    assert len(app.tables) == 3  # nothing else: no TRUNCATE, REFERENCES or TRIGGER anywhere
    # The passwords are stored as SCRAM verifiers, never as given.
    stored = server.sql(f"SELECT rolpassword FROM pg_authid WHERE rolname = '{plan.app}'")
    assert str(stored[0][0]).startswith("SCRAM-SHA-256$")
    assert f"pw-{plan.app}" not in str(stored[0][0])


def test_the_app_role_reads_and_writes_through_the_services(server: Server) -> None:
    server.init()
    before = audit_rows(server)
    db = open_database(server.app_url)
    try:
        created = svc.create_contact(db, CLI, ContactDraft(
            kind=ContactKind.PERSON, name="山田 太郎", reading="やまだ たろう",
            phone="018-800-1234"))
        changed = svc.update_contact(db, CLI, created.id, created.version, ContactDraft(
            kind=ContactKind.PERSON, name="山田 太郎", reading="やまだ たろう",
            phone="018-800-9999"))
        assert svc.get_contact(db, CLI, created.id).phone == changed.phone == "018-800-9999"
        with db.reading(None) as session:
            logged = session.scalars(select(AuditEntry.action).where(
                AuditEntry.table_name == "contacts", AuditEntry.record_id == created.id)).all()
    finally:
        db.dispose()
    assert {"insert", "update"} <= set(logged)
    assert audit_rows(server) > before


@pytest.mark.parametrize("statement", [
    "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
    "ALTER TABLE audit_log DISABLE TRIGGER ALL",
    "DROP TABLE audit_log",
    "DROP TABLE contacts",
    "TRUNCATE audit_log",
    "DELETE FROM audit_log",
    "UPDATE audit_log SET actor = 'someone else'",
    "CREATE TABLE parked (id integer)",
    "CREATE SCHEMA parked",
    "UPDATE alembic_version SET version_num = '0001'",
    "ALTER TABLE contacts ADD COLUMN parked text",
])
def test_the_app_role_is_refused_what_would_hide_or_rewrite_the_log(
        set_up: Server, statement: str) -> None:
    before = audit_rows(set_up)
    assert before > 0

    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        set_up.sql(statement, role=set_up.plan.app)

    assert audit_rows(set_up) == before
    assert set_up.sql("SELECT tgenabled FROM pg_trigger "
                      "WHERE tgname = 'audit_log_append_only'") == [("O",)]


def test_tables_a_later_migration_creates_get_the_app_rights(server: Server) -> None:
    server.init()
    owner, app = server.plan.owner, server.plan.app
    server.sql("CREATE TABLE later_things (id serial PRIMARY KEY, label text)", role=owner)

    assert rights(server, app, "later_things") == DATA
    server.sql("INSERT INTO later_things (label) VALUES ('x')", role=app)  # its sequence too
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        server.sql("TRUNCATE later_things", role=app)


def test_an_upgrade_by_a_superuser_creates_the_tables_as_the_owner(server: Server) -> None:
    server.init()
    downgrade_one(server.owner_url)

    db = open_database(server.url())  # the administrator's own URL: a superuser
    db.dispose()

    assert owners(server) == {server.plan.owner}
    assert rights(server, server.plan.app, "audit_log") == ("SELECT", "INSERT")
    assert rights(server, server.plan.app, "contacts") == DATA


def test_the_app_role_on_an_older_schema_is_told_who_can_upgrade_it(server: Server) -> None:
    server.init()
    previous = downgrade_one(server.owner_url)

    with pytest.raises(StartupError) as raised:
        open_database(server.app_url)

    message = raised.value.message
    port = make_url(server.admin_url).port or 5432
    host = make_url(server.admin_url).host
    assert f"スキーマ {previous} → {schema.head_revision()}" in message
    assert (f"kyodo-desk db upgrade --owner-url postgresql://{server.plan.owner}@{host}:{port}/"
            f"{server.plan.database}") in message
    assert "README「PostgreSQL roles」" in message
    assert server.sql("SELECT version_num FROM alembic_version") == [(previous,)]


def test_a_single_role_install_migrates_and_keeps_its_tables(
        server: Server, pg_server: PgServer) -> None:
    """Before two roles: one login role owns the database and runs the app."""
    single = server.plan.owner
    with pg_server._admin() as conn:
        conn.execute(f'CREATE ROLE "{single}" LOGIN')
        conn.execute(f'CREATE DATABASE "{server.plan.database}" OWNER "{single}" '
                     "TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' "
                     "LC_CTYPE 'C.UTF-8'")

    db = open_database(server.owner_url)
    try:
        assert server_roles.refresh_grants(db) == []
        svc.create_contact(db, CLI, ContactDraft(kind=ContactKind.GROUP, name="川尻みらい会",
                                                 group_type=GroupType.CIVIC_GROUP))
        with db.engine.connect() as conn:
            assert server_roles.roles_of(conn) == [single]
            assert conn.execute(text("SELECT count(*) FROM contacts")).scalar() == 1
    finally:
        db.dispose()
    assert owners(server) == {single}


def test_a_database_of_another_owner_is_left_as_it_is(server: Server,
                                                      pg_server: PgServer) -> None:
    with pg_server._admin() as conn:
        conn.execute(f'CREATE DATABASE "{server.plan.database}"')  # the administrator's

    with pytest.raises(server_roles.RoleSetupError) as raised:
        server.init()

    admin = make_url(server.admin_url).username
    assert f"所有者は「{admin}」" in raised.value.message
    assert f"--owner-role {admin}" in raised.value.message
    assert server.sql(f"SELECT pg_get_userbyid(datdba) FROM pg_database "
                      f"WHERE datname = '{server.plan.database}'") == [(admin,)]


def test_names_that_would_need_quoting_are_refused(server: Server) -> None:
    plan = server_roles.ServerPlan("kyodo", "Owner; DROP", "kyodo_app")
    with pytest.raises(server_roles.RoleSetupError):
        plan.checked()
    with pytest.raises(server_roles.RoleSetupError):
        server_roles.ServerPlan("kyodo", "same", "same").checked()
