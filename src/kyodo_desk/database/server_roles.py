"""Least privilege on a PostgreSQL server (サーバーの権限): an owner role and an app role.

The owner role (所有者) owns the database, its `public` schema and every table; migrations
run as it. The app role (窓口用) is the one the window and the ordinary commands connect
with: it reads and writes the data tables and draws from their sequences, owns nothing, may
create nothing, and on `audit_log` may only read and append. A role that owns a table can
`ALTER TABLE … DISABLE TRIGGER` on it, so the log is safe from a role only if that role
owns nothing.

Tables made by later migrations get the app role's rights from the owner's default
privileges (`ALTER DEFAULT PRIVILEGES FOR ROLE owner`); every migration ends by granting
again (`regrant`), which also takes back from the log what a default gave. Which roles are
app roles is read from those default privileges: the database itself is the record.

A single-role install (the login role owns the tables, as before) has no default privileges
and is left as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

    from kyodo_desk.database.core import Database

DATA_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
# Tables the app role may read and append to, never change: the audit trail (操作記録).
APPEND_ONLY = {"audit_log": ("SELECT", "INSERT")}
# Tables the app role only reads: the schema version, which only a migration writes.
READ_ONLY = {"alembic_version": ("SELECT",)}
SEQUENCE_PRIVILEGES = ("USAGE", "SELECT")
# Every table privilege PostgreSQL has (15), for the permission matrix.
TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")

# Role and database names this module creates: plain lower-case identifiers, so that a name
# never needs quoting in the commands an administrator copies from its messages.
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class RoleSetupError(Exception):
    """The server refused or does not fit the set-up; *message* is in Japanese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_name(name: str, what: str) -> str:
    if not _NAME.match(name):
        raise RoleSetupError(f"{what}「{name}」は使えません。半角の英小文字・数字・_ で、"
                             "英小文字か _ で始まる 63 文字以内の名前にしてください。")
    return name


