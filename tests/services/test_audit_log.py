import csv
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Enum as SqlEnum
from sqlalchemy import insert, text

import kyodo_desk
from kyodo_desk.database.audit_chain import last_hash, row_hash
from kyodo_desk.database.bulk import next_numbers
from kyodo_desk.domain.dates import full_date
from kyodo_desk.domain.permissions import PermissionDenied
from kyodo_desk.exports.audit_log import export_audit
from kyodo_desk.models import AuditEntry, Base
from kyodo_desk.services import accounts
from kyodo_desk.services import audit_log as audit
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.audit_log import JAPAN_TIME, AuditFilter, describe_changes
from kyodo_desk.services.contacts import ContactDraft, ContactKind, GroupType, list_facilities
from kyodo_desk.services.events.checkin import check_in
from kyodo_desk.services.events.registrations import SignUpDraft, sign_up
from tests.conftest import TEST_PASSWORD
from tests.event_fixtures import make_event, person

SOURCE = Path(kyodo_desk.__file__).parent

EVERYTHING = AuditFilter()


def group(name: str, **fields: str) -> ContactDraft:
    return ContactDraft(kind=ContactKind.GROUP, group_type=GroupType.CIVIC_GROUP, name=name,
                        **fields)


def add_entries(db, *entries: dict) -> None:  # type: ignore[no-untyped-def]
    """Entries as the database layer writes them (the log only ever grows)."""
    rows = [{"account_id": None, "actor": "記録 係", "action": "update", "table_name": "contacts",
             "record_id": 1, "changes": {}, "at": datetime.now(UTC)} | e for e in entries]
    with db.begin_write() as conn:
        previous = last_hash(conn)
        for row, number in zip(rows, next_numbers(conn, AuditEntry.__table__, len(rows)),
                               strict=True):
            row["id"] = number
            row["chain_hash"] = previous = row_hash(previous, row)
        conn.execute(insert(AuditEntry), rows)


# --- searching ----------------------------------------------------------------------------

def test_changes_made_through_the_services_are_listed_newest_first(db, admin, actor) -> None:
    created = svc.create_contact(db, actor, group("あきた子ども食堂ネット", phone="0188880000"))
    svc.update_contact(db, admin, created.id, created.version,
                       group("あきた子ども食堂ネット", phone="0188881111"))
    rows = audit.search_audit(db, admin, AuditFilter(table_name="contacts"))
    assert [(r.action, r.actor) for r in rows] == [("update", "管理 太郎"), ("insert", "窓口 花子")]
    assert rows[0].record_id == rows[1].record_id == created.id
    # That the phone changed, never what it was or became.
    assert rows[0].changes == {"phone": ["********", "********"]}
    assert rows[0].description == "電話番号: 変更"
    assert (rows[1].action_label, rows[1].table_label) == ("登録", "連絡先")
    assert "名称: 記入あり" in rows[1].description
    assert "食堂" not in rows[1].description
    assert rows[0].at.utcoffset() == timedelta(hours=9)
    assert abs(datetime.now(UTC) - rows[0].at) < timedelta(minutes=5)
    everything = audit.search_audit(db, admin, EVERYTHING)
    assert [r.id for r in everything] == sorted((r.id for r in everything), reverse=True)


def test_filters_by_actor_table_action_and_record(db, admin, actor) -> None:
    first = svc.create_contact(db, actor, group("川反まちづくり会"))
    second = svc.create_contact(db, admin, group("土崎みなと会"))
    svc.set_contact_active(db, actor, first.id, first.version, False)
    accounts.sign_in(db, "staff", TEST_PASSWORD)

    def found(**parts) -> list[tuple[str, str, int | None]]:  # type: ignore[no-untyped-def]
        rows = audit.search_audit(db, admin, AuditFilter(**parts))
        return [(r.action, r.table_name, r.record_id) for r in rows]

    assert found(actor_text="窓口") == [
        ("sign_in", "accounts", actor.account_id), ("update", "contacts", first.id),
        ("insert", "contacts", first.id)]
    # Spaces and width do not matter: the name is 「窓口 花子」.
    assert found(actor_text="窓口花子") == found(actor_text="　窓口　花子 ") == found(actor_text="窓口")
    assert found(actor_text="管理", table_name="contacts") == [("insert", "contacts", second.id)]
    assert found(actor_text="存在しない人") == []
    assert found(action="sign_in") == [("sign_in", "accounts", actor.account_id)]
    assert found(table_name="contacts", action="update") == [("update", "contacts", first.id)]
    assert found(table_name="contacts", record_id=second.id, action="update") == []
    # The five test accounts were created from the command line when the database was made.
    assert len(found(table_name="accounts", action="insert")) == 5
    assert found(actor_text="' OR 1=1 --") == []


