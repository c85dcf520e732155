"""The grant prints (issue 7) as a reader gets them, read back from the PDF on SQLite and
PostgreSQL: the call with its amounts, era dates, steps, documents and criteria; the
publication with its totals and results, long or empty; the score sheets blank and filled
in; the ranking in the order the screening gives."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kyodo_desk import leaflets
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.grants import MAIN_LINE, STAGE_LABELS, STANDARD_DOCUMENTS, Stage
from kyodo_desk.domain.permissions import Actor, PermissionDenied
from kyodo_desk.leaflets.grant_call import STEP_NOTES
from kyodo_desk.leaflets.grant_results import NONE_ADOPTED
from kyodo_desk.leaflets.grant_score_sheets import NOT_SCORED
from kyodo_desk.services.demo.grants import advance_case
from kyodo_desk.services.grants import cases as grant_cases
from kyodo_desk.services.grants import get_programme
from kyodo_desk.services.grants import screening as grant_screening
from tests.exports.test_grant_exports import (
    CONCERT,
    EVALUATION,
    MAP,
    MEALS,
    RESULT,
    SAFETY,
    grant_year,
)
from tests.grant_fixtures import FISCAL_YEAR, group, make_case, make_programme
from tests.leaflets import (
    _run,
    assert_fonts_embedded,
    flat,
    kinsoku_offences,
    page_count,
    text_of,
)

TODAY = date(2026, 11, 24)
GRANT_PRINTS = {"grant-call": "programme", "grant-results": "fiscal_year",
                "grant-score-sheets": "programme", "grant-ranking": "programme"}


def render(name: str, db: Any, actor: Any, **options: Any) -> bytes:
    return leaflets.render(name, db, actor, today=TODAY, **options)


def pages_of(pdf: bytes, tmp_path: Path) -> list[str]:
    """Each page's text without white space (pdftotext ends every page with a form feed)."""
    return [flat(page) for page in text_of(pdf, tmp_path).split("\f")[:-1]]


def table_lines(pdf: bytes, tmp_path: Path) -> list[str]:
    """The text as laid out on the page, a table row's cells on one line, one space apart
    (a cell of two lines puts the row's other cells on a line between them)."""
    text = _run("pdftotext", pdf, tmp_path, "-layout", "-enc", "UTF-8")
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def lines_after(lines: list[str], first: str, count: int) -> list[str]:
    at = lines.index(first)
    return lines[at + 1:at + 1 + count]


# --- 募集案内 -------------------------------------------------------------------------------