def _q(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote_identifier(name)


# --- who may migrate --------------------------------------------------------------------------


def schema_owner(conn: Connection) -> str:
    """The role the schema belongs to: alembic_version's owner, else the database's."""
    return str(conn.execute(text(
        "SELECT COALESCE("
        " (SELECT pg_get_userbyid(c.relowner) FROM pg_class c"
        "   WHERE c.oid = to_regclass('public.alembic_version')),"
        " (SELECT pg_get_userbyid(d.datdba) FROM pg_database d"
        "   WHERE d.datname = current_database()))")).scalar_one())


def migration_refused(conn: Connection) -> str | None:
    """The owner's name if this connection cannot migrate the schema; None if it can.

    It can as the owner, as a member of the owner (a superuser is one), or, before any table
    exists, as a role the `public` schema lets create tables (PostgreSQL 14 and older let
    everyone: the single-role installs of before).
    """
    owner = schema_owner(conn)
    row = conn.execute(text(
        "SELECT current_user = :owner OR pg_has_role(current_user, :owner, 'MEMBER'),"
        " to_regclass('public.alembic_version') IS NULL"
        "  AND has_schema_privilege(current_user, 'public', 'CREATE')"), {"owner": owner}).one()
    return None if row[0] or row[1] else owner


def act_as_schema_owner(conn: Connection) -> None:
    """For the rest of this transaction, create as the schema's owner (SET LOCAL ROLE).

    A superuser or a member of the owner running `db upgrade` would otherwise own the new
    tables itself, and the owner could then not migrate them. Nothing changes for the owner
    itself, or for a role that may only create in `public` (a single-role install).
    """
    owner = schema_owner(conn)
    acts = conn.execute(text(
        "SELECT current_user <> :owner AND pg_has_role(current_user, :owner, 'MEMBER')"),
        {"owner": owner}).scalar_one()
    if acts:
        conn.execute(text(f"SET LOCAL ROLE {_q(conn, owner)}"))


def current_user(conn: Connection) -> str:
    return str(conn.execute(text("SELECT current_user")).scalar_one())


# --- grants ------------------------------------------------------------------------------------


def app_roles(conn: Connection, owner: str) -> list[str]:
    """The roles *owner*'s default privileges give table rights in `public`: the app roles."""
    return list(conn.execute(text(
        "SELECT DISTINCT pg_get_userbyid(a.grantee) FROM pg_default_acl d"
        " CROSS JOIN LATERAL aclexplode(d.defaclacl) a"
        " WHERE d.defaclrole = to_regrole(:owner) AND d.defaclobjtype = 'r'"
        "  AND d.defaclnamespace = 'public'::regnamespace"
        "  AND a.grantee NOT IN (0, d.defaclrole)"
        " ORDER BY 1"), {"owner": owner}).scalars())


def grant_app_rights(conn: Connection, owner: str, app: str) -> None:
    """Give *app* exactly its rights on every table and sequence of `public`, now and for the
    tables *owner* creates later. Run as *owner* (or a superuser); idempotent."""
    a, o = _q(conn, app), _q(conn, owner)
    tables = "ALL TABLES IN SCHEMA public"
    sequences = "ALL SEQUENCES IN SCHEMA public"
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {a}",
        # From a known state: rights granted by hand (TRUNCATE, TRIGGER …) go.
        f"REVOKE ALL ON {tables} FROM {a}, PUBLIC",
        f"GRANT {', '.join(DATA_PRIVILEGES)} ON {tables} TO {a}",
        f"REVOKE ALL ON {sequences} FROM {a}, PUBLIC",
        f"GRANT {', '.join(SEQUENCE_PRIVILEGES)} ON {sequences} TO {a}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public "
        f"GRANT {', '.join(DATA_PRIVILEGES)} ON TABLES TO {a}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public "
        f"GRANT {', '.join(SEQUENCE_PRIVILEGES)} ON SEQUENCES TO {a}",
    ]
    existing = set(conn.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
    for table, allowed in (APPEND_ONLY | READ_ONLY).items():
        if table in existing:
            taken = [p for p in DATA_PRIVILEGES if p not in allowed]
            statements.append(f"REVOKE {', '.join(taken)} ON {_q(conn, table)} FROM {a}")
    for statement in statements:
        conn.execute(text(statement))


def regrant(conn: Connection) -> list[str]:
    """After a migration: the app roles' rights again, on the tables as they are now.

    Returns the app roles; none on a single-role install, which is left untouched.
    """
    owner = schema_owner(conn)
    roles = app_roles(conn, owner)
    for app in roles:
        grant_app_rights(conn, owner, app)
    return roles


def secure_database(conn: Connection, database: str, owner: str, app: str) -> None:
    """The database-wide part, run by the administrator inside *database*: the owner owns
    `public`, nobody else may create in it, only the two roles may connect."""
    d, o, a = _q(conn, database), _q(conn, owner), _q(conn, app)
    for statement in (
        f"ALTER SCHEMA public OWNER TO {o}",
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f"REVOKE ALL ON SCHEMA public FROM {a}",
        f"REVOKE ALL ON DATABASE {d} FROM PUBLIC",
        f"REVOKE ALL ON DATABASE {d} FROM {a}",
        f"GRANT CONNECT ON DATABASE {d} TO {a}",
    ):
        conn.execute(text(statement))


# --- the roles and the database (as the server's administrator) ------------------------------


@dataclass(frozen=True)
class RoleState:
    name: str
    exists: bool
    superuser: bool = False
    can_login: bool = False


def role_state(conn: Connection, name: str) -> RoleState:
    row = conn.execute(text("SELECT rolsuper, rolcanlogin FROM pg_roles WHERE rolname = :n"),
                       {"n": name}).one_or_none()
    if row is None:
        return RoleState(name, False)
    return RoleState(name, True, bool(row[0]), bool(row[1]))


def create_role(conn: Connection, name: str, password: str) -> None:
    """A login role with no special attribute (PostgreSQL's defaults: NOSUPERUSER NOCREATEDB
    NOCREATEROLE NOREPLICATION NOBYPASSRLS, which an administrator that is not a superuser may
    not even name). *conn* is in autocommit.

    The server gets the password as it stores it (a SCRAM verifier, computed here as psql's
    \\password does): the clear password never travels in a statement, so it cannot reach
    the server's statement log.
    """
    from psycopg import sql

    driver = conn.connection.driver_connection
    pgconn = getattr(driver, "pgconn", None)
    if driver is None or pgconn is None:
        raise RoleSetupError("PostgreSQL のドライバー（psycopg）で接続してください。")
    verifier = bytes(pgconn.encrypt_password(password.encode(), name.encode())).decode()
    driver.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
        sql.Identifier(name), sql.Literal(verifier)))