def test_filter_by_record_finds_the_insert_too(db, admin, actor) -> None:
    first = svc.create_contact(db, actor, group("川反まちづくり会"))
    svc.set_contact_active(db, actor, first.id, first.version, False)
    rows = audit.search_audit(db, admin, AuditFilter(table_name="contacts", record_id=first.id))
    assert [r.action for r in rows] == ["update", "insert"]


@pytest.mark.audit_tampered  # rows as an old SQLite wrote them, before the chain
def test_the_period_is_whole_days_in_japan_time(db, admin) -> None:
    # 2026-11-25 in Japan runs from 2026-11-24 15:00 to 2026-11-25 14:59:59 UTC.
    times = {
        "前日 23:59:59": datetime(2026, 11, 24, 14, 59, 59, tzinfo=UTC),
        "当日 0:00:00": datetime(2026, 11, 24, 15, 0, 0, tzinfo=UTC),
        "当日 23:59:59": datetime(2026, 11, 25, 14, 59, 59, 999999, tzinfo=UTC),
        "翌日 0:00:00": datetime(2026, 11, 25, 15, 0, 0, tzinfo=UTC),
    }
    add_entries(db, *({"at": at, "actor": label} for label, at in times.items()))
    if db.backend.is_sqlite:  # as SQLite's CURRENT_TIMESTAMP writes it: whole seconds, no zone
        with db.begin_write() as conn:
            for label, stamp in (("秒 当日 0:00:00", "2026-11-24 15:00:00"),
                                 ("秒 翌日 0:00:00", "2026-11-25 15:00:00")):
                conn.execute(text(
                    "INSERT INTO audit_log (at, actor, action, table_name, changes) "
                    "VALUES (:at, :actor, 'update', 'contacts', '{}')"), {"at": stamp, "actor": label})

    def actors(flt: AuditFilter) -> set[str]:
        return {r.actor for r in audit.search_audit(db, admin, flt)} - {"コマンドライン", "システム"}

    day = date(2026, 11, 25)
    expected = {"当日 0:00:00", "当日 23:59:59"}
    if db.backend.is_sqlite:
        expected.add("秒 当日 0:00:00")
    assert actors(AuditFilter(date_from=day, date_to=day)) == expected
    assert "前日 23:59:59" in actors(AuditFilter(date_to=day - timedelta(days=1)))
    assert "当日 0:00:00" not in actors(AuditFilter(date_to=day - timedelta(days=1)))
    assert "当日 23:59:59" not in actors(AuditFilter(date_from=day + timedelta(days=1)))
    assert actors(AuditFilter(date_from=date(2026, 11, 1), date_to=date(2026, 11, 30))) == (
        set(times) | ({"秒 当日 0:00:00", "秒 翌日 0:00:00"} if db.backend.is_sqlite else set()))
    row = next(r for r in audit.search_audit(db, admin, EVERYTHING) if r.actor == "当日 0:00:00")
    assert row.at == datetime(2026, 11, 25, 0, 0, tzinfo=JAPAN_TIME)
    assert row.at.tzinfo == JAPAN_TIME


def test_paging_by_before_id_has_no_gaps_or_repeats(db, admin) -> None:
    already = len(audit.search_audit(db, admin, EVERYTHING, limit=1000))
    add_entries(db, *({"record_id": n, "actor": f"職員{n % 3}"} for n in range(37)))
    whole = [r.id for r in audit.search_audit(db, admin, EVERYTHING, limit=1000)]
    for flt in (EVERYTHING, AuditFilter(actor_text="職員1")):
        expected = [r.id for r in audit.search_audit(db, admin, flt, limit=1000)]
        pages: list[list[int]] = []
        before = None
        while True:
            page = audit.search_audit(db, admin, flt, before_id=before, limit=7)
            pages.append([r.id for r in page])
            if len(page) < 7:
                break
            before = page[-1].id
        assert [i for p in pages for i in p] == expected
        assert all(len(p) == 7 for p in pages[:-1])
    assert len(whole) == 37 + already


