"""Every wrong use of every command: a Japanese message, exit 2, no traceback, nothing touched.

The commands are found by walking build_parser(), so a command added later is covered too.
"""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from kyodo_desk import cli
from kyodo_desk.cli import opening
from kyodo_desk.cli.arguments import Bounded, output_file, url_without_password
from kyodo_desk.database import open_database
from kyodo_desk.services import accounts

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
# argparse's own English words; none may reach the person.
ENGLISH = re.compile(r"usage|error:|invalid|required|unrecognized|expected|argument|choose|"
                     r"ambiguous|allowed|ignored|Traceback", re.IGNORECASE)
SECRET = "s3cret-word"


def commands(parser: argparse.ArgumentParser,
             path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """(words, parser) of every command and group of commands, the top one included."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, (*path, name))


def wrong_uses(parser: argparse.ArgumentParser, tmp: Path) -> Iterator[list[str]]:
    """A few wrong uses of one command, read from how it is declared."""
    yield ["--no-such-option"]
    subcommands = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    for action in subcommands:
        yield ["no-such-command"]
        if action.required:
            yield []
    if subcommands:
        return
    required = [a for a in parser._actions
                if a.required or (not a.option_strings and a.nargs is None)]
    if required:
        yield []  # nothing of what it needs
    yield ["extra-1", "extra-2", "extra-3", "extra-4"]
    a_file = tmp / "a-file.pdf"
    a_file.write_text("", encoding="utf-8")
    for action in parser._actions:
        if not action.option_strings or action.help == argparse.SUPPRESS:
            continue
        option = action.option_strings[-1]
        if action.nargs is None:  # an option that takes a value
            yield [option]  # … without one
        if action.choices is not None:
            yield [option, "no-such-choice"]
        if isinstance(action.type, Bounded):
            yield [option, str(action.type.low - 1)]
            yield [option, str(action.type.high + 1)]
            yield [option, "十"]
        if action.type is output_file:
            yield [option, str(a_file / "x.pdf")]
        if action.type is url_without_password:
            yield [option, f"postgresql://kyodo:{SECRET}@127.0.0.1:5432/kyodo"]
    for action in parser._actions:
        if not action.option_strings and action.choices is not None:
            yield ["no-such-choice"]
        if not action.option_strings and action.type is output_file:
            yield [str(a_file / "x.pdf")]


def every_wrong_use(tmp: Path) -> list[list[str]]:
    return [[*words, *wrong] for words, parser in commands(cli.build_parser())
            for wrong in wrong_uses(parser, tmp)]


def assert_japanese_refusal(argv: list[str], code: int | str | None, err: str) -> None:
    assert code == 2, (argv, err)
    message = err.rstrip("\n").splitlines()[-1]
    assert re.match(r"kyodo-desk.*: エラー: ", message), (argv, err)
    assert JAPANESE.search(message.split(": エラー: ", 1)[1]), (argv, err)
    assert not ENGLISH.search(err), (argv, err)
    assert SECRET not in err


def test_every_wrong_use_of_every_command_is_refused_in_japanese(
        capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    def no_database(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a wrong use reached the database")

    monkeypatch.setattr(opening, "open_for", no_database)
    uses = every_wrong_use(tmp_path)
    walked = {tuple(w for w in use if not w.startswith("-"))[:2] for use in uses}
    assert {("db", "status"), ("user", "add"), ("demo",), ("contacts", "merge")} <= walked
    for argv in uses:
        with pytest.raises(SystemExit) as exited:  # refused while the line is read
            cli.main(argv)
        assert_japanese_refusal(argv, exited.value.code, capsys.readouterr().err)
    assert len(uses) > 150


@pytest.mark.parametrize("argv", [
    ["demo", "--contacts", "-5"],
    ["contacts", "retention", "--years", "0"],
    ["consultations", "retention", "--years", "101"],
    ["report", "consultations", "--fiscal-year", "1800", "-o", "out.xlsx"],
    ["export", "grants", "--fiscal-year", "20266", "-o", "out.xlsx"],
    ["leaflet", "contact-record", "--contact", "0", "-o", "out.pdf"],
    ["contacts", "merge", "--keep", "1"],
    ["contacts", "retention", "--years", "3", "--forever"],
    ["user", "add", "sato", "--name", "佐藤", "--role", "admin", "extra"],
    ["db", "no-such"],
    ["db"],
    ["export", "facilities", "-o"],
    ["demo", "--contact", "5"],  # abbreviations are not taken: --contacts is meant
])
def test_the_messages_say_what_is_wrong_in_japanese(
        argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(argv)
    err = capsys.readouterr().err
    assert_japanese_refusal(argv, exited.value.code, err)
    assert err.startswith("使い方: kyodo-desk")


def test_the_out_of_range_message_names_the_range(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["report", "consultations", "--fiscal-year", "1800", "-o", "x.xlsx"])
    assert capsys.readouterr().err.splitlines()[-1] == (
        "kyodo-desk report: エラー: --fiscal-year: 1800 は年度として扱えません"
        "（1,873〜9,998 の整数）")


def test_a_file_where_a_folder_should_be_is_named(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF")
    with pytest.raises(SystemExit):
        cli.main(["leaflet", "facility-guide", "-o", str(report / "x.pdf")])
    assert f"「{report}」はファイルのため、その中に「x.pdf」は作れません" in capsys.readouterr().err
    assert report.read_bytes() == b"%PDF"


def test_the_help_is_japanese(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["user", "add", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("使い方: kyodo-desk user add [-h]")
    assert "\n引数:\n  ログイン名 " in out
    assert "\nオプション:\n  -h, --help " in out and "この説明を表示して終了する" in out
    assert not ENGLISH.search(out)


def test_a_real_process_exits_2_without_a_traceback(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "kyodo_desk", "demo", "--contacts", "-5"],
                          capture_output=True, text=True, encoding="utf-8", cwd=tmp_path)
    assert done.returncode == 2
    assert "エラー: --contacts: -5 は件数として扱えません" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


# --- db status looks and creates nothing ----------------------------------------------------------


def test_status_of_a_mistyped_path_creates_nothing_and_says_where_it_looked(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    mistyped = tmp_path / "kyodo-dsek" / "kyodo-desk.sqlite3"
    code = cli.main(["--database", f"sqlite:///{mistyped}", "db", "status"])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.startswith(f"エラー: データベースファイル「{mistyped}」はありません（何も作成していません）")
    assert not mistyped.parent.exists()


def test_status_of_an_empty_database_names_it_and_creates_nothing(
        capsys: pytest.CaptureFixture[str], empty_url: str) -> None:
    code = cli.main(["--database", empty_url, "db", "status"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "kyodo-desk db upgrade" in err and "Traceback" not in err
    if empty_url.startswith("sqlite"):
        assert "データベースファイル「" in err
        assert not Path(empty_url.removeprefix("sqlite:///")).exists()
    else:
        assert err.startswith("エラー: 接続先: PostgreSQL: ")
        engine = create_engine(empty_url.replace("postgresql://", "postgresql+psycopg://", 1))
        try:
            with engine.connect() as conn:
                assert inspect(conn).get_table_names() == []
        finally:
            engine.dispose()


# --- user add without a terminal ------------------------------------------------------------------


@pytest.mark.parametrize("command", [["add", "nakamura", "--name", "中村", "--role", "admin"],
                                     ["reset-password", "staff"]])
def test_a_password_prompt_without_a_terminal_says_to_use_password_stdin(
        command: list[str], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # a pipe or a script: no terminal
    code = cli.main(["user", *command, "--database", database_url])
    _, err = capsys.readouterr()
    assert code == 2
    assert err == ("エラー: パスワードを入力できません（標準入力が端末ではありません）。"
                   "スクリプトからは --password-stdin で標準入力から渡してください。\n")
    db = open_database(database_url)
    try:
        from kyodo_desk.domain.permissions import Actor

        logins = {a.login for a in accounts.list_accounts(db, Actor.command_line())}
    finally:
        db.dispose()
    assert "nakamura" not in logins
