"""`kyodo-desk contacts duplicates`: the list of likely pairs, read back as the officer opens
it (the CSV as Excel does, the workbook in openpyxl)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from kyodo_desk import cli
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.exports.duplicates import HEADER
from kyodo_desk.services.audit_log import AuditFilter, all_rows
from kyodo_desk.services.contacts import ContactDraft, ContactKind, GroupType, create_contact
from kyodo_desk.services.contacts.duplicates import mark_distinct

BOM = b"\xef\xbb\xbf"


@pytest.fixture
def ids(db) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Two likely pairs, a third pair marked 「別の方です」, and someone alone."""
    actor = Actor.command_line()

    def add(name: str, reading: str = "", kind: ContactKind = ContactKind.PERSON,
            **fields: str) -> int:
        return create_contact(db, actor, ContactDraft(
            kind=kind, name=name, reading=reading,
            group_type=GroupType.NPO if kind is ContactKind.GROUP else None, **fields)).id

    found = {
        "山田 太郎": add("山田 太郎", "やまだ たろう", phone="018-888-5640"),
        "ﾔﾏﾀﾞ ﾀﾛｳ": add("ﾔﾏﾀﾞ ﾀﾛｳ", phone="0188885640"),
        "特定非営利活動法人 あきた子ども食堂": add("特定非営利活動法人 あきた子ども食堂",
                                                   kind=ContactKind.GROUP),
        "（特非）あきた子ども食堂": add("（特非）あきた子ども食堂", kind=ContactKind.GROUP),
        "佐藤 誠": add("佐藤 誠", "さとう まこと"),
        "佐藤 真": add("佐藤 真", "さとう まこと"),
        "河辺 次郎": add("河辺 次郎", "かわべ じろう"),
    }
    mark_distinct(db, actor, found["佐藤 誠"], found["佐藤 真"])
    return found


def duplicates(url: str, *args: str) -> int:
    return cli.main(["--database", url, "contacts", "duplicates", *args])


def test_the_csv_lists_each_pair_with_both_numbers_names_score_and_reasons(
        database_url: str, ids: dict[str, int], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "重複候補.csv"
    assert duplicates(database_url, "-o", str(out)) == 0
    assert f"重複候補 2 組を {out} に書き出しました。" in capsys.readouterr().out
    assert out.read_bytes().startswith(BOM)
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows == [
        list(HEADER),
        ["個人", str(ids["山田 太郎"]), "山田 太郎", "やまだ たろう", "018-888-5640",
         str(ids["ﾔﾏﾀﾞ ﾀﾛｳ"]), "ﾔﾏﾀﾞ ﾀﾛｳ", "", "018-888-5640", "94",
         "電話番号が同じ、よみが同じ"],
        ["団体", str(ids["特定非営利活動法人 あきた子ども食堂"]),
         "特定非営利活動法人 あきた子ども食堂", "", "",
         str(ids["（特非）あきた子ども食堂"]), "（特非）あきた子ども食堂", "", "", "80",
         "法人格を除くと同じ名前"],
    ]


def test_the_workbook_says_it_is_for_staff_only_and_keeps_phones_as_text(
        database_url: str, ids: dict[str, int], tmp_path: Path, db) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    out = tmp_path / "重複候補.XLSX"
    assert duplicates(database_url, "--format", "xlsx", "-o", str(out)) == 0
    ws = load_workbook(out).active
    assert ws["A1"].value == "重複候補の一覧（同じ人・団体らしい連絡先の組）"
    assert ws["A2"].value.startswith("取扱注意")
    assert [c.value for c in ws[4]] == list(HEADER)
    first = [c.value for c in ws[5]]
    assert first[:3] == ["個人", ids["山田 太郎"], "山田 太郎"]
    assert first[-2:] == [94, "電話番号が同じ、よみが同じ"]
    assert ws.cell(row=5, column=HEADER.index("電話番号1") + 1).data_type == "s"
    assert ws.max_row == 6
    # Taking the list out is recorded: how many pairs and the file, never a value.
    [entry] = [r for r in all_rows(db, Actor.command_line(), AuditFilter())
               if r.action == "export" and r.table_name == "duplicates"]
    assert entry.changes == {"件数": [None, 2], "ファイル": [None, "重複候補.XLSX"]}


@pytest.mark.parametrize(("args", "says"), [
    (["-o", "duplicates.txt"], "重複候補の一覧は .xlsx か .csv のファイルに書き出します"),
    (["--format", "csv", "-o", "duplicates.xlsx"], "拡張子が合いません"),
])
def test_a_wrong_suffix_is_refused_in_japanese_and_writes_nothing(
        database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        args: list[str], says: str) -> None:
    *options, output = args
    assert duplicates(database_url, *options, str(tmp_path / output)) == 2
    err = capsys.readouterr().err
    assert err.startswith("エラー:") and says in err
    assert not [p for p in tmp_path.iterdir() if "duplicates" in p.name]  # nor a temporary file


def test_the_unconfirmed_list_names_the_groups_nobody_confirmed_this_year(
        database_url: str, db, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.exports.contacts import UNCONFIRMED_HEADER
    from kyodo_desk.services.contacts.registry import confirm_contact

    actor = Actor.command_line()

    def group(name: str) -> int:
        return create_contact(db, actor, ContactDraft(kind=ContactKind.GROUP, name=name,
                                                      group_type=GroupType.CIVIC_GROUP)).id

    confirmed, never = group("河辺の森の会"), group("雄和ひまわり会")
    create_contact(db, actor, ContactDraft(kind=ContactKind.PERSON, name="山田 太郎"))
    confirm_contact(db, actor, confirmed, 1)
    out = tmp_path / "未確認.csv"
    assert cli.main(["--database", database_url, "contacts", "unconfirmed", "-o", str(out)]) == 0
    assert f"確認から12か月を過ぎた団体 1 件を {out} に書き出しました。" in capsys.readouterr().out
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == list(UNCONFIRMED_HEADER)
    assert [(row[0], row[1], row[-1]) for row in rows[1:]] == [(str(never), "雄和ひまわり会", "未確認")]