@pytest.mark.parametrize("login", ["staff", "advisor", "officer"])
def test_only_administrators_read_the_log(db, accounts_by_login, tmp_path, login: str) -> None:
    someone = accounts_by_login[login]
    with pytest.raises(PermissionDenied, match="操作記録を閲覧できません"):
        audit.search_audit(db, someone, EVERYTHING)
    with pytest.raises(PermissionDenied):
        export_audit(db, someone, EVERYTHING, "csv", tmp_path / "log.csv")
    assert not (tmp_path / "log.csv").exists()


def test_nothing_here_changes_or_deletes_the_log() -> None:
    public = [name for name in dir(audit) if not name.startswith("_") and callable(getattr(audit, name))]
    assert not [n for n in public if n.startswith(("update", "delete", "remove", "change",
                                                   "set_", "edit", "purge", "clear"))]


# --- describing ---------------------------------------------------------------------------

def test_describe_an_update() -> None:
    assert describe_changes({"phone": ["018-888-0000", "018-888-1111"],
                             "address": ["秋田市山王一丁目", "秋田市山王二丁目"]}) == (
        "電話番号: 018-888-0000 → 018-888-1111; 住所: 秋田市山王一丁目 → 秋田市山王二丁目")


def test_describe_empties_booleans_codes_and_unknown_fields() -> None:
    assert describe_changes({"email": ["", "info@example.jp"], "notes": ["古いメモ", None]}) == (
        "E-mail: （空） → info@example.jp; メモ: 古いメモ → （空）")
    assert describe_changes({"active": [True, False], "role": ["counter_staff", "admin"]}) == (
        "有効: はい → いいえ; 役割: 窓口職員 → 管理者")
    assert describe_changes({"favourite_colour": ["赤", "青"]}) == "favourite_colour: 赤 → 青"
    assert describe_changes({"facility_id": [2, 3]}) == "所属施設: 2 → 3"
    assert describe_changes({"notes": ["一行目\n二行目", "一行目"]}) == "メモ: 一行目 二行目 → 一行目"
    assert describe_changes({}) == ""


def test_describe_a_new_record_lists_its_filled_fields() -> None:
    assert describe_changes({
        "kind": [None, "group"], "group_type": [None, "npo"], "name": [None, "秋田NPO"],
        "reading": [None, ""], "active": [None, True], "password_hash": [None, "********"],
    }) == "区分: 団体; 団体の種類: NPO法人; 名称: 秋田NPO; 有効: はい; パスワード: 設定"
    assert describe_changes({"結果": [None, "成功"]}) == "結果: 成功"
    assert describe_changes({"name": ["消えた会", None], "phone": ["", None]}) == "名称: 消えた会"
    assert describe_changes({"password_hash": ["********", "********"]}) == "パスワード: 変更"


def test_labels_cover_every_action_and_table_the_log_writes() -> None:
    written = set(re.findall(r'record_event\([^,]+, [^,]+, "(\w+)"',
                             "".join(p.read_text() for p in SOURCE.rglob("*.py"))))
    assert {"open", "sign_in", "override", "queue_jump"} <= written
    assert written | {"insert", "update", "delete"} <= set(audit.ACTION_LABELS)
    assert set(Base.metadata.tables) - set(audit.TABLE_LABELS) == {"audit_log"}
    assert audit.ACTION_LABELS["queue_jump"] == "順番の繰り上げ"
    assert audit.TABLE_LABELS["contacts"] == "連絡先"
    assert audit.TABLE_LABELS["memberships"] == "所属"
    assert audit.TABLE_LABELS["consultations"] == "相談記録"
    for key, label in {"name": "名称", "reading": "よみ", "postal_code": "郵便番号",
                       "website": "ホームページ", "display_name": "表示名", "login": "ログイン名",
                       "group_id": "所属団体", "kind": "区分"}.items():
        assert audit.FIELD_LABELS[key] == label


# --- as the screens say it ----------------------------------------------------------------

NEVER_AUDITED = {"search_text", "search_grams", "sort_key", "version", "created_at", "updated_at"}


def audited_columns() -> list[tuple[str, str, Any]]:
    """(table, column, column object) of every column the audit writes, but the hidden ones."""
    found = []
    for mapper in Base.registry.mappers:
        table = mapper.local_table
        if table.name == "audit_log":
            continue
        skip = NEVER_AUDITED | getattr(mapper.class_, "__audit_exclude__", set()) \
            | audit.HIDDEN_FIELDS.get(table.name, frozenset())
        found += [(table.name, c.name, c) for c in table.columns if c.name not in skip]
    return found