def _literal(value: str) -> str:
    """A string literal for DDL, which takes no parameters (a locale name, checked)."""
    return "'" + value.replace("'", "''") + "'"


def restrict_app_role(conn: Connection, app: str, owner: str) -> None:
    """The app role gets no attribute and no membership that would give it the owner's rights."""
    a, o = _q(conn, app), _q(conn, owner)
    held = conn.execute(text(
        "SELECT rolcreatedb, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles "
        "WHERE rolname = :a"), {"a": app}).one()
    taken = [f"NO{n}" for n, on in zip(("CREATEDB", "CREATEROLE", "REPLICATION", "BYPASSRLS"),
                                       held, strict=True) if on]
    if taken:  # only what it has: naming the rest needs a superuser
        conn.execute(text(f"ALTER ROLE {a} {' '.join(taken)}"))
    member = conn.execute(text("SELECT pg_has_role(:a, :o, 'MEMBER')"),
                          {"a": app, "o": owner}).scalar_one()
    if member:
        conn.execute(text(f"REVOKE {o} FROM {a}"))


def database_owner(conn: Connection, database: str) -> str | None:
    return conn.execute(text("SELECT pg_get_userbyid(datdba) FROM pg_database "
                             "WHERE datname = :d"), {"d": database}).scalar()


def create_database(conn: Connection, database: str, owner: str, locale: str) -> None:
    """UTF-8 with a UTF-8 character type: pg_trgm sees no Japanese under LC_CTYPE C."""
    conn.execute(text(
        f"CREATE DATABASE {_q(conn, database)} OWNER {_q(conn, owner)} TEMPLATE template0 "
        f"ENCODING 'UTF8' LC_COLLATE {_literal(locale)} LC_CTYPE {_literal(locale)}"))


def foreign_owners(conn: Connection, owner: str) -> list[str]:
    """Roles other than *owner* owning tables, sequences, views or functions in `public`."""
    return list(conn.execute(text(
        "SELECT DISTINCT pg_get_userbyid(owner) FROM ("
        " SELECT relowner AS owner FROM pg_class"
        "  WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r','p','v','m','S','f')"
        " UNION ALL SELECT proowner FROM pg_proc"
        "  WHERE pronamespace = 'public'::regnamespace) o"
        " WHERE pg_get_userbyid(owner) <> :owner ORDER BY 1"), {"owner": owner}).scalars())


# --- the permission matrix --------------------------------------------------------------------


@dataclass
class RoleRights:
    """What one role may do: its rights per table (grouped), on the schema and the database."""

    role: str
    owner: bool  # owns the tables (can ALTER, DROP, DISABLE TRIGGER)
    superuser: bool
    schema: tuple[str, ...]  # of USAGE, CREATE on public
    database: tuple[str, ...]  # of CONNECT, CREATE, TEMPORARY
    tables: dict[tuple[str, ...], list[str]] = field(default_factory=dict)  # rights → tables


