"""`kyodo-desk contacts merge --keep ID --merge ID`, run as an administrator runs it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kyodo_desk import cli
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import consultations
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import ContactDraft, ContactKind, GroupType
from kyodo_desk.services.contacts.merge import merges_of, undo_merge
from tests.consultation_fields import valid

CLI = Actor.command_line()


def person(db, name: str, **fields: str) -> int:  # type: ignore[no-untyped-def]
    return svc.create_contact(db, CLI, ContactDraft(kind=ContactKind.PERSON, name=name,
                                                    **fields)).id


def merge(url: str, keep: int, gone: int) -> int:
    return cli.main(["--database", url, "contacts", "merge", "--keep", str(keep),
                     "--merge", str(gone)])


def test_the_merge_says_what_moved_and_fills_the_kept_records_empty_fields(
        db, database_url: str, actor, facilities: dict[str, int],
        capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    keep = person(db, "山田 太郎", phone="018-888-1234")
    gone = person(db, "ﾔﾏﾀﾞ ﾀﾛｳ", reading="やまだ たろう", phone="09011112222")
    for n in range(2):
        consultations.create_consultation(db, actor, consultations.ConsultationDraft(
            held_on=date.today() - timedelta(days=n + 1), facility_id=facilities["east"],
            asked="会の立ち上げについて", **valid({"consultee_contact_id": gone})))

    assert merge(database_url, keep, gone) == 0

    assert capsys.readouterr().out == (
        f"山田 太郎（番号 {keep}）に ﾔﾏﾀﾞ ﾀﾛｳ（番号 {gone}）を統合しました（相談 2件）。\n")
    kept = svc.get_contact(db, CLI, keep)
    assert (kept.reading, kept.phone) == ("やまだ たろう", "018-888-1234")
    assert svc.get_contact(db, CLI, gone).merged_into_id == keep
    # The screen's undo takes it back.
    [record] = merges_of(db, CLI, keep)
    undo_merge(db, CLI, record.merge_id)
    assert svc.get_contact(db, CLI, gone).active


@pytest.mark.parametrize(("pair", "says"), [
    ("same", "同じ連絡先どうしは統合できません"),
    ("missing", "番号 999999 の連絡先は見つかりません"),
    ("group", "個人と団体は統合できません"),
])
def test_a_refused_merge_says_why_and_changes_nothing(
        db, database_url: str, capsys: pytest.CaptureFixture[str], pair: str,
        says: str) -> None:  # type: ignore[no-untyped-def]
    keep = person(db, "山田 太郎")
    if pair == "group":
        other = svc.create_contact(db, CLI, ContactDraft(
            kind=ContactKind.GROUP, name="山田商店", group_type=GroupType.CIVIC_GROUP)).id
    else:
        other = keep if pair == "same" else 999_999
    before = svc.get_contact(db, CLI, keep)

    assert merge(database_url, keep, other) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("エラー: ") and says in captured.err
    assert svc.get_contact(db, CLI, keep) == before


def test_the_help_says_what_a_merge_does(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["contacts", "merge", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--keep ID" in out and "--merge ID" in out