def test_every_audited_column_has_a_label_and_every_code_its_words() -> None:
    unlabelled = [f"{t}.{c}" for t, c, _ in audited_columns() if audit.field_label(t, c) == c]
    assert unlabelled == []
    coded = [(t, c, col.type.enums) for t, c, col in audited_columns()
             if isinstance(col.type, SqlEnum)]
    assert ("registrations", "status", ["confirmed", "waitlisted", "cancelled", "attended",
                                        "no_show", "applied"]) in coded
    unsaid = [f"{t}.{c}={code}" for t, c, codes in coded for code in codes
              if code in describe_changes({c: [None, code]}, t)]
    assert unsaid == []
    # A code-like text column is worded too.
    assert describe_changes({"kind": [None, "refund"], "amount": [None, 30000]},
                            "grant_payments") == "区分: 返還; 金額: 30,000円"


def test_a_change_reads_as_its_screen_writes_it() -> None:
    assert describe_changes({"status": ["confirmed", "attended"]}, "registrations") == (
        "状況: 受付済 → 出席")
    assert describe_changes({"kind": ["seminar", "festa"], "fee": [0, 1200],
                             "capacity": [None, 30], "signup_closes_on": [None, "2026-11-20"],
                             "queue_rule": ["strict", "first_fit"], "has_booths": [False, True],
                             "offer_hold_hours": [48, 24]}, "events") == (
        "種類: セミナー・講座 → 市民活動フェスタ; 参加費: 無料 → 1,200円; 定員: 定員なし → 30名; "
        f"受付締切: なし → {full_date(date(2026, 11, 20))}; "
        "キャンセル待ちの順番: 受付順（先頭の組が入るまで待つ） → 入る組から順に繰り上げ; "
        "ブース出展: なし → あり; 繰り上げの回答期限: 48時間 → 24時間")
    assert full_date(date(2026, 11, 20)) in ("2026年11月20日", "令和8年11月20日")
    assert describe_changes({"fiscal_year": [None, 2026], "budget": [None, 3_000_000],
                             "ceiling": [None, 0]}, "grant_programmes") == (
        "年度: 令和8年度; 予算額: 3,000,000円; 1件あたりの上限額: 上限なし")
    assert describe_changes({"start_time": ["09:30:00", "14:00:00"], "channel": ["visit", "phone"],
                             "returning_consultee": [False, True]}, "consultations") == (
        "開始時刻: 9:30 → 14:00; 相談方法: 来所 → 電話; 新規／継続: 新規 → 継続")
    # A moment is stored in UTC and read in Japan time, whatever the PC's zone.
    assert describe_changes({"contacted_at": [None, "2026-11-26T05:00:00+00:00"]},
                            "registrations") == (
        f"連絡した日時: {full_date(date(2026, 11, 26))} 14:00")


def test_personal_data_is_said_to_have_changed_without_a_value() -> None:
    masked = "********"
    assert describe_changes({"asked": [masked, masked], "status": ["in_progress", "done"]},
                            "consultations") == "相談内容: 変更; 状況: 対応中 → 完了"
    added = describe_changes({"party_size": [None, 2], "notes": [None, masked],
                              "token": [None, "s3cret-token"], "name_key": [None, "やまだ"]},
                             "registrations")
    assert added == "人数: 2名; 配慮事項: 記入あり"  # the QR secret and search keys unlisted