def permission_matrix(conn: Connection, roles: Iterable[str]) -> list[RoleRights]:
    """has_table_privilege for each role × table × privilege, as the catalogue answers now."""
    tables = list(conn.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).scalars())
    out = []
    for role in roles:
        state = role_state(conn, role)
        owner = schema_owner(conn) == role
        schema = tuple(p for p in ("USAGE", "CREATE") if conn.execute(text(
            "SELECT has_schema_privilege(:r, 'public', :p)"), {"r": role, "p": p}).scalar())
        database = tuple(p for p in ("CONNECT", "CREATE", "TEMPORARY") if conn.execute(text(
            "SELECT has_database_privilege(:r, current_database(), :p)"),
            {"r": role, "p": p}).scalar())
        rights = RoleRights(role, owner, state.superuser, schema, database)
        held = conn.execute(text(
            "SELECT t, p FROM unnest(CAST(:tables AS text[])) t,"
            " unnest(CAST(:privs AS text[])) p"
            " WHERE has_table_privilege(:r, 'public.' || quote_ident(t), p)"),
            {"tables": tables, "privs": list(TABLE_PRIVILEGES), "r": role}).all()
        by_table: dict[str, list[str]] = {t: [] for t in tables}
        for table, privilege in held:
            by_table[table].append(privilege)
        for table in tables:
            key = tuple(p for p in TABLE_PRIVILEGES if p in by_table[table])
            rights.tables.setdefault(key, []).append(table)
        out.append(rights)
    return out


def roles_of(conn: Connection) -> list[str]:
    """The schema's owner, then its app roles (none on a single-role install)."""
    owner = schema_owner(conn)
    return [owner, *app_roles(conn, owner)]


# --- db init-server ---------------------------------------------------------------------------

_LOCALE = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")


@dataclass(frozen=True)
class ServerPlan:
    """What `kyodo-desk db init-server` sets up."""

    database: str = "kyodo"
    owner: str = "kyodo_owner"
    app: str = "kyodo_app"
    locale: str = "C.UTF-8"

    def checked(self) -> ServerPlan:
        check_name(self.database, "データベース名")
        check_name(self.owner, "所有者のロール名")
        check_name(self.app, "窓口用のロール名")
        if self.owner == self.app:
            raise RoleSetupError("所有者と窓口用には別々のロール名を指定してください。")
        if not _LOCALE.match(self.locale):
            raise RoleSetupError(f"ロケール「{self.locale}」は使えません（例: C.UTF-8）。")
        return self


@dataclass
class ServerReport:
    """What init-server found and did, for the administrator's summary."""

    created_roles: list[str] = field(default_factory=list)
    existing_roles: list[str] = field(default_factory=list)
    login_enabled: list[str] = field(default_factory=list)
    created_database: bool = False
    revision_before: str | None = None
    revision_after: str | None = None
    matrix: list[RoleRights] = field(default_factory=list)


