"""The district plans' publication (公表, issue 20 item 3) as files, on SQLite and PostgreSQL:
the CSV a clerk opens in Excel (one row per plan and action, UTF-8 with BOM) and the folder
of static pages for the city's web site (valid structure, JIS X 8341-3's headings, table
headers, text alternatives and contrast; no script, no outside link; every value escaped).
Both read a hand-made plan: its figures are written here, so each value is checked against
what the clerk entered."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from kyodo_desk.cli.plans import export_plans
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.events import EventKind
from kyodo_desk.domain.grants import Stage
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.domain.plans import ActionCarrier, ActionStatus, PlanStage
from kyodo_desk.exports import plans_html
from kyodo_desk.exports.plans import HEADER, write_plans_csv
from kyodo_desk.exports.plans_html import write_plans_html
from kyodo_desk.models import ContactKind, GroupType
from kyodo_desk.services.contacts import ContactDraft, create_contact
from kyodo_desk.services.demo.grants import advance_case, community_programme
from kyodo_desk.services.events import SessionDraft
from kyodo_desk.services.grants import cases as grant_cases
from kyodo_desk.services.grants import create_programme
from kyodo_desk.services.plans import (
    ActionDraft,
    PlanDraft,
    ProgressDraft,
    YearDraft,
    create_plan,
    get_plan,
    link_case,
    link_workshop,
    revise_plan,
    save_year,
)
from tests.event_fixtures import make_event

YEAR = 2026
TODAY = date(2027, 6, 1)
PUBLISHED = date(2027, 5, 31)
ORGANISATION = "東部地域づくり協議会"
PLAN_TITLE = "みんなでつくる東部のまち"
VISION = "世代をこえて支え合い、住み続けたいと思える東部"
WORKSHOP = "東部地域まちづくり計画ワークショップ"
GROUP_CASE = "東部ふれあい夏まつり"
PERSON = "山田花子"  # an individual: never on a public print
PERSON_CASE = "見守りマップづくり"
PENDING_CASE = "まだ相談中の事業"  # a consultation: not public yet
EVALUATION = "夏まつりは目標を上回る参加があった。\n見守り活動は担い手が不足している。"
IMPROVEMENT = "見守り活動の担い手を募る講座を次年度の計画に加える。"
# title, carrier, indicator, target, unit, (status, figure, result)
ACTIONS = (
    ("ふれあい夏まつりの開催", ActionCarrier.ORGANISATION, "参加者数", 800, "人",
     ActionStatus.DONE, 1_000, "約1,000人が参加し、子ども会との共催で盛況だった"),
    ("高齢者の見守り活動", ActionCarrier.JOINT, "見守り世帯数", 120, "世帯",
     ActionStatus.PARTLY, 60, "担い手不足で半数の世帯にとどまった"),
    ("防災マップの作成", ActionCarrier.CITY, "配布部数", 3_000, "部",
     ActionStatus.NOT_DONE, None, ""),
    ("地域の歴史講座", ActionCarrier.ORGANISATION, "", None, "", None, None, ""),
)


@dataclass(frozen=True)
class MadePlan:
    plan_id: int
    action_ids: tuple[int, ...]


def organisation(db: Any, name: str = ORGANISATION) -> int:
    return create_contact(db, Actor.command_line(), ContactDraft(
        kind=ContactKind.GROUP, name=name, group_type=GroupType.COMMUNITY_ORG)).id


def adopted_case(db: Any, programme_id: int, contact_id: int, title: str,
                 stage: Stage = Stage.ADOPTED) -> int:
    actor = Actor.command_line()
    when = datetime(2026, 4, 10, 1, tzinfo=UTC)
    case = grant_cases.create_case(db, actor, grant_cases.CaseDraft(
        programme_id, contact_id, title, "市民生活部 東部市民サービスセンター",
        requested=300_000), now=when)
    if stage is not Stage.CONSULTATION:
        advance_case(db, actor, case.id, stage, decided=300_000, when=when)
    return case.id


def make_plan(db: Any, facilities: dict[str, int], *, district: str = "東部",
              title: str = PLAN_TITLE, actions: tuple[Any, ...] = ACTIONS,
              stage: PlanStage = PlanStage.CHECK, published: date | None = PUBLISHED,
              links: bool = True) -> MadePlan:
    """A plan of 令和8〜12年度 with *actions* and their 令和8年度 results, its workshop and
    the cases funding its first two actions (a group's, an individual's, one in
    consultation)."""
    actor = Actor.command_line()
    plan = create_plan(db, actor, PlanDraft(
        district=district, title=title, first_year=YEAR, last_year=YEAR + 4, vision=VISION,
        organisation_id=organisation(db, f"{district}地域づくり協議会"),
        adopted_on=date(2026, 3, 20),
        actions=tuple(ActionDraft(a[0], a[1], detail="", schedule="令和8〜12年度",
                                  indicator=a[2], target=a[3], unit=a[4]) for a in actions)))
    ids = tuple(a.id for a in plan.actions)
    save_year(db, actor, plan.id, YEAR, 0, YearDraft(
        stage, EVALUATION, IMPROVEMENT, published,
        tuple(ProgressDraft(i, a[5], a[7], a[6]) for i, a in zip(ids, actions, strict=True))))
    if links:
        workshop = make_event(db, facilities["east"], kind=EventKind.WORKSHOP, title=WORKSHOP,
                              sessions=(SessionDraft(date(2025, 11, 8), time(10), time(12),
                                                     "第1回"),),
                              signup_opens_on=date(2025, 10, 1),
                              signup_closes_on=date(2025, 11, 7))
        link_workshop(db, actor, plan.id, workshop.id)
        programme = create_programme(db, actor, community_programme(YEAR))
        person = create_contact(db, actor, ContactDraft(kind=ContactKind.PERSON, name=PERSON)).id
        link_case(db, actor, ids[0], adopted_case(db, programme.id, organisation(
            db, f"{district}ふれあい実行委員会"), GROUP_CASE))
        link_case(db, actor, ids[1], adopted_case(db, programme.id, person, PERSON_CASE))
        link_case(db, actor, ids[1], adopted_case(db, programme.id, person, PENDING_CASE,
                                                  Stage.CONSULTATION))
    return MadePlan(plan.id, ids)


# --- CSV ------------------------------------------------------------------------------------

def read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, as Excel opens it"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_the_csv_has_one_row_per_plan_and_action_with_the_values_entered(
        db, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    make_plan(db, facilities)
    bare = make_plan(db, facilities, district="中央", title="中央のまちづくり計画", actions=(),
                     stage=PlanStage.DO, published=None, links=False)
    path = tmp_path / "plans.csv"
    assert write_plans_csv(db, Actor.command_line(), YEAR, path) == len(ACTIONS) + 1
    rows = read_csv(path)
    assert tuple(rows[0]) == HEADER == (
        "地域", "計画名", "版", "期間", "段階", "取組", "主体", "指標", "目標値", "単位",
        "実績値", "実施状況", "実績・成果", "公表日")
    # The districts in the usual order: 中央 before 東部; a plan without actions keeps a row.
    assert rows[1] == ["中央", "中央のまちづくり計画", "1", "令和8〜12年度", "実行",
                       "", "", "", "", "", "", "", "", ""]
    assert rows[2:] == [
        ["東部", PLAN_TITLE, "1", "令和8〜12年度", "評価", "ふれあい夏まつりの開催", "組織",
         "参加者数", "800", "人", "1000", "実施", ACTIONS[0][7], "2027-05-31"],
        ["東部", PLAN_TITLE, "1", "令和8〜12年度", "評価", "高齢者の見守り活動", "協働",
         "見守り世帯数", "120", "世帯", "60", "一部実施", ACTIONS[1][7], "2027-05-31"],
        ["東部", PLAN_TITLE, "1", "令和8〜12年度", "評価", "防災マップの作成", "市",
         "配布部数", "3000", "部", "", "未実施", "", "2027-05-31"],
        ["東部", PLAN_TITLE, "1", "令和8〜12年度", "評価", "地域の歴史講座", "組織",
         "", "", "", "", "未報告", "", "2027-05-31"],
    ]
    assert bare.plan_id != 0
    assert PERSON not in path.read_text(encoding="utf-8-sig")


def test_the_csv_of_a_later_year_lists_the_edition_in_force(
        db, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    actor = Actor.command_line()
    made = make_plan(db, facilities, links=False)
    first = get_plan(db, actor, made.plan_id)
    second = revise_plan(db, actor, first.id, first.version, from_year=YEAR + 1)
    path = tmp_path / "plans-2027.csv"
    write_plans_csv(db, actor, YEAR + 1, path)
    rows = read_csv(path)[1:]
    assert {(r[0], r[2], r[3], r[4], r[11], r[13]) for r in rows} == {
        ("東部", "2", "令和9〜12年度", "計画", "未報告", "")}
    assert second.edition == 2


# --- HTML -----------------------------------------------------------------------------------

class Page(HTMLParser):
    """What a checker of JIS X 8341-3 looks at: the tags, their attributes, the headings in
    order, and whether each <table>, <svg> and <img> carries what it must."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[int] = []
        self.open: list[str] = []
        self.text: list[str] = []
        self.svg_children: list[list[str]] = []
        self.table_children: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.headings.append(int(tag[1]))
        for stack in (self.svg_children, self.table_children):
            if stack:
                stack[-1].append(tag)
        if tag == "svg":
            self.svg_children.append([])
        if tag == "table":
            self.table_children.append([])
        if tag not in ("meta", "link", "br", "img", "path", "circle", "rect"):
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        for stack in (self.svg_children, self.table_children):
            if stack:
                stack[-1].append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes {self.open[-1:]}"
        self.open.pop()
        if tag == "svg":
            self.finished_svg = self.svg_children.pop()
            assert {"title", "desc"} <= set(self.finished_svg), "an SVG without title/desc"
        if tag == "table":
            children = self.table_children.pop()
            assert "caption" in children, "a table without a caption"

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def all_text(self) -> str:
        return "".join(self.text)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    assert page.open == [], f"left open: {page.open}"
    return page