def test_records_pointed_at_are_named(db, admin, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    fee_event = make_event(db, facilities["east"], fee=1500)
    names = {f.id: f.name for f in list_facilities(db, admin)}
    contact = person(db, "山田 太郎")
    reg = sign_up(db, actor, fee_event.id, SignUpDraft(contact, party_size=2,
                                                       notes="車いすを使用")).registration
    first = fee_event.sessions[0]
    check_in(db, actor, reg.id, first.id, now=datetime(2026, 12, 5, 1, 5, tzinfo=UTC))
    add_entries(db, {"table_name": "registrations", "action": "update", "record_id": reg.id,
                     "changes": {"contact_id": [contact, 999_999]}})

    def described(table: str) -> list[str]:
        return [r.description for r in audit.search_audit(db, admin, AuditFilter(table_name=table))]

    made = described("events")[-1]
    for part in ("種類: セミナー・講座", "イベント名: 市民活動入門セミナー",
                 f"主催施設: {names[facilities['east']]}", f"会場: {names[facilities['east']]}",
                 "定員: 10名", "参加費: 1,500円", "キャンセル待ちの順番: 受付順（先頭の組が入るまで待つ）"):
        assert part in made, part
    gone, checked, signed = described("registrations")
    assert gone == "申込者: 山田 太郎 → 番号999999（削除済み）"
    assert checked == "状況: 受付済 → 出席"
    assert signed.startswith("イベント: 市民活動入門セミナー; 申込者: 山田 太郎; 人数: 2名; "
                             "配慮事項: 記入あり; 状況: 受付済; 受付番号: 1; 当日参加: いいえ")
    assert reg.token not in signed and "車いす" not in signed
    assert described("attendances") == [
        f"申込: 山田 太郎（受付番号 1）; 開催日: {full_date(first.held_on)} 10:00 第1回; "
        f"出席にした日時: {full_date(date(2026, 12, 5))} 10:05; 出席にした人: {actor.name}"]


def test_the_export_says_it_as_the_list_does(db, admin, actor, facilities, tmp_path) -> None:  # type: ignore[no-untyped-def]
    event = make_event(db, facilities["east"])
    reg = sign_up(db, actor, event.id, SignUpDraft(person(db, "秋田 花子"))).registration
    check_in(db, actor, reg.id, event.sessions[0].id)
    path = tmp_path / "操作記録.csv"
    export_audit(db, admin, AuditFilter(table_name="registrations"), "csv", path)
    changes = [row[5] for row in csv.reader(path.read_text(encoding="utf-8-sig").splitlines())]
    assert changes[1] == "状況: 受付済 → 出席"
    assert changes[2].startswith("イベント: 市民活動入門セミナー; 申込者: 秋田 花子; 人数: 1名")


# --- exporting ----------------------------------------------------------------------------

def test_csv_export_has_bom_header_and_one_line_per_row(db, admin, actor, tmp_path) -> None:
    created = svc.create_contact(db, actor, group("仁井田ふれあい会", phone="0188880000",
                                                  notes="毎月第2土曜\n会場: 公民館"))
    svc.update_contact(db, actor, created.id, created.version,
                       group("仁井田ふれあい会", phone="0188881111", notes="毎月第3土曜"))
    flt = AuditFilter(table_name="contacts")
    path = tmp_path / "操作記録.csv"
    assert export_audit(db, admin, flt, "csv", path) == 2
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").split("\r\n")
    assert lines[-1] == ""
    assert len(lines) == 1 + 2 + 1
    parsed = list(csv.reader(lines[:-1]))
    assert parsed[0] == ["日時", "操作者", "操作", "対象", "番号", "変更内容"]
    stamp, who, action, table, number, changes = parsed[1]
    assert (who, action, table, number) == ("窓口 花子", "変更", "連絡先", str(created.id))
    assert changes == "電話番号: 変更; メモ: 変更"
    assert "0188" not in raw.decode("utf-8-sig") and "土曜" not in raw.decode("utf-8-sig")
    assert datetime.strptime(stamp, "%Y/%m/%d %H:%M:%S")
    assert parsed[2][2] == "登録"


def test_xlsx_export_is_readable(db, admin, actor, tmp_path) -> None:
    from openpyxl import load_workbook

    svc.create_contact(db, actor, group("御所野げんき会"))
    (tmp_path / "out").mkdir()
    path = tmp_path / "out" / "操作記録.xlsx"
    total = len(audit.search_audit(db, admin, EVERYTHING, limit=1000))
    assert export_audit(db, admin, EVERYTHING, "xlsx", path) == total
    sheet = load_workbook(path).active
    assert sheet.title == "操作記録"
    values = list(sheet.values)
    assert values[0] == ("日時", "操作者", "操作", "対象", "番号", "変更内容")
    assert len(values) == total + 1
    at, who, action, table, number, changes = values[1]
    assert isinstance(at, datetime)
    assert isinstance(number, int)
    assert (who, action, table) == ("窓口 花子", "登録", "連絡先")
    assert "名称: 記入あり" in changes and "御所野" not in changes
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_export_refuses_an_unknown_format(db, admin, tmp_path) -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        export_audit(db, admin, EVERYTHING, "pdf", tmp_path / "log.pdf")


def test_taking_a_copy_of_the_log_is_itself_recorded(db, admin, tmp_path) -> None:  # type: ignore[no-untyped-def]
    count = export_audit(db, admin, EVERYTHING, "csv", tmp_path / "log.csv")
    newest = audit.search_audit(db, admin, EVERYTHING, limit=1)[0]
    assert (newest.action, newest.table_name, newest.actor) == ("export", "audit_log", "管理 太郎")
    assert newest.changes["件数"] == [None, count]