def init_server(admin_url: URL, plan: ServerPlan,
                password_for: Callable[[str], str]) -> ServerReport:
    """Create (or check and repair) the two roles and the database, migrate it as the owner,
    and grant the app role its rights. Never drops or moves anything that exists.

    *admin_url*: a superuser's (or a role with CREATEROLE and CREATEDB) on any database of the
    server; *password_for(role)* is asked only for a role that is created.
    """
    from sqlalchemy.exc import DBAPIError

    from kyodo_desk.database import schema
    from kyodo_desk.database.backend import backend_for
    from kyodo_desk.database.core import Database, create_engine_for

    plan = plan.checked()
    report = ServerReport()
    admin = create_engine_for(admin_url).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            _check_admin(conn, plan)
            for role in (plan.owner, plan.app):
                state = role_state(conn, role)
                if not state.exists:
                    create_role(conn, role, password_for(role))
                    report.created_roles.append(role)
                    continue
                report.existing_roles.append(role)
                if role == plan.app and state.superuser:
                    raise RoleSetupError(
                        f"ロール「{role}」はスーパーユーザーのため、窓口用には使えません。"
                        "別の名前を --app-role で指定してください。")
                if not state.can_login:
                    conn.execute(text(f"ALTER ROLE {_q(conn, role)} LOGIN"))
                    report.login_enabled.append(role)
            restrict_app_role(conn, plan.app, plan.owner)
            _may_act_as_owner(conn, plan.owner)
            owner = database_owner(conn, plan.database)
            if owner is None:
                create_database(conn, plan.database, plan.owner, plan.locale)
                report.created_database = True
            elif owner != plan.owner:
                raise RoleSetupError(
                    f"データベース「{plan.database}」は既にあり、所有者は「{owner}」です。"
                    "データを移さずにこのまま使うには --owner-role "
                    f"{owner} を指定してください（所有者は変えず、窓口用のロールの権限だけを"
                    "設定します）。")
    finally:
        admin.dispose()

    target = admin_url.set(database=plan.database)
    engine = create_engine_for(target)
    try:
        with engine.begin() as conn:
            others = foreign_owners(conn, plan.owner)
            if others:
                raise RoleSetupError(
                    f"データベース「{plan.database}」には、所有者「{plan.owner}」以外のロール"
                    f"（{'、'.join(others)}）が持つ表などがあります。何も変えていません。"
                    f"表の持ち主を所有者にするには --owner-role {others[0]} を指定するか、"
                    "管理者が表の所有者を移してください（REASSIGN OWNED）。")
            report.revision_before = schema.current_revision(conn)
            secure_database(conn, plan.database, plan.owner, plan.app)
            grant_app_rights(conn, plan.owner, plan.app)
        db = Database(url=target, engine=engine, backend=backend_for("postgresql"))
        schema.bring_up_to_date(db)  # as the owner (SET LOCAL ROLE), then granted again
        if db.read_only:
            raise RoleSetupError(db.read_only_reason)
        with engine.begin() as conn:
            grant_app_rights(conn, plan.owner, plan.app)
            report.revision_after = schema.current_revision(conn)
            report.matrix = permission_matrix(conn, [plan.owner, plan.app])
    except DBAPIError as exc:
        raise RoleSetupError(f"サーバーが設定を拒みました: {_first_line(exc)}") from exc
    finally:
        engine.dispose()
    return report


def _check_admin(conn: Connection, plan: ServerPlan) -> None:
    row = conn.execute(text("SELECT current_user, rolsuper, rolcreaterole AND rolcreatedb "
                            "FROM pg_roles WHERE rolname = current_user")).one()
    if plan.app == row[0] or (plan.owner == row[0] and not row[1]):
        raise RoleSetupError(f"管理者のロール「{row[0]}」とは別の名前を --owner-role・"
                             "--app-role に指定してください。")
    if not (row[1] or row[2]):
        raise RoleSetupError(
            f"--admin-url のロール「{row[0]}」にはロールとデータベースを作る権限がありません。"
            "スーパーユーザー（postgres など）か、CREATEROLE と CREATEDB を持つロールで"
            "実行してください。")


def _may_act_as_owner(conn: Connection, owner: str) -> None:
    """A non-superuser administrator becomes a member of the owner, to migrate as it."""
    if not conn.execute(text("SELECT pg_has_role(current_user, :o, 'MEMBER')"),
                        {"o": owner}).scalar_one():
        conn.execute(text(f"GRANT {_q(conn, owner)} TO CURRENT_USER"))


def _first_line(exc: Exception) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


def refresh_grants(db: Database) -> list[str]:
    """At the end of `db upgrade`: the app roles' rights again, when this connection may act
    as the owner (else nothing: the app role changes no grant). Returns the app roles."""
    with db.begin_write() as conn:
        if migration_refused(conn) is not None:
            return []
        act_as_schema_owner(conn)
        return regrant(conn)
