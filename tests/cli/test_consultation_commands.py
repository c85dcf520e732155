"""`kyodo-desk demo --consultations N` and `kyodo-desk consultations retention|anonymise`."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from kyodo_desk import cli
from kyodo_desk.database import open_database
from kyodo_desk.models import Consultation, Contact
from kyodo_desk.services.retention import ANONYMISED_TEXT


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], database_url: str):  # type: ignore[no-untyped-def]
    def run(*argv: str) -> tuple[int, str, str]:
        code = cli.main([*argv, "--database", database_url])
        out, err = capsys.readouterr()
        return code, out, err
    return run


@pytest.fixture
def stored(database_url: str):  # type: ignore[no-untyped-def]
    """Read what the command left in the database."""
    def stored(stmt):  # type: ignore[no-untyped-def]
        db = open_database(database_url)
        try:
            with db.reading(None) as session:
                return session.execute(stmt).all()
        finally:
            db.dispose()
    return stored


def count(stored, model, *conditions) -> int:  # type: ignore[no-untyped-def]
    return stored(select(func.count()).select_from(model).where(*conditions))[0][0]


def test_demo_consultations(run, stored, database_url: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("demo", "--consultations", "60")
    assert code == 0, err
    assert out.startswith("架空の相談記録を 60 件追加しました（")
    assert "連絡先" not in out
    assert count(stored, Consultation) == 60
    assert max(r[0] for r in stored(select(Consultation.held_on))) <= date.today()
    assert count(stored, Contact) >= 12  # its consultees, made up on the way


def test_demo_contacts_still_works_alone_and_together(run, stored) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("demo", "--contacts", "7")
    assert code == 0, err
    assert out.startswith("架空の連絡先を 7 件追加しました（")
    assert count(stored, Consultation) == 0
    code, out, err = run("demo", "--contacts", "3", "--consultations", "5")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("架空の連絡先を 3 件") and lines[1].startswith("架空の相談記録を 5 件")
    assert count(stored, Consultation) == 5


def test_retention_show_set_and_forever(run) -> None:  # type: ignore[no-untyped-def]
    assert run("consultations", "retention")[:2] == (
        0, "相談記録の保存年限: 設けない（匿名化しません）\n")
    assert run("consultations", "retention", "--years", "5")[:2] == (0, "相談記録の保存年限: 5 年\n")
    assert run("consultations", "retention")[:2] == (0, "相談記録の保存年限: 5 年\n")
    assert run("consultations", "retention", "--forever")[:2] == (
        0, "相談記録の保存年限: 設けない（匿名化しません）\n")


def test_a_bad_number_of_years_is_a_clean_error(  # type: ignore[no-untyped-def]
        run, capsys: pytest.CaptureFixture[str]) -> None:
    run("consultations", "retention", "--years", "3")
    with pytest.raises(SystemExit) as exited:  # refused as the command line is read
        run("consultations", "retention", "--years", "0")
    assert exited.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.endswith("エラー: --years: 0 は保存年限として扱えません（1〜100 の整数）\n")
    assert "Traceback" not in err
    assert run("consultations", "retention")[1] == "相談記録の保存年限: 3 年\n"


def test_anonymise_dry_run_then_for_real(run, stored, database_url: str) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run("consultations", "anonymise", "--today", "2026-11-25")
    assert code == 0, err
    assert "保存年限が設定されていないため" in out
    db = open_database(database_url)
    try:
        from kyodo_desk.domain.permissions import Actor
        from kyodo_desk.services.demo import add_demo_consultations

        add_demo_consultations(db, Actor.command_line(), 80, today=date(2026, 11, 25))
    finally:
        db.dispose()
    cutoff = date(2024, 11, 25)
    expired = count(stored, Consultation, Consultation.held_on < cutoff)
    assert expired > 0
    run("consultations", "retention", "--years", "2")

    code, out, err = run("consultations", "anonymise", "--dry-run", "--today", "2026-11-25")
    assert code == 0, err
    assert out == (f"保存年限 2 年: 相談日が 2024年11月25日 より前の {expired} 件が匿名化の対象です"
                   "（--dry-run のため変更していません）。\n")
    assert count(stored, Consultation, Consultation.anonymised_on.is_not(None)) == 0

    code, out, err = run("consultations", "anonymise", "--today", "2026-11-25")
    assert code == 0, err
    assert out == f"保存年限 2 年: 相談日が 2024年11月25日 より前の {expired} 件を匿名化しました。\n"
    assert count(stored, Consultation, Consultation.asked == ANONYMISED_TEXT) == expired
    assert count(stored, Consultation, Consultation.anonymised_on == date(2026, 11, 25),
                 Consultation.held_on < cutoff) == expired
    assert run("consultations", "anonymise", "--today", "2026-11-25")[1].endswith(
        " 0 件を匿名化しました。\n")


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["consultations", "--help"])
    out = capsys.readouterr().out
    assert "retention" in out and "anonymise" in out
    with pytest.raises(SystemExit):
        cli.main(["demo", "--help"])
    assert "--consultations" in capsys.readouterr().out