def test_the_call_shows_amounts_era_dates_steps_documents_criteria_and_contact(
        db, admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    programme = make_programme(db)
    pdf = render("grant-call", db, admin, programme_id=programme.id)
    assert page_count(pdf, tmp_path) <= 2
    assert_fonts_embedded(pdf, tmp_path)
    text = text_of(pdf, tmp_path)
    assert kinsoku_offences(text) == []
    found = flat(text)
    for expected in ("秋田市協働サポート交付金", "令和8年度募集案内", "秋田市市民生活部",
                     "中央市民サービスセンター", "令和8年11月", "地域課題や社会的課題の解決を目指し",
                     "5人以上で構成され", "1件あたり500,000円まで", "3,000,000円",
                     "令和8年4月1日（水）～令和8年5月31日（日）", "申請の締切令和8年5月31日（日）",
                     "事前の相談をお勧めします", "市民協働担当", "018-866-2019",
                     "秋田市山王一丁目1番1号"):
        assert expected in found, expected
    assert "2026" not in text  # every date in the era
    for stage in MAIN_LINE:
        assert STAGE_LABELS[stage] in found
    notes = [found.index(flat(STEP_NOTES[stage])) for stage in MAIN_LINE]
    assert notes == sorted(notes)  # the steps in the order a case takes
    for documents in STANDARD_DOCUMENTS.values():
        for name in documents:
            assert f"●{name}" in found, name
    for row in ("公益性×20～5点10点", "協働の必要性×20～5点10点", "実現性×10～5点5点",
                "予算の妥当性×10～5点5点", "合計（満点）35点"):
        assert row in found, row


def test_the_call_leaves_out_what_the_programme_leaves_empty(
        db, admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    programme = make_programme(db, ceiling=0, eligibility="", how_to_apply="", purpose="")
    found = flat(text_of(render("grant-call", db, admin, programme_id=programme.id), tmp_path))
    assert "上限は設けていません" in found
    for absent in ("対象", "地域課題"):
        assert absent not in found
    assert found.count("申請の方法") == 1  # in the note of 相談, not as a section


def test_a_60_character_name_and_800_character_purpose_still_fit_two_pages(
        db, admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    name = ("秋田市市民協働まちづくり推進事業協働サポート交付金地域の課題を市民と市がともに"
            "解決するための提案型事業と担い手育成のための支援事業")[:60]
    purpose = ("地域課題や社会的課題の解決を目指し、秋田市と協働で事業を実施する市民活動団体等の"
               "優れた提案に交付金を交付します。") * 20
    purpose = purpose[:800]
    assert (len(name), len(purpose)) == (60, 800)
    programme = make_programme(db, name=name, purpose=purpose)
    pdf = render("grant-call", db, admin, programme_id=programme.id)
    assert page_count(pdf, tmp_path) <= 2
    found = flat(text_of(pdf, tmp_path))
    assert name in found and flat(purpose) in found


# --- 採択事業一覧・実施結果 -----------------------------------------------------------------

def test_the_publication_lists_the_adopted_projects_totals_and_results(
        db, admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    grant_year(db)
    pdf = render("grant-results", db, admin, fiscal_year=FISCAL_YEAR)
    assert_fonts_embedded(pdf, tmp_path)
    text = text_of(pdf, tmp_path)
    assert kinsoku_offences(text) == []
    found = flat(text)
    for expected in ("採択事業一覧・実施結果", "令和8年度市民協働交付金", "令和8年11月24日現在",
                     "秋田市協働サポート交付金", "NPO法人あきた子ども未来ネット", MEALS,
                     "秋田まちなか音楽の会", CONCERT, "防災ママの会あきた", SAFETY,
                     "観光文化スポーツ部文化振興課", "450,000円", "280,000円", "決定前",
                     "合計3件730,000円", "交付決定額の合計730,000円（予算額3,000,000円）",
                     "終了した事業1件・交付額の合計400,000円", "交付額400,000円",
                     flat(RESULT), flat(EVALUATION)):
        assert expected in found, expected
    # 地域づくり交付金: one rejected case, one at 相談 — nothing adopted, and it says so.
    community = found[found.index("秋田市地域づくり交付金"):]
    assert NONE_ADOPTED in community
    assert MAP not in found and "雄物川の清掃" not in found
    assert "2026" not in text


def test_a_year_without_adoptions_says_so(db, admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pdf = render("grant-results", db, admin, fiscal_year=FISCAL_YEAR + 1)
    assert page_count(pdf, tmp_path) == 1
    assert_fonts_embedded(pdf, tmp_path)
    found = flat(text_of(pdf, tmp_path))
    assert NONE_ADOPTED in found and "令和9年度市民協働交付金" in found


def test_40_projects_long_titles_and_long_results_flow_onto_more_pages(
        db, admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    programme = make_programme(db, budget=100_000_000).id
    title = ("地域の子どもから高齢者までが集い学び合う多世代交流拠点づくりと見守りネットワーク"
             "構築による安心して暮らせるまちづくり事業")[:60]
    result = ("延べ1,240人が参加し、地域の見守りボランティアは42人に増えた。"
              "毎月の交流会は町内会・学校・事業者の協力で続いている。") * 16
    result = result[:800]
    assert (len(title), len(result)) == (60, 800)
    long = make_case(db, programme, group(db, "NPO法人あきた多世代交流ネット"), title,
                     requested=500_000, stage=Stage.SETTLED, decided=500_000)
    grant_cases.update_case(db, Actor.command_line(), long.id, long.version, replace(
        long.as_draft(), result=result, evaluation=result))
    others = [f"第{n}地区の防災講座" for n in range(1, 40)]
    for n, other in enumerate(others, start=1):
        make_case(db, programme, group(db, f"市民活動団体その{n}"), other, requested=100_000,
                  stage=Stage.ADOPTED)
    pdf = render("grant-results", db, admin, fiscal_year=FISCAL_YEAR)
    assert_fonts_embedded(pdf, tmp_path)
    pages = pages_of(pdf, tmp_path)
    assert len(pages) >= 2
    found = "".join(pages)
    assert title in found and found.count(flat(result)) == 2  # 実績 and 評価, whole
    assert all(other in found for other in others)
    assert "合計 40件 500,000円" in table_lines(pdf, tmp_path)
    assert all(page.count("交付決定額") <= 2 or "団体名" in page for page in pages)


def test_a_4000_character_result_runs_on_to_the_next_page(
        db, admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    programme = make_programme(db).id
    case = make_case(db, programme, group(db), "まちなかコンサート", stage=Stage.SETTLED,
                     decided=300_000)
    result = ("来場者は延べ2,100人、出演団体は18団体にのぼった。" * 200)[:4000]
    grant_cases.update_case(db, Actor.command_line(), case.id, case.version, replace(
        case.as_draft(), result=result))
    pdf = render("grant-results", db, admin, fiscal_year=FISCAL_YEAR)
    pages = pages_of(pdf, tmp_path)
    assert len(pages) >= 2
    # The page feet (令和8年度　市民協働交付金　採択事業一覧・実施結果　1) left out, the text whole:
    body = "".join(re.sub(r"令和8年度|市民協働交付金採択事業一覧・実施結果\d+$", "", page)
                   for page in pages)
    assert flat(result) in body


# --- 審査表 と 順位表 -------------------------------------------------------------------------

# Scores in the order of the standard criteria (公益性 ×2, 協働の必要性 ×2, 実現性, 効果・発展性,
# 予算の妥当性; 0–5 each): weighted totals worked by hand.
FULL = (5, 5, 5, 5, 5)  # 35
STEPS = (5, 4, 3, 2, 1)  # 10 + 8 + 3 + 2 + 1 = 24
LOW = (3, 4, 3, 2, 1)  # 6 + 8 + 3 + 2 + 1 = 20
SHOPPING = "高齢者の買い物支援ボランティア"  # A 35, B 24, C 20: 79, average 26.33
JAPANESE = "やさしい日本語の暮らし講座"  # the same scores: shares rank 1, then adopted
MUSIC = "まちなかコンサート"  # A 24, B 24, no score from C: 48, average 24.00, rank 3
WALK = "歴史まちあるきマップの作成"  # applied, not scored yet: no rank, last
CLEANING = "雄物川の清掃と水辺の観察会"  # still at 相談: not screened at all


@dataclass(frozen=True)
class Screened:
    programme: int
    cases: dict[str, int]


def screened(db) -> Screened:  # type: ignore[no-untyped-def]
    actor = Actor.command_line()
    programme = make_programme(db).id
    criteria = [c.id for c in get_programme(db, actor, programme).criteria]
    plan = ((SHOPPING, "NPO法人あきたシニアサポート", {"審査員A": FULL, "審査員B": STEPS,
                                                         "審査員C": LOW}),
            (JAPANESE, "秋田外国人住民ともだちの会", {"審査員A": FULL, "審査員B": STEPS,
                                                       "審査員C": LOW}),
            (MUSIC, "秋田まちなか音楽の会", {"審査員A": STEPS, "審査員B": STEPS}))
    cases = {}
    for title, name, scores in plan:
        case = make_case(db, programme, group(db, name), title, requested=400_000,
                         stage=Stage.SCREENING)
        for reviewer, given in scores.items():
            grant_screening.record_scores(db, actor, case.id, reviewer,
                                          dict(zip(criteria, given, strict=True)))
        cases[title] = case.id
    advance_case(db, actor, cases[JAPANESE], Stage.ADOPTED)
    cases[WALK] = make_case(db, programme, group(db, "川反まちあるきガイドの会"), WALK,
                            requested=350_000, stage=Stage.APPLICATION).id
    cases[CLEANING] = make_case(db, programme, group(db, "あきた環境クラブ"), CLEANING).id
    return Screened(programme, cases)


def sheet_for(pages: list[str], title: str) -> str:
    found = [page for page in pages if title in page]
    assert len(found) == 1, title
    return found[0]


def test_blank_score_sheets_have_a_page_per_screened_case_with_criteria_and_weights(
        db, admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    s = screened(db)
    pdf = render("grant-score-sheets", db, admin, programme_id=s.programme)
    assert_fonts_embedded(pdf, tmp_path)
    assert kinsoku_offences(text_of(pdf, tmp_path)) == []
    pages = pages_of(pdf, tmp_path)
    assert len(pages) == 4  # the case at 相談 is not screened
    assert [SHOPPING in pages[0], JAPANESE in pages[1], MUSIC in pages[2], WALK in pages[3]] \
        == [True] * 4  # in the order applied, not ranked
    assert not any(CLEANING in page for page in pages)
    walk = sheet_for(pages, WALK)
    for expected in ("審査表", "令和8年度秋田市協働サポート交付金", "川反まちあるきガイドの会",
                     "350,000円", "段階申請", f"案件番号{s.cases[WALK]}", "審査員名", "コメント"):
        assert expected in walk, expected
    for page in pages:  # nothing filled in: no reviewer, no total
        assert "審査員A" not in page and "24点" not in page
    lines = table_lines(pdf, tmp_path)
    assert "審査の観点 重み 点数 小計（重み×点数）" in lines
    # each criterion with the points it takes and its weight, the boxes empty
    for name, weight in (("公益性", 2), ("協働の必要性", 2), ("実現性", 1), ("効果・発展性", 1),
                         ("予算の妥当性", 1)):
        assert sorted(lines_after(lines, name, 2)) == sorted(["0～5点", f"×{weight}"]), name
    assert "合計 満点 35点" in lines


def test_a_reviewers_sheets_are_filled_in_with_the_scores_recorded(
        db, admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    s = screened(db)
    pdf = render("grant-score-sheets", db, admin, programme_id=s.programme,
                 reviewer=" 審査員B ")
    pages = pages_of(pdf, tmp_path)
    shopping = sheet_for(pages, SHOPPING)
    assert "審査員名審査員B" in shopping and NOT_SCORED not in shopping
    assert NOT_SCORED in sheet_for(pages, WALK)
    # The first sheet is SHOPPING's: weight, score and subtotal per criterion, then the total.
    first = table_lines(pdf, tmp_path)
    first = first[:first.index("審査員名 審査員B")]
    assert [lines_after(first, name, 2)[1] for name in ("公益性", "協働の必要性", "実現性",
                                                        "効果・発展性", "予算の妥当性")] \
        == ["×2 5 10", "×2 4 8", "×1 3 3", "×1 2 2", "×1 1 1"]
    assert "合計 満点 35点 24点" in first

    by_c = render("grant-score-sheets", db, admin, programme_id=s.programme, reviewer="審査員C")
    assert "合計 満点 35点 20点" in table_lines(by_c, tmp_path)
    assert NOT_SCORED in sheet_for(pages_of(by_c, tmp_path), MUSIC)


def test_an_unknown_reviewer_is_refused_with_the_reviewers_recorded(db, admin) -> None:  # type: ignore[no-untyped-def]
    s = screened(db)
    with pytest.raises(UserError) as caught:
        render("grant-score-sheets", db, admin, programme_id=s.programme, reviewer="審査員Z")
    assert "審査員「審査員Z」" in caught.value.message
    assert "審査員A、審査員B、審査員C" in caught.value.message


def test_score_sheets_without_a_screened_case_are_refused(db, admin) -> None:  # type: ignore[no-untyped-def]
    programme = make_programme(db).id
    make_case(db, programme, group(db), "まちなかコンサート")  # at 相談 only
    with pytest.raises(UserError, match="審査表を作る案件がありません"):
        render("grant-score-sheets", db, admin, programme_id=programme)


def test_the_ranking_follows_the_screening_with_shared_ranks_and_unscored_last(
        db, admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    s = screened(db)
    expected = grant_screening.screening(db, admin, s.programme)
    assert [r.title for r in expected.rows] == [SHOPPING, JAPANESE, MUSIC, WALK]
    pdf = render("grant-ranking", db, admin, programme_id=s.programme)
    assert page_count(pdf, tmp_path) == 1
    assert_fonts_embedded(pdf, tmp_path)
    found = flat(text_of(pdf, tmp_path))
    positions = [found.index(r.title) for r in expected.rows]
    assert positions == sorted(positions)
    assert "審査結果（順位表）" in found and "令和8年度秋田市協働サポート交付金" in found
    # group over title; between them rank, A, B, C, total, average, requested, stage
    lines = table_lines(pdf, tmp_path)
    for group_name, title, row in (
            ("NPO法人あきたシニアサポート", SHOPPING, "1位 35 24 20 79 26.33 400,000円 審査"),
            ("秋田外国人住民ともだちの会", JAPANESE, "1位 35 24 20 79 26.33 400,000円 採択"),
            ("秋田まちなか音楽の会", MUSIC, "3位 24 24 — 48 24.00 400,000円 審査"),
            ("川反まちあるきガイドの会", WALK, "— — — — — — 350,000円 申請")):
        assert lines_after(lines, group_name, 2) == [row, title], title
    assert "2位" not in found  # two cases share 1位, so the next is 3位
    assert "審査員A（" not in found and "審査員A、審査員B、審査員C" in found
    assert CLEANING not in found


def test_a_ranking_without_cases_says_so(db, admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    programme = make_programme(db).id
    found = flat(text_of(render("grant-ranking", db, admin, programme_id=programme), tmp_path))
    assert "審査の対象となる案件（申請以降の案件）はまだありません。" in found


# --- the catalogue, the options and the permissions -------------------------------------------

def test_grant_prints_are_catalogued_apart_from_the_leaflets() -> None:
    every = {info.name: info.needs for info in leaflets.catalog(every=True)}
    assert {name: every.get(name) for name in GRANT_PRINTS} == GRANT_PRINTS
    assert not set(GRANT_PRINTS) & {info.name for info in leaflets.catalog()}


@pytest.mark.parametrize("name", GRANT_PRINTS)
def test_a_grant_print_without_its_option_is_a_japanese_user_error(name: str) -> None:
    with pytest.raises(UserError) as caught:
        leaflets.render(name, None, None)  # type: ignore[arg-type]
    option = "--fiscal-year" if name == "grant-results" else "--programme"
    assert "指定してください" in caught.value.message and option in caught.value.message


def test_a_fiscal_year_out_of_range_is_refused() -> None:
    with pytest.raises(UserError, match="2026（令和8年度）のように西暦で"):
        leaflets.render("grant-results", None, None, fiscal_year=26)  # type: ignore[arg-type]


def test_an_unknown_programme_is_a_user_error(db, admin) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match="この交付金は見つかりません"):
        render("grant-call", db, admin, programme_id=999_999)


def test_counter_staff_may_not_print_grant_cases(db, actor) -> None:  # type: ignore[no-untyped-def]
    programme = make_programme(db).id
    with pytest.raises(PermissionDenied, match="交付金案件"):
        render("grant-ranking", db, actor, programme_id=programme)



def test_many_reviewers_get_numbered_columns_named_in_the_outline(
        db, admin, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    actor = Actor.command_line()
    programme = make_programme(db).id
    criteria = [c.id for c in get_programme(db, actor, programme).criteria]
    case = make_case(db, programme, group(db), MUSIC, stage=Stage.SCREENING)
    names = [f"委員{n}" for n in range(1, 7)]  # six columns of names would not fit
    for name in names:
        grant_screening.record_scores(db, actor, case.id, name, dict.fromkeys(criteria, 3))
    pdf = render("grant-ranking", db, admin, programme_id=programme)
    found = flat(text_of(pdf, tmp_path))
    assert "審査員①委員1、②委員2、③委員3、④委員4、⑤委員5、⑥委員6" in found
    assert "順位 団体名・事業名 ① ② ③ ④ ⑤ ⑥ 合計 平均 申請額 段階" in table_lines(pdf, tmp_path)
    assert "1位 21 21 21 21 21 21 126 21.00 300,000円 審査" in table_lines(pdf, tmp_path)
