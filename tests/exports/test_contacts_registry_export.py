"""The staff export of contacts carries the 地域 and the group registry (団体台帳)."""

from __future__ import annotations

from datetime import date

from kyodo_desk.exports.contacts import HEADER, contact_row
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.contacts import Affiliation, ContactDraft, ContactKind, GroupType, registry


def test_every_registry_field_has_its_column(db, actor) -> None:  # type: ignore[no-untyped-def]
    chair = svc.create_contact(db, actor, ContactDraft(kind=ContactKind.PERSON, name="川辺 一郎"))
    first, second = registry.list_activity_fields(db, actor)[:2]
    made = svc.create_contact(db, actor, ContactDraft(
        kind=ContactKind.GROUP, group_type=GroupType.NPO, name="川辺の森の会", district="河辺",
        legal_form="特定非営利活動法人", representative=Affiliation(chair.id, ""),
        activity_fields=(second, first), activity_area="河辺地域", member_count=24,
        founded_on=date(2015, 4, 1), sns="https://x.com/a\nhttps://x.com/b",
        listed_publicly=True, public_fields=("phone", "founded_on"), confirmed=True))
    row = dict(zip(HEADER, contact_row(svc.get_contact(db, actor, made.id)), strict=True))
    assert {k: row[k] for k in HEADER[HEADER.index("地域"):]} == {
        "地域": "河辺", "法人格": "特定非営利活動法人", "代表者": "川辺 一郎",
        "活動分野": f"{second.name}、{first.name}", "活動地域": "河辺地域", "構成員数": 24,
        "設立年月": "2015-04", "SNS": "https://x.com/a\nhttps://x.com/b",
        "団体一覧に掲載": "掲載する", "公開する項目": "電話番号、設立年月",
        "登録日": date.today().isoformat(), "最終確認日": date.today().isoformat()}


def test_the_unconfirmed_groups_are_written_for_the_clerks(db, actor, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import csv

    from kyodo_desk.exports.contacts import UNCONFIRMED_HEADER, export_unconfirmed

    old = svc.create_contact(db, actor, ContactDraft(kind=ContactKind.GROUP, name="古い会",
                                                     group_type=GroupType.CIVIC_GROUP))
    registry.confirm_contact(db, actor, old.id, old.version, today=date(2024, 6, 1))
    svc.create_contact(db, actor, ContactDraft(kind=ContactKind.GROUP, name="新しい会",
                                               group_type=GroupType.CIVIC_GROUP, confirmed=True))
    path = tmp_path / "未確認.csv"
    assert export_unconfirmed(db, actor, "csv", path) == 1
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == list(UNCONFIRMED_HEADER)
    assert (rows[1][1], rows[1][-1]) == ("古い会", "2024-06-01")
