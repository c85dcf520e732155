"""`kyodo-desk user add|list|disable|enable|set-role|reset-password`: what the administrator sees."""

from __future__ import annotations

import io

import pytest

from kyodo_desk import cli
from kyodo_desk.database import open_database
from kyodo_desk.services import accounts
from kyodo_desk.services.accounts import SignInRefused
from tests.conftest import TEST_PASSWORD

CODES = "east, west, south, north, central, kawabe, yuwa, salon"


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        database_url: str):  # type: ignore[no-untyped-def]
    def run(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = cli.main(["user", *argv, "--database", database_url])
        out, err = capsys.readouterr()
        return code, out, err
    return run


def listed(run) -> dict[str, str]:  # type: ignore[no-untyped-def]
    code, out, err = run("list")
    assert code == 0, err
    return {line.split("\t", 1)[0]: line for line in out.splitlines()}


def assert_clean_error(err: str) -> None:
    assert err.startswith("エラー: ")
    assert "Traceback" not in err


def test_add_then_list_shows_the_new_account(run, database_url: str) -> None:
    code, out, err = run("add", "Newbie", "--name", "新人 一郎", "--role", "counter_staff",
                         "--facility", "west", "--password-stdin", stdin="first-day-pass\n")
    assert code == 0, err
    assert out.strip() == "アカウント newbie（新人 一郎、窓口職員）を作成しました。"
    lines = listed(run)
    assert lines["newbie"] == "newbie\t新人 一郎\t窓口職員\t西部市民サービスセンター"
    assert lines["staff"] == "staff\t窓口 花子\t窓口職員\t東部市民サービスセンター"
    assert list(lines) == sorted(lines)
    # The first line of standard input, without its line end, is the password.
    db = open_database(database_url)
    try:
        actor, must_change = accounts.sign_in(db, "newbie", "first-day-pass")
    finally:
        db.dispose()
    assert actor.name == "新人 一郎" and must_change is False


def test_add_shows_each_role_label(run) -> None:
    code, out, err = run("add", "kanri2", "--name", "管理 二郎", "--role", "admin",
                         "--password-stdin", stdin="admin-pass-2\r\n")
    assert code == 0, err
    assert "管理者" in out
    assert listed(run)["kanri2"] == "kanri2\t管理 二郎\t管理者\t"


def test_disable_then_enable(run) -> None:
    code, out, err = run("disable", "staff")
    assert code == 0, err
    assert out.strip() == "アカウント staff を無効にしました。"
    assert listed(run)["staff"].endswith("東部市民サービスセンター（無効）")
    assert "（無効）" not in listed(run)["admin"]

    code, out, err = run("enable", "STAFF")
    assert code == 0, err
    assert out.strip() == "アカウント staff を有効にしました。"
    assert "（無効）" not in listed(run)["staff"]


def test_set_role_moves_an_account_to_another_role_and_facility(run) -> None:
    code, out, err = run("set-role", "staff", "--role", "advisor", "--facility", "salon")
    assert code == 0, err
    assert out.strip() == "アカウント staff をアドバイザー（秋田市市民交流サロン）にしました。"
    assert listed(run)["staff"] == "staff\t窓口 花子\tアドバイザー\t秋田市市民交流サロン"
    code, _out, err = run("set-role", "staff", "--role", "officer", "--facility", "nowhere")
    assert code != 0 and f"（{CODES}）" in err
    assert_clean_error(err)


def test_disabled_account_cannot_sign_in(run, database_url: str) -> None:
    assert run("disable", "staff")[0] == 0
    db = open_database(database_url)
    try:
        with pytest.raises(SignInRefused, match="無効"):
            accounts.sign_in(db, "staff", TEST_PASSWORD)
    finally:
        db.dispose()


def test_reset_password_sets_a_temporary_password(run, database_url: str) -> None:
    code, out, err = run("reset-password", "staff", "--password-stdin", stdin="temporary-pass\n")
    assert code == 0, err
    assert out.strip() == "アカウント staff に仮のパスワードを設定しました。次回サインイン時に変更を求めます。"
    db = open_database(database_url)
    try:
        _, must_change = accounts.sign_in(db, "staff", "temporary-pass")
    finally:
        db.dispose()
    assert must_change is True


def test_unknown_facility_code_lists_the_codes(run) -> None:
    code, out, err = run("add", "newbie", "--name", "新人 一郎", "--role", "counter_staff",
                         "--facility", "nowhere", "--password-stdin", stdin="first-day-pass\n")
    assert code == 2
    assert out == ""
    assert_clean_error(err)
    assert err.strip() == f"エラー: 施設コード「nowhere」はありません（{CODES}）。"
    assert "newbie" not in listed(run)


def test_duplicate_login_is_refused(run) -> None:
    before = listed(run)
    code, out, err = run("add", "Staff", "--name", "別の 人", "--role", "advisor",
                         "--password-stdin", stdin="another-pass\n")
    assert (code, out) == (2, "")
    assert_clean_error(err)
    assert "ログイン名「staff」は既に使われています。" in err
    assert listed(run) == before


def test_too_short_password_is_refused(run) -> None:
    code, out, err = run("add", "newbie", "--name", "新人 一郎", "--role", "counter_staff",
                         "--password-stdin", stdin="short\n")
    assert (code, out) == (2, "")
    assert_clean_error(err)
    assert "パスワードは8文字以上にしてください。" in err
    assert "newbie" not in listed(run)

    code, out, err = run("reset-password", "staff", "--password-stdin", stdin="short\n")
    assert (code, out) == (2, "")
    assert "パスワードは8文字以上にしてください。" in err


def test_unknown_login_is_named(run) -> None:
    for command in ("disable", "enable"):
        code, out, err = run(command, "ghost")
        assert (code, out) == (2, "")
        assert_clean_error(err)
        assert "ログイン名「ghost」のアカウントはありません。" in err
