"""団体カルテ / 個人カルテ as printed (`contact-record`), read back with pdftotext: 取扱注意 on every
page, the name, each section, and only what the printing account may see; also from the
command line (`kyodo-desk leaflet contact-record --contact ID -o FILE`)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from kyodo_desk import cli, leaflets
from kyodo_desk.domain.errors import UserError
from kyodo_desk.leaflets.style import STAFF_ONLY
from tests.leaflets import assert_fonts_embedded, flat, page_count, text_of
from tests.leaflets.test_event_prints import pages_of
from tests.services.test_contact_record import EAST_ASKED, WEST_ASKED, History, consult
from tests.services.test_contact_record import history as history  # a fixture

TODAY = date(2026, 12, 5)
SECTIONS = ("歩み（チャレンジ→ステップアップ→パートナーシップ）", "相談記録（2件）",
            "イベントの申込・出席（1件・出席1件）", "交付金案件（2件）", "構成員（2件）")


def render(db, actor, contact_id: int) -> bytes:  # type: ignore[no-untyped-def]
    return leaflets.render("contact-record", db, actor, today=TODAY, contact_id=contact_id)


def test_the_record_names_the_group_and_every_section_and_is_for_staff_only(  # type: ignore[no-untyped-def]
        db, accounts_by_login, history: History, tmp_path: Path) -> None:
    pdf = render(db, accounts_by_login["officer"], history.group)
    pages = pages_of(pdf, tmp_path)
    assert pages and all(STAFF_ONLY in page for page in pages)
    found = flat(text_of(pdf, tmp_path))
    assert "団体カルテ" in found and "あきた川辺の会" in found and "令和8年12月5日現在" in found
    for section in SECTIONS:
        assert flat(section) in found, section
    assert flat(EAST_ASKED) in found and flat(WEST_ASKED) in found
    assert "川辺一郎（代表）" in found  # 代表者
    # チャレンジ on the day of the course, ステップアップ on the grant's adoption (pdftotext
    # reads a table's cells in an order of its own: each is looked for alone).
    assert "令和8年2月21日" in found and "「市民活動入門セミナー」に出席" in found
    assert "令和8年5月7日" in found and "秋田市地域づくり交付金「川辺の夏まつり」採択" in found
    assert "250,000円" in found and "100,000円" in found  # decided and paid
    assert_fonts_embedded(pdf, tmp_path)


def test_counter_staff_print_another_facility_s_consultation_as_consulted_and_no_grants(  # type: ignore[no-untyped-def]
        db, accounts_by_login, history: History, tmp_path: Path) -> None:
    found = flat(text_of(render(db, accounts_by_login["staff"], history.group), tmp_path))
    assert flat(EAST_ASKED) in found and flat(WEST_ASKED) not in found
    assert "令和8年7月1日西部市民サービスセンター" in found and "相談あり" in found
    assert "うち1件は「相談あり」のみ" in found
    assert "交付金案件（" not in found and "川辺の夏まつり" not in found
    assert "交付金案件は、窓口職員のアカウントでは表示されません" in found


def test_a_long_history_runs_over_pages_each_marked(  # type: ignore[no-untyped-def]
        db, accounts_by_login, facilities, history: History, tmp_path: Path) -> None:
    staff = accounts_by_login["staff"]
    for n in range(60):
        consult(db, staff, facilities["east"], history.group,
                date(2026, 1, 1) + timedelta(days=n), f"相談の記録その{n}。会場と日程の調整について。")
    pdf = render(db, accounts_by_login["officer"], history.group)
    assert page_count(pdf, tmp_path) >= 2
    pages = pages_of(pdf, tmp_path)
    assert all(STAFF_ONLY in page and "相談日" in flat(page) for page in pages[:2])


def test_a_person_s_record_lists_the_groups_with_the_role(  # type: ignore[no-untyped-def]
        db, accounts_by_login, history: History, tmp_path: Path) -> None:
    found = flat(text_of(render(db, accounts_by_login["officer"], history.chair), tmp_path))
    assert "個人カルテ" in found and "川辺一郎" in found and "所属団体（1件）" in found
    assert f"{history.group}あきた川辺の会" in found and "代表" in found
    assert "相談の記録はありません。" in found and "代表者" not in found


def test_the_record_is_made_for_one_contact_named_by_its_number() -> None:
    info = next(i for i in leaflets.catalog(every=True) if i.name == "contact-record")
    assert info.needs == "contact" and "contact-record" not in {
        i.name for i in leaflets.catalog()}
    with pytest.raises(UserError, match="--contact 番号"):
        leaflets.render("contact-record", None, None)  # type: ignore[arg-type]


def test_the_command_line_writes_the_record(  # type: ignore[no-untyped-def]
        database_url: str, db, history: History, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "カルテ.pdf"
    assert cli.main(["--database", database_url, "leaflet", "contact-record", "--contact",
                     str(history.group), "-o", str(target)]) == 0
    assert "contact-record" in capsys.readouterr().out
    found = flat(text_of(target.read_bytes(), tmp_path))
    assert STAFF_ONLY in found and "団体カルテ" in found and "あきた川辺の会" in found
    # The command line acts as the administrator, who only counts consultations.
    assert "うち2件は「相談あり」のみ" in found and flat(EAST_ASKED) not in found
    assert "交付金案件（2件）" in found

    assert cli.main(["--database", database_url, "leaflet", "contact-record", "-o",
                     str(tmp_path / "x.pdf")]) == 2
    assert "--contact" in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()


def test_the_list_names_the_record(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["leaflet", "--list"]) == 0
    assert "contact-record\t団体カルテ・個人カルテ" in capsys.readouterr().out
