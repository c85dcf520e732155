"""Demo data never takes the place of the first administrator (最初の管理者): a new database
filled by `kyodo-desk demo` still asks for its administrator, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from kyodo_desk import cli
from kyodo_desk.database import Database, open_database
from kyodo_desk.domain.permissions import Actor, Role
from kyodo_desk.models import Account
from kyodo_desk.services import accounts


def demo_accounts(db: Database) -> list[tuple[str, bool]]:
    with db.reading(None) as session:
        return [(login, active) for login, active in session.execute(
            select(Account.login, Account.active).order_by(Account.login))]


def test_demo_data_on_a_new_database_still_asks_for_the_administrator(
        capsys: pytest.CaptureFixture[str], empty_url: str) -> None:
    assert cli.main(["--database", empty_url, "demo", "--consultations", "20"]) == 0
    assert "架空の相談記録を 20 件追加しました" in capsys.readouterr().out
    db = open_database(empty_url)
    try:
        made = demo_accounts(db)
        assert made and all(login.startswith("demo.") and not active for login, active in made)
        assert not accounts.has_accounts(db)  # the sign-in gives way to the first administrator

        accounts.create_account(db, Actor.system(), accounts.AccountDraft(
            login="akita.admin", display_name="秋田 管理", role=Role.ADMIN, facility_id=None,
            password="first-pass-1"))
        assert accounts.has_accounts(db)
        with db.writing(None) as session:  # only the command line can do this to an admin
            session.execute(update(Account).where(Account.login == "akita.admin")
                            .values(active=False))
        assert accounts.has_accounts(db)  # `user enable` brings it back, not a second admin
    finally:
        db.dispose()
