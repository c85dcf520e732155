"""`kyodo-desk db init-server` and `db upgrade --owner-url`: what the IT officer types and reads.

PostgreSQL only, on the test server, with role and database names of each test's own.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from kyodo_desk import cli
from kyodo_desk.database import open_database, schema
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import ContactKind
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import ContactDraft
from tests.conftest import PgServer
from tests.database.test_server_roles import (
    Server,
    audit_rows,
    downgrade_one,
    drop_setup,
    new_server,
    rights,
)

CLI = Actor.command_line()
OWNER_PASSWORD = "Owner-pass-8d1f"
APP_PASSWORD = "App-pass-27c4"


@pytest.fixture
def server(pg_server: PgServer | None) -> Iterator[Server]:
    made = new_server(pg_server)
    yield made
    drop_setup(made.pg, made.plan.database, made.plan.owner, made.plan.app)


def init_server(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                server: Server, *extra: str, stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(["db", "init-server", "--admin-url", server.admin_url,
                     "--database", server.plan.database, "--owner-role", server.plan.owner,
                     "--app-role", server.plan.app, *extra])
    out, err = capsys.readouterr()
    return code, out, err


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_server_on_a_fresh_server_says_what_each_counter_needs(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        server: Server) -> None:
    code, out, err = init_server(capsys, monkeypatch, server, "--passwords-stdin",
                                 stdin=f"{OWNER_PASSWORD}\n{APP_PASSWORD}\n")

    assert code == 0, err
    plan = server.plan
    assert f"ロール「{plan.owner}」を作成しました。" in out
    assert f"ロール「{plan.app}」を作成しました。" in out
    assert f"データベース「{plan.database}」を作成しました（所有者「{plan.owner}」）。" in out
    assert f"{schema.head_revision()} に更新しました" in out
    # The config.toml lines for the counters, the keyring command and the upgrade command.
    assert 'kind = "postgresql"' in out
    assert f'user = "{plan.app}"' in out and f'name = "{plan.database}"' in out
    assert f"keyring set kyodo-desk {plan.app}@127.0.0.1:5432/{plan.database}" in out
    assert (f"kyodo-desk db upgrade --owner-url postgresql://{plan.owner}@127.0.0.1:5432/"
            f"{plan.database}") in out
    # The permission matrix, read back from the server.
    assert f"ロール「{plan.app}」（窓口用）" in out
    assert "audit_log: SELECT INSERT" in out
    assert "表の変更・削除（ALTER・DROP・DISABLE TRIGGER）: できない" in out
    assert OWNER_PASSWORD not in out + err and APP_PASSWORD not in out + err

    code, out, err = run(capsys, "--database", server.app_url, "db", "status")
    assert code == 0, err
    assert f"形式の版: {schema.head_revision()}" in out


def test_a_second_init_server_keeps_the_data_and_puts_the_grants_right(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        server: Server) -> None:
    assert init_server(capsys, monkeypatch, server, "--passwords-stdin",
                       stdin=f"{OWNER_PASSWORD}\n{APP_PASSWORD}\n")[0] == 0
    db = open_database(server.app_url)
    try:
        created = svc.create_contact(db, CLI, ContactDraft(kind=ContactKind.PERSON,
                                                           name="山田 太郎"))
    finally:
        db.dispose()
    logged = audit_rows(server)
    server.sql(f'GRANT UPDATE, TRUNCATE ON audit_log TO "{server.plan.app}"')  # a hand-made slip

    code, out, err = init_server(capsys, monkeypatch, server)  # no password asked: roles exist

    assert code == 0, err
    assert f"ロール「{server.plan.owner}」は既にあります（パスワードは変えていません）。" in out
    assert f"データベース「{server.plan.database}」は既にあります" in out
    assert f"形式の版: {schema.head_revision()}（最新です）" in out
    assert rights(server, server.plan.app, "audit_log") == ("SELECT", "INSERT")
    assert audit_rows(server) == logged
    db = open_database(server.app_url)
    try:
        assert svc.get_contact(db, CLI, created.id).name == "山田 太郎"
    finally:
        db.dispose()


def test_a_password_in_the_admin_url_is_refused_and_never_repeated(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        server: Server) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    url = server.admin_url.replace("postgres@", "postgres:Secret-9f2@", 1)
    code, out, err = run(capsys, "db", "init-server", "--admin-url", url,
                         "--database", server.plan.database)

    assert code == 2
    assert "--admin-url の URL にはパスワードを書かないでください" in err
    assert "Secret-9f2" not in out + err
    with server.pg._admin() as conn:
        assert conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s",
                            (server.plan.database,)).fetchone() == (0,)


def test_without_a_terminal_a_new_role_needs_its_password_on_stdin(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        server: Server) -> None:
    code, _, err = init_server(capsys, monkeypatch, server)

    assert code == 2
    assert f"ロール「{server.plan.owner}」のパスワードを入力できません" in err
    assert "--passwords-stdin" in err


def test_the_owner_upgrades_what_the_app_role_may_not(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        server: Server) -> None:
    assert init_server(capsys, monkeypatch, server, "--passwords-stdin",
                       stdin=f"{OWNER_PASSWORD}\n{APP_PASSWORD}\n")[0] == 0
    previous = downgrade_one(server.owner_url)

    code, out, err = run(capsys, "--database", server.app_url, "db", "upgrade")
    assert code == 2
    assert f"この接続の利用者「{server.plan.app}」には形式を更新する権限がありません" in err
    assert "kyodo-desk db upgrade --owner-url" in err
    assert server.sql("SELECT version_num FROM alembic_version") == [(previous,)]

    code, out, err = run(capsys, "db", "upgrade", "--owner-url", server.owner_url)
    assert code == 0, err
    assert f"形式の版: {schema.head_revision()}" in out
    assert f"窓口用のロール「{server.plan.app}」の権限を設定し直しました。" in out
    assert rights(server, server.plan.app, "audit_log") == ("SELECT", "INSERT")

    code, out, err = run(capsys, "--database", server.app_url, "db", "roles")
    assert code == 0, err
    assert f"ロール「{server.plan.owner}」（所有者）" in out
    assert "audit_log: SELECT INSERT" in out


def test_every_message_that_points_to_the_readme_names_a_section_it_has() -> None:
    """「README「PostgreSQL roles」」 and the like must lead somewhere: a heading holding it."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    headings = [line for line in (root / "README.md").read_text(encoding="utf-8").splitlines()
                if line.startswith("#")]
    named = {m for path in (root / "src").rglob("*.py")
             for m in re.findall(r"README「([^」]+)」", path.read_text(encoding="utf-8"))}
    assert "PostgreSQL roles" in named
    assert [n for n in sorted(named) if not any(n in h for h in headings)] == []
