"""`kyodo-desk contacts erase` and `contacts retention`, run as an administrator runs them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import update

from kyodo_desk import cli
from kyodo_desk.domain.dates import full_date
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import Contact
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import ContactDraft, ContactKind

CLI = Actor.command_line()


def person(db, name: str, **fields: str) -> int:  # type: ignore[no-untyped-def]
    return svc.create_contact(db, CLI, ContactDraft(kind=ContactKind.PERSON, name=name,
                                                    **fields)).id


def run(url: str, *words: str) -> int:
    return cli.main(["--database", url, "contacts", *words])


def test_erase_says_what_it_did_and_the_values_are_gone(
        db, database_url: str, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    contact_id = person(db, "象潟 澄江", phone="0184-43-9876", email="sumie@example.jp")

    assert run(database_url, "erase", "--contact", str(contact_id), "--reason",
               "本人の申出（受付 18-4）", "--yes") == 0

    out = capsys.readouterr().out
    assert out == (f"番号 {contact_id} の連絡先を削除・利用停止しました（相談 0 件・申込 0 件の"
                   "個人情報を消去。日付・件数は残っています）。\n")
    assert "象潟" not in out
    erased = svc.get_contact(db, CLI, contact_id)
    assert (erased.name, erased.phone, erased.email, erased.active, erased.erased_on) == (
        f"（削除済み）{contact_id}", "", "", False, date.today())


def test_an_erased_contact_is_not_asked_about_again_and_says_when(
        db, database_url: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    contact_id = person(db, "象潟 澄江")
    assert run(database_url, "erase", "--contact", str(contact_id), "--reason", "申出",
               "--yes") == 0
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    asked: list[str] = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "y")

    assert run(database_url, "erase", "--contact", str(contact_id), "--reason", "申出") == 2

    assert asked == []  # the preview read the column: nothing left to confirm
    assert f"{full_date(date.today())} に削除・利用停止済み" in capsys.readouterr().err


@pytest.mark.parametrize(("words", "says"), [
    (["erase", "--contact", "999999", "--reason", "申出"], "番号 999999 の連絡先は見つかりません"),
    (["erase", "--contact", "{id}", "--reason", " "], "理由"),
])
def test_a_refused_erase_exits_2_and_changes_nothing(
        db, database_url: str, capsys: pytest.CaptureFixture[str], words: list[str],
        says: str) -> None:  # type: ignore[no-untyped-def]
    contact_id = person(db, "象潟 澄江")
    assert run(database_url, *(w.format(id=contact_id) for w in words), "--yes") == 2
    assert says in capsys.readouterr().err
    assert svc.get_contact(db, CLI, contact_id).name == "象潟 澄江"


def test_erase_without_a_reason_is_wrong_use(database_url: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run(database_url, "erase", "--contact", "1")
    assert exited.value.code == 2
    assert "--reason" in capsys.readouterr().err


def test_on_a_terminal_erase_asks_first_and_no_keeps_everything(
        db, database_url: str, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    contact_id = person(db, "象潟 澄江")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    asked: list[str] = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "n")

    assert run(database_url, "erase", "--contact", str(contact_id), "--reason", "申出") == 1

    assert "象潟 澄江" in asked[0] and "元に戻せません" in asked[0]
    assert "中止しました" in capsys.readouterr().out
    assert svc.get_contact(db, CLI, contact_id).name == "象潟 澄江"


def test_retention_dry_run_lists_the_numbers_then_the_run_anonymises_them(
        db, database_url: str, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    dormant, recent = person(db, "休眠 花子"), person(db, "常連 太郎")
    with db.begin_write() as connection:
        old = datetime(2019, 4, 1, tzinfo=UTC)
        connection.execute(update(Contact.__table__).where(Contact.__table__.c.id == dormant)
                           .values(created_at=old, updated_at=old))
    today = ["--today", date(2026, 11, 25).isoformat()]

    assert run(database_url, "retention", *today) == 0
    assert "保存年限が設定されていない" in capsys.readouterr().out
    assert run(database_url, "retention", "--years", "5") == 0
    assert capsys.readouterr().out == "個人の連絡先の保存年限: 5 年\n"
    assert run(database_url, "retention", "--dry-run", *today) == 0
    out = capsys.readouterr().out
    assert "2021年11月25日から利用のない個人 1 件" in out
    assert f"対象の番号: {dormant}\n" in out
    assert svc.get_contact(db, CLI, dormant).name == "休眠 花子"

    assert run(database_url, "retention", "--yes", *today) == 0

    assert "個人 1 件を匿名化" in capsys.readouterr().out
    assert svc.get_contact(db, CLI, dormant).name == f"（削除済み）{dormant}"
    assert svc.get_contact(db, CLI, recent).name == "常連 太郎"