def assert_accessible(page: Page) -> None:
    html = [attrs for tag, attrs in page.tags if tag == "html"]
    assert html == [{"lang": "ja"}]
    assert page.headings.count(1) == 1 and page.headings[0] == 1
    for before, after in zip(page.headings, page.headings[1:], strict=False):
        assert after <= before + 1, f"h{before} followed by h{after}"
    names = {tag for tag, _ in page.tags}
    assert "script" not in names and "iframe" not in names and "object" not in names
    for tag, attrs in page.tags:
        for key in ("href", "src", "action", "xlink:href"):
            value = (attrs.get(key) or "").strip().lower()
            assert not value.startswith(("http:", "https:", "//", "javascript:")), (tag, attrs)
        if tag == "th":
            assert attrs.get("scope") in ("col", "row"), attrs
        if tag == "img":
            assert attrs.get("alt"), attrs
        if tag == "svg":
            assert attrs.get("role") == "img" and attrs.get("aria-labelledby"), attrs
        if tag == "link":
            assert attrs.get("href") == "style.css"
        assert "style" not in attrs or tag in ("svg",), "styles live in style.css"


def test_the_pages_are_accessible_japanese_and_self_contained(
        db, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    made = make_plan(db, facilities)
    folder = tmp_path / "site" / "plans-2026"
    assert write_plans_html(db, Actor.command_line(), YEAR, folder, today=TODAY) == 2
    assert sorted(p.name for p in folder.iterdir()) == [
        "index.html", f"plan-{made.plan_id}.html", "style.css"]
    index = parse(folder / "index.html")
    assert_accessible(index)
    text = index.all_text()
    assert "令和8年度 地域まちづくり計画の実施状況" in text
    for district in ("中央", "東部", "西部", "南部", "北部", "河辺", "雄和"):
        assert district in text
    assert "評価（CHECK）" in text and "この年度の計画はありません。" in text
    links = [a["href"] for tag, a in index.tags if tag == "a"]
    assert links == [f"plan-{made.plan_id}.html"]

    plan = parse(folder / f"plan-{made.plan_id}.html")
    assert_accessible(plan)
    text = plan.all_text()
    for expected in (PLAN_TITLE, "東部地域", "東部地域づくり協議会", "令和8〜12年度", "第1版",
                     VISION, "公表日", "令和9年5月31日", "評価（CHECK）", "現在",
                     "見守り活動は担い手が不足している。", IMPROVEMENT, WORKSHOP,
                     "令和7年11月8日（土）", GROUP_CASE, "東部ふれあい実行委員会", PERSON_CASE,
                     "1,000人", "800人", "125%", "50%", "一部実施", "未実施", "未報告"):
        assert expected in text, expected
    assert PERSON not in text and PENDING_CASE not in text
    # The current stage is named in words, in the SVG's description and in the list.
    desc = "".join(plan.text)
    assert "現在の段階は評価（CHECK）です。" in desc
    assert [a.get("aria-current") for tag, a in plan.tags if tag == "li"
            and "aria-current" in a] == ["step"]
    assert [a["href"] for tag, a in plan.tags if tag == "a"] == ["index.html", "index.html"]
    css = (folder / "style.css").read_text(encoding="utf-8")
    assert "@import" not in css and "url(" not in css and "http" not in css


def test_every_text_colour_has_a_contrast_of_at_least_4_5() -> None:
    ratios = {pair: plans_html.contrast(*pair) for pair in plans_html.COLOUR_PAIRS}
    assert all(r >= 4.5 for r in ratios.values()), ratios
    assert plans_html.contrast("#FFFFFF", "#000000") == pytest.approx(21.0)
    css = plans_html.stylesheet()
    used = {c.upper() for c in __import__("re").findall(r"#[0-9A-Fa-f]{6}", css)}
    in_pairs = {c for pair in plans_html.COLOUR_PAIRS for c in pair} | {plans_html.RULE}
    assert used <= in_pairs


def test_every_value_is_escaped(db, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hostile = '<script>alert("x")</script> & <a href="https://evil.example">'
    made = make_plan(db, facilities, title=hostile,
                     actions=((hostile, ActionCarrier.CITY, "<b>数</b>", 1, "<人>",
                               ActionStatus.DONE, 1, hostile),), links=False)
    folder = tmp_path / "out"
    write_plans_html(db, Actor.command_line(), YEAR, folder, today=TODAY)
    for name in ("index.html", f"plan-{made.plan_id}.html"):
        raw = (folder / name).read_text(encoding="utf-8")
        assert "<script" not in raw and "evil.example\">" not in raw and "<b>" not in raw
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;a href=" in raw
        page = parse(folder / name)
        assert_accessible(page)
        assert hostile in page.all_text()


def test_a_folder_with_other_files_is_refused_and_an_earlier_export_replaced(
        db, facilities, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    actor = Actor.command_line()
    foreign = tmp_path / "documents"
    foreign.mkdir()
    (foreign / "memo.txt").write_text("大事なメモ", encoding="utf-8")
    with pytest.raises(UserError, match="他のファイルがあります"):
        write_plans_html(db, actor, YEAR, foreign, today=TODAY)
    assert [p.name for p in foreign.iterdir()] == ["memo.txt"]
    a_file = tmp_path / "plans.txt"
    a_file.write_text("x", encoding="utf-8")
    with pytest.raises(UserError, match="ファイルです"):
        write_plans_html(db, actor, YEAR, a_file, today=TODAY)

    folder = tmp_path / "plans"
    assert write_plans_html(db, actor, YEAR, folder, today=TODAY) == 1  # no plan yet: the index
    made = make_plan(db, facilities, links=False)
    assert write_plans_html(db, actor, YEAR, folder, today=TODAY) == 2
    assert (folder / f"plan-{made.plan_id}.html").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_the_export_command_writes_csv_or_pages_and_says_so(
        db, facilities, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    actor = Actor.command_line()
    make_plan(db, facilities, links=False)
    assert export_plans(db, actor, fiscal_year=YEAR, fmt="csv", output=tmp_path / "p.csv") == 0
    assert "令和8年度の地域まちづくり計画の実施状況（4 行）" in capsys.readouterr().out
    assert export_plans(db, actor, fiscal_year=YEAR, fmt="html", output=tmp_path / "web",
                        today=TODAY) == 0
    out = capsys.readouterr().out
    assert "公表用ページ（2 ページ）" in out and "index.html" in out
    with pytest.raises(UserError, match="--fiscal-year"):
        export_plans(db, actor, fiscal_year=None, fmt="csv", output=tmp_path / "q.csv")
    with pytest.raises(UserError, match="フォルダを指定"):
        export_plans(db, actor, fiscal_year=YEAR, fmt="html", output=tmp_path / "x.html")
    with pytest.raises(UserError, match=r"\.csv にしてください"):
        export_plans(db, actor, fiscal_year=YEAR, fmt="csv", output=tmp_path / "x.txt")
