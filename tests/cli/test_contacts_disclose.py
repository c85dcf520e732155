"""`kyodo-desk contacts disclose --contact ID -o FILE [--reason TEXT]`: the 開示 PDF of everything
held about one person, written where asked, audited with the reason; wrong use says why."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from kyodo_desk import cli
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.leaflets.style import STAFF_ONLY
from kyodo_desk.models import AuditEntry, ContactKind
from kyodo_desk.services import consultations
from kyodo_desk.services.contacts import ContactDraft, create_contact
from tests.consultation_fields import valid
from tests.leaflets import flat, text_of

CLI = Actor.command_line()
ASKED = "自治会の会計を引き継いだが、帳簿の付け方がわからない。"
REASON = "窓口で本人確認のうえ受付（第3号）"


def disclose(url: str, *args: str) -> int:
    return cli.main(["--database", url, "contacts", "disclose", *args])


def test_the_pdf_holds_the_person_and_the_act_is_audited_with_the_reason(  # type: ignore[no-untyped-def]
        db, database_url: str, actor, facilities: dict[str, int], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    person = create_contact(db, CLI, ContactDraft(
        kind=ContactKind.PERSON, name="佐藤 一郎", reading="さとう いちろう",
        email="ichiro@example.jp")).id
    consultations.create_consultation(db, actor, consultations.ConsultationDraft(
        held_on=date(2026, 10, 2), facility_id=facilities["east"], asked=ASKED,
        **valid({"consultee_contact_id": person})))
    target = tmp_path / "開示.pdf"

    assert disclose(database_url, "--contact", str(person), "-o", str(target),
                    "--reason", REASON) == 0

    assert f"番号 {person} の保有個人情報の開示を {target} に書き出しました" in \
        capsys.readouterr().out
    found = flat(text_of(target.read_bytes(), tmp_path))
    for shown in (STAFF_ONLY, "保有個人情報の開示", "佐藤一郎", "ichiro@example.jp", flat(ASKED),
                  flat(REASON), "相談記録（1件）", "記録の操作履歴"):
        assert shown in found, shown
    with db.reading(CLI) as session:
        rows = session.execute(select(AuditEntry.action, AuditEntry.record_id,
                                      AuditEntry.changes)
                               .where(AuditEntry.action.in_(("disclose", "print")))).all()
    assert sorted((action, record) for action, record, _ in rows) == [
        ("disclose", person), ("print", person)]
    assert [changes for action, _, changes in rows if action == "disclose"] == [
        {"理由": [None, REASON]}]


def test_an_unknown_contact_or_a_missing_option_is_refused_and_nothing_written(  # type: ignore[no-untyped-def]
        db, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "開示.pdf"
    assert disclose(database_url, "--contact", "999999", "-o", str(target)) == 2
    assert "見つかりません" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        disclose(database_url, "-o", str(target))
    assert exited.value.code == 2 and "--contact" in capsys.readouterr().err
    assert disclose(database_url, "--contact", "1", "-o", str(target),
                    "--reason", "長い" * 200) == 2
    assert "300文字以内" in capsys.readouterr().err
    assert not target.exists()
