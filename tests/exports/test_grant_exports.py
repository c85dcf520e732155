"""The adopted-projects list (採択事業一覧・実施結果) read back as the city's web editor reads it:
the workbook in openpyxl, the CSV as Excel opens it, the amounts checked against figures
worked out by hand. `grant_year` is also the data of the publication leaflet and the command
line tests."""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest

from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.grants import GrantKind, Stage
from kyodo_desk.domain.permissions import Actor, PermissionDenied
from kyodo_desk.exports.grants import HEADER, write_results
from kyodo_desk.services.grants import cases as grant_cases
from tests.grant_fixtures import FISCAL_YEAR, group, make_case, make_programme

BOM = b"\xef\xbb\xbf"
MEALS = "放課後こども食堂と学習支援"
CONCERT = "まちなかコンサートでにぎわい創出"
SAFETY = "子育て世帯の防災講座"
MAP = "西部防災マップづくり"
RESULT = "延べ1,240人の子どもが参加。ボランティア登録は42人に増えた。"
EVALUATION = "地域の見守りの場として定着し、次年度は自主財源での継続を目指す。"


@dataclass(frozen=True)
class GrantYear:
    """令和8年度: 協働サポート交付金 with three adopted projects, 地域づくり交付金 with none."""

    support: int  # programme ids
    community: int
    cases: dict[str, int]  # by title


def grant_year(db) -> GrantYear:  # type: ignore[no-untyped-def]
    """Hand-worked: MEALS decided 450,000円, paid 450,000円, 50,000円 returned → 交付額
    400,000円 (settled, with 実績 and 評価); CONCERT decided 280,000円, running, nothing paid;
    SAFETY adopted, not yet decided (決定前). The support programme's decisions add up to
    730,000円. The community programme's one case was rejected, another is at 相談."""
    actor = Actor.command_line()
    support = make_programme(db).id
    community = make_programme(db, kind=GrantKind.COMMUNITY, name="秋田市地域づくり交付金",
                               budget=7_000_000, ceiling=1_000_000).id
    meals = make_case(db, support, group(db, "NPO法人あきた子ども未来ネット"), MEALS,
                      requested=480_000, stage=Stage.REPORTED, decided=450_000)
    grant_cases.record_payment(db, actor, meals.id, 450_000, date(2026, 7, 1))
    grant_cases.record_payment(db, actor, meals.id, 50_000, date(2027, 2, 1), refund=True)
    grant_cases.receive_document(db, actor, meals.id, "請求書", date(2027, 2, 1))
    detail = grant_cases.get_case(db, actor, meals.id)
    detail = grant_cases.update_case(db, actor, meals.id, detail.version, replace(
        detail.as_draft(), result=RESULT, evaluation=EVALUATION))
    grant_cases.move_case(db, actor, meals.id, detail.version, Stage.SETTLED)
    concert = make_case(db, support, group(db, "秋田まちなか音楽の会"), CONCERT,
                        requested=300_000, stage=Stage.IN_PROGRESS, decided=280_000)
    safety = make_case(db, support, group(db, "防災ママの会あきた"), SAFETY, requested=250_000,
                       stage=Stage.ADOPTED)
    rejected = make_case(db, community, group(db, "西部地域づくり協議会"), MAP,
                         requested=600_000, stage=Stage.REJECTED)
    make_case(db, community, group(db, "あきた環境クラブ"), "雄物川の清掃")
    return GrantYear(support, community, {MEALS: meals.id, CONCERT: concert.id,
                                          SAFETY: safety.id, MAP: rejected.id})


EXPECTED = {  # title → 段階, 交付決定額, 交付額, 実績, 評価 (None: an empty cell)
    MEALS: ("確定・支払", 450_000, 400_000, RESULT, EVALUATION),
    CONCERT: ("実施", 280_000, None, None, None),
    SAFETY: ("採択", None, None, None, None),
}


@pytest.fixture
def year(db) -> GrantYear:  # type: ignore[no-untyped-def]
    return grant_year(db)


def test_the_workbook_lists_the_adopted_projects_with_amounts_as_numbers(
        db, admin, year: GrantYear, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    path = tmp_path / "採択事業一覧.xlsx"
    assert write_results(db, admin, FISCAL_YEAR, path) == 3
    ws = load_workbook(path).active
    assert ws["A1"].value == "令和8年度 市民協働交付金 採択事業一覧・実施結果"
    assert [c.value for c in ws[3]] == list(HEADER)
    rows = {r[3].value: r for r in ws.iter_rows(min_row=4)}
    assert set(rows) == set(EXPECTED)  # neither the rejected case nor the one at 相談
    for title, (stage, decided, paid, result, evaluation) in EXPECTED.items():
        row = rows[title]
        assert [c.value for c in row[:3]] == ["令和8年度", "秋田市協働サポート交付金",
                                              {MEALS: "NPO法人あきた子ども未来ネット",
                                               CONCERT: "秋田まちなか音楽の会",
                                               SAFETY: "防災ママの会あきた"}[title]]
        assert row[4].value == "観光文化スポーツ部 文化振興課"
        assert [c.value for c in row[5:]] == [stage, decided, paid, result, evaluation]
    amounts = [rows[MEALS][6], rows[MEALS][7], rows[CONCERT][6]]
    assert all(isinstance(c.value, int) and c.number_format == "#,##0" for c in amounts)
    assert sum(r[6].value or 0 for r in rows.values()) == 730_000


def test_the_csv_is_the_same_table_as_excel_opens_it(
        db, admin, year: GrantYear, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "grants.csv"
    assert write_results(db, admin, FISCAL_YEAR, path) == 3
    raw = path.read_bytes()
    assert raw.startswith(BOM) and raw.count(b"\r\n") == 4
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == list(HEADER)
    by_title = {r["事業名"]: r for r in rows}
    assert by_title[MEALS]["交付決定額"] == "450000" and by_title[MEALS]["交付額"] == "400000"
    assert by_title[MEALS]["実績"] == RESULT and by_title[MEALS]["評価"] == EVALUATION
    assert (by_title[CONCERT]["交付決定額"], by_title[CONCERT]["交付額"]) == ("280000", "")
    assert (by_title[SAFETY]["段階"], by_title[SAFETY]["交付決定額"]) == ("採択", "")
    assert {r["年度"] for r in rows} == {"令和8年度"}


def test_a_year_without_adoptions_writes_the_header_alone(
        db, admin, year: GrantYear, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "next.csv"
    assert write_results(db, admin, FISCAL_YEAR + 1, path) == 0
    assert path.read_bytes().count(b"\r\n") == 1


def test_another_suffix_or_an_unwritable_folder_is_refused_in_japanese(
        db, admin, year: GrantYear, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match=r"\.xlsx か \.csv"):
        write_results(db, admin, FISCAL_YEAR, tmp_path / "grants.txt")
    with pytest.raises(UserError, match="書き出せませんでした"):
        write_results(db, admin, FISCAL_YEAR, tmp_path / "missing" / "grants.xlsx")
    assert not [p for p in tmp_path.iterdir() if "grants" in p.name]  # nor a temporary file


def test_counter_staff_may_not_take_the_list(db, actor, year: GrantYear,
                                             tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied, match="交付金案件"):
        write_results(db, actor, FISCAL_YEAR, tmp_path / "grants.csv")
    assert not (tmp_path / "grants.csv").exists()
