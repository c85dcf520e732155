"""Fixtures shared by every layer: one database per test, on SQLite and on PostgreSQL.

PostgreSQL comes from KYODO_TEST_PG_URL (a server URL whose user may create databases). Each
test run makes its own template database, migrated once, and each test gets a fresh copy of it,
so runs and tests never see each other's rows. Where CI is set, a missing server fails the run.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Headless, on a screen the size of a counter PC's (1280×800): a window that does not fit there
# fails its test here, not at the counter.
os.environ.setdefault(
    "QT_QPA_PLATFORM",
    f"offscreen:configfile={Path(__file__).resolve().parent / 'ui' / 'counter_screen.json'}")

# Property tests run the same examples on every run (a failure is reproducible, never flaky)
# and have no per-example deadline: CI runs them on a busy 2-core machine.
settings.register_profile("kyodo", derandomize=True, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.function_scoped_fixture])
settings.load_profile("kyodo")

PG_ENV = "KYODO_TEST_PG_URL"
SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(autouse=True)
def _isolated_folders(tmp_path_factory: pytest.TempPathFactory,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real user's data or config folder, nor a real database setting."""
    base = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("KYODO_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("KYODO_CONFIG_DIR", str(base / "config"))
    monkeypatch.delenv("KYODO_DATABASE_URL", raising=False)


@pytest.fixture(autouse=True)
def _logging_as_it_was() -> Iterator[None]:
    """cli.main adds a log handler to the root logger (any test may call it): take it away
    again, or it keeps writing into an earlier test's folder."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def _pg_admin_url() -> str | None:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_ENV} is not set, but CI must run the PostgreSQL tests")
        return None
    return url


class PgServer:
    """Creates and drops this run's databases on the test server."""

    def __init__(self, admin_url: str) -> None:
        import psycopg

        self.admin_url = admin_url
        self.run_id = uuid.uuid4().hex[:10]
        self.template = f"kyodo_test_{self.run_id}_tpl"
        self.created: list[str] = []
        self._psycopg = psycopg

    def _admin(self):  # type: ignore[no-untyped-def]
        from sqlalchemy import make_url

        url = make_url(self.admin_url).set(drivername="postgresql")
        return self._psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)

    def url_for(self, name: str) -> str:
        from sqlalchemy import make_url

        url = make_url(self.admin_url).set(drivername="postgresql+psycopg", database=name)
        return url.render_as_string(hide_password=False)

    def create(self, name: str, template: str = "template0") -> str:
        with self._admin() as conn:
            conn.execute(
                f'CREATE DATABASE "{name}" TEMPLATE "{template}" ENCODING \'UTF8\' '
                "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
            )
        self.created.append(name)
        return self.url_for(name)

    def drop_all(self) -> None:
        """Each DROP DATABASE waits for a checkpoint of its own (PostgreSQL 15); drops sent at
        once share one, so a run's few hundred databases go in seconds, not minutes."""
        from concurrent.futures import ThreadPoolExecutor

        def drop(names: list[str]) -> None:
            with self._admin() as conn:
                for name in names:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        names = list(reversed(self.created))
        lanes = 8
        with ThreadPoolExecutor(lanes) as pool:
            list(pool.map(drop, [names[i::lanes] for i in range(lanes)]))  # raises a failure


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer | None]:
    admin = _pg_admin_url()
    if admin is None:
        yield None
        return
    try:
        server = PgServer(admin)
        with server._admin():
            pass
    except Exception as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL test server {admin} unreachable: {exc}")
        yield None
        return
    yield server
    server.drop_all()


