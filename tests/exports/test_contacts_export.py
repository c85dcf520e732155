"""連絡先一覧 (`export contacts`) read back as the staff would: the workbook in openpyxl, the CSV
as Excel opens it, each row checked against the contact as the service gives it. `registry`
is also the data of the command line tests."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from kyodo_desk.domain.errors import AccountChanged, UserError
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.exports import contacts as contacts_export
from kyodo_desk.exports.contacts import HEADER, export_contacts
from kyodo_desk.models import ContactKind, GroupType
from kyodo_desk.services import accounts
from kyodo_desk.services.audit_log import AuditFilter, all_rows
from kyodo_desk.services.contacts import (
    Affiliation,
    ContactDraft,
    create_contact,
    every_contact,
    get_contact,
    set_contact_active,
)

BOM = b"\xef\xbb\xbf"
MACHI = "秋田まちづくりの会"
KANKYO = "あきた環境クラブ"
HANAKO = "秋田 花子"
JIRO = "河辺 次郎"
NOTES = "=平日の夜に連絡\n代表者会議は第2火曜"  # a leading "=" stays text, a line break stays


@dataclass(frozen=True)
class Registry:
    """Two groups and two people: 秋田 花子 in both groups (事務局 in one), 河辺 次郎 in
    秋田まちづくりの会 but removed, as is あきた環境クラブ."""

    ids: dict[str, int]  # by name


def registry(db) -> Registry:  # type: ignore[no-untyped-def]
    actor = Actor.command_line()
    machi = create_contact(db, actor, ContactDraft(
        kind=ContactKind.GROUP, group_type=GroupType.COMMUNITY_ORG, name=MACHI,
        reading="あきたまちづくりのかい", postal_code="010-0001", address="秋田市中通2丁目1-1",
        phone="018-888-5640", email="machi@example.jp", website="https://machi.example.jp/",
        notes=NOTES))
    kankyo = create_contact(db, actor, ContactDraft(
        kind=ContactKind.GROUP, group_type=GroupType.NPO, name=KANKYO, reading="あきたかんきょうくらぶ"))
    hanako = create_contact(db, actor, ContactDraft(
        kind=ContactKind.PERSON, name=HANAKO, reading="あきた はなこ", postal_code="010-0975",
        address="秋田市八橋南1丁目8-3", phone="090-1234-5678", email="hanako@example.jp",
        notes="土日のみ", groups=(Affiliation(machi.id, MACHI, "事務局"),
                                 Affiliation(kankyo.id, KANKYO))))
    jiro = create_contact(db, actor, ContactDraft(
        kind=ContactKind.PERSON, name=JIRO, reading="かわべ じろう",
        groups=(Affiliation(machi.id, MACHI),)))
    set_contact_active(db, actor, jiro.id, jiro.version, False)
    set_contact_active(db, actor, kankyo.id, kankyo.version, False)
    return Registry({MACHI: machi.id, KANKYO: kankyo.id, HANAKO: hanako.id, JIRO: jiro.id})


# Every column of each contact, as the file gives it (None: an empty cell of the workbook).
def expected(ids: dict[str, int]) -> dict[str, tuple[object, ...]]:
    # 地域 … 最終確認日: none set here; 登録日 is the day each was made (today).
    tail = (None,) * 10 + (date.today().isoformat(), None)
    return {name: (*row, *tail) for name, row in {
        MACHI: (ids[MACHI], "団体", "地域づくり組織", MACHI, "あきたまちづくりのかい", "010-0001",
                "秋田市中通2丁目1-1", "018-888-5640", "machi@example.jp",
                "https://machi.example.jp/", None, f"{HANAKO}（事務局）", NOTES, "有効"),
        KANKYO: (ids[KANKYO], "団体", "NPO法人", KANKYO, "あきたかんきょうくらぶ", None, None,
                 None, None, None, None, HANAKO, None, "無効"),
        HANAKO: (ids[HANAKO], "個人", None, HANAKO, "あきた はなこ", "010-0975",
                 "秋田市八橋南1丁目8-3", "090-1234-5678", "hanako@example.jp", None,
                 f"{KANKYO}、{MACHI}（事務局）", None, "土日のみ", "有効"),
        # Removed, he keeps his group; the group's 構成員 leaves him out, as its pane does.
        JIRO: (ids[JIRO], "個人", None, JIRO, "かわべ じろう", None, None, None, None, None,
               MACHI, None, None, "無効"),
    }.items()}


@pytest.fixture
def seeded(db) -> Registry:  # type: ignore[no-untyped-def]
    return registry(db)


def test_the_workbook_has_every_field_of_every_contact(
        db, actor, seeded: Registry, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    path = tmp_path / "連絡先一覧.xlsx"
    assert export_contacts(db, actor, "xlsx", path, today=date(2026, 12, 5)) == 4
    ws = load_workbook(path).active
    assert ws["A1"].value == "連絡先一覧（団体・個人）"
    assert ws["A2"].value.startswith("取扱注意　個人情報を含みます。")
    assert ws["A2"].value.endswith("令和8年12月5日作成")
    assert [c.value for c in ws[4]] == list(HEADER)
    rows = [r for r in ws.iter_rows(min_row=5, values_only=True)]
    assert [r[0] for r in rows] == sorted(seeded.ids.values())  # by number
    assert {r[3]: r for r in rows} == expected(seeded.ids)
    postal, phone = ws.cell(row=5, column=6), ws.cell(row=5, column=8)
    assert [(c.data_type, c.number_format) for c in (postal, phone)] == [("s", "@")] * 2


def test_the_csv_is_the_same_table_as_excel_opens_it(
        db, actor, seeded: Registry, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "contacts.csv"
    assert export_contacts(db, actor, "csv", path) == 4
    raw = path.read_bytes()
    assert raw.startswith(BOM + "番号,区分,".encode())
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == list(HEADER)
    as_text = {name: tuple("" if v is None else str(v) for v in row)
               for name, row in expected(seeded.ids).items()}
    assert {r[3]: tuple(r) for r in rows[1:]} == as_text


def test_taking_the_list_out_is_on_the_record_without_a_value(
        db, actor, admin, seeded: Registry, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    export_contacts(db, actor, "csv", tmp_path / "名簿.csv")
    logged = [r for r in all_rows(db, admin, AuditFilter()) if r.action == "export"]
    assert [(r.actor, r.table_label, r.record_id) for r in logged] == [(actor.name, "連絡先", None)]
    assert logged[0].changes == {"件数": [None, 4], "ファイル": [None, "名簿.csv"]}


def test_an_account_disabled_meanwhile_takes_nothing_out(
        db, actor, admin, seeded: Registry, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    out.mkdir()
    accounts.set_active(db, admin, "staff", False)
    with pytest.raises(AccountChanged, match="無効にされました"):
        export_contacts(db, actor, "xlsx", out / "連絡先一覧.xlsx")
    assert list(out.iterdir()) == []  # neither the file nor a temporary one
    assert not [r for r in all_rows(db, admin, AuditFilter()) if r.action == "export"]


def test_more_contacts_than_a_sheet_holds_are_refused_in_favour_of_csv(
        db, actor, seeded: Registry, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setattr(contacts_export, "XLSX_MAX_CONTACTS", 3)
    with pytest.raises(UserError, match="CSV"):
        export_contacts(db, actor, "xlsx", out / "連絡先一覧.xlsx")
    assert list(out.iterdir()) == []
    assert export_contacts(db, actor, "csv", out / "連絡先一覧.csv") == 4


@pytest.mark.parametrize("page_size", [2, 3])  # the last page full, or part-filled
def test_the_registry_is_read_page_by_page_each_contact_once_as_its_pane_shows_it(
        db, actor, seeded: Registry, page_size: int) -> None:  # type: ignore[no-untyped-def]
    read = list(every_contact(db, actor, page_size=page_size))
    assert read == [get_contact(db, actor, i) for i in sorted(seeded.ids.values())]