@pytest.fixture(scope="session")
def template_databases(pg_server: PgServer | None,
                       tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One migrated, seeded database per backend, copied for every test."""
    from kyodo_desk.database import open_database

    folder = tmp_path_factory.mktemp("template")
    templates: dict[str, str] = {}
    sqlite_file = folder / "template.sqlite3"
    _prepare_template(open_database(f"sqlite:///{sqlite_file}"))
    templates["sqlite"] = str(sqlite_file)
    if pg_server is not None:
        url = pg_server.create(pg_server.template)
        _prepare_template(open_database(url))
        templates["postgresql"] = pg_server.template
    return templates


# One account per role; argon2 hashing is slow on purpose, so it is done once per run.
TEST_PASSWORD = "kyodo-test-pass"
TEST_ACCOUNTS = {
    "admin": ("管理 太郎", "admin", "central"),
    "staff": ("窓口 花子", "counter_staff", "east"),
    "staff_west": ("西部 次郎", "counter_staff", "west"),
    "advisor": ("相談 一子", "advisor", "salon"),
    "officer": ("協働 三郎", "officer", "central"),
}


def _prepare_template(database) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.domain.permissions import Actor, Role
    from kyodo_desk.services import accounts, contacts

    facility_ids = {f.code: f.id for f in contacts.list_facilities(database, Actor.system())}
    for login, (name, role, facility) in TEST_ACCOUNTS.items():
        accounts.create_account(database, Actor.command_line(), accounts.AccountDraft(
            login=login, display_name=name, role=Role(role),
            facility_id=facility_ids[facility], password=TEST_PASSWORD))
    database.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, template_databases: dict[str, str],
                 pg_server: PgServer | None, tmp_path: Path) -> str:
    """A fresh, migrated and seeded database for this test, as a URL."""
    if request.param == "sqlite":
        target = tmp_path / "kyodo-desk.sqlite3"
        shutil.copyfile(template_databases["sqlite"], target)
        return f"sqlite:///{target}"
    if pg_server is None:
        pytest.skip(f"PostgreSQL tests need {PG_ENV}")
    name = f"kyodo_test_{pg_server.run_id}_{uuid.uuid4().hex[:8]}"
    return pg_server.create(name, template=template_databases["postgresql"])


@pytest.fixture
def db(database_url: str, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    from kyodo_desk.database import open_database
    from kyodo_desk.database.audit_chain import verify

    database = open_database(database_url)
    yield database
    # Whatever a test did through the app, the audit log's chain still holds after it.
    if request.node.get_closest_marker("audit_tampered") is None:
        with database.reading(None) as session:
            verdict = verify(session.connection())
        assert verdict.intact, [b.describe() for b in verdict.breaks]
    database.dispose()


@pytest.fixture
def seed_text() -> str:
    """The summary edition's text, from ../shared beside the checkout."""
    path = SHARED / "seed" / "000_b425ef0e562e5f41.txt"
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"the seed leaflet {path} is missing")
        pytest.skip("../shared/seed is not beside this checkout")
    return path.read_text(encoding="utf-8")


@pytest.fixture
def fresh_pg_url(pg_server: PgServer | None) -> str:
    """A new, empty PostgreSQL database of this run."""
    if pg_server is None:
        pytest.skip(f"PostgreSQL tests need {PG_ENV}")
    return pg_server.create(f"kyodo_test_{pg_server.run_id}_{uuid.uuid4().hex[:8]}")


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with nothing in it yet, on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kyodo-desk.sqlite3'}"
    return request.getfixturevalue("fresh_pg_url")


def _actor_for(db, login: str):  # type: ignore[no-untyped-def]
    from kyodo_desk.domain.permissions import Actor
    from kyodo_desk.services import accounts

    info = accounts.find_account(db, Actor.command_line(), login)
    return Actor(info.id, info.login, info.display_name, info.role, info.facility_id)


@pytest.fixture
def actor(db):  # type: ignore[no-untyped-def]
    """Counter staff of 東部市民サービスセンター, the most common user."""
    return _actor_for(db, "staff")


@pytest.fixture
def admin(db):  # type: ignore[no-untyped-def]
    return _actor_for(db, "admin")


@pytest.fixture
def accounts_by_login(db):  # type: ignore[no-untyped-def]
    return {login: _actor_for(db, login) for login in TEST_ACCOUNTS}


@pytest.fixture
def facilities(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The seeded facilities' ids by code (east, west, …, salon)."""
    from kyodo_desk.domain.permissions import Actor
    from kyodo_desk.services.contacts import list_facilities

    return {f.code: f.id for f in list_facilities(db, Actor.system())}


@pytest.fixture
def topics(db, actor) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The seeded consultation topics' ids by name."""
    from kyodo_desk.services.consultations import list_topics

    return {t.name: t.id for t in list_topics(db, actor)}
