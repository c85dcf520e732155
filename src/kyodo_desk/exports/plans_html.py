"""地域まちづくり計画の実施状況 as static web pages (公表): a folder the city puts on its web site
as it is.

index.html lists every district's plan in force in the fiscal year with its stage in the
PLAN → DO → CHECK → ACT cycle; plan-<番号>.html shows one plan as the plan report prints it
(services/plans/publication.py: no individual); style.css is the one style sheet.

Made for JIS X 8341-3 (the web accessibility standard public bodies follow): lang="ja",
headings in order (one h1, then h2, h3), tables with a caption and th scope, the cycle drawn
as inline SVG with a <title> and <desc> and repeated as a list in text, the current stage
marked by a word and a ring as well as by colour, text and ground at 4.5:1 or more. Nothing
is fetched from elsewhere: no script, no web font, no outside link. Every value is escaped.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import uuid
from collections.abc import Iterable, Sequence
from contextlib import suppress
from datetime import date
from html import escape
from pathlib import Path

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import full_date, print_style
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.domain.plans import (
    PLAN_STAGE_LABELS,
    PLAN_STAGE_MEANINGS,
    PLAN_STAGE_WORDS,
    PlanStage,
)
from kyodo_desk.services.plans.publication import (
    NO_ACTIONS,
    PlanReport,
    YearPublication,
    year_publication,
)

TITLE = "地域まちづくり計画の実施状況"
DEPARTMENT = "秋田市市民生活部"
INDEX = "index.html"
STYLE = "style.css"
# Marks a folder as one this export wrote, so writing the next year's pages over it is safe.
GENERATOR = "協働デスク 地域まちづくり計画の公表ページ"
_OWN_FILE = re.compile(r"(index\.html|style\.css|plan-\d+\.html)")
STAGES = tuple(PlanStage)

# The colours of the leaflets (leaflets/style.py's palette), those dark enough for white
# text and for text on white or the pale ground at 4.5:1 or more (tests check each pair).
TEXT = "#1E272C"
PAPER = "#FFFFFF"
PALE = "#F1F7FA"
PRIMARY = "#1B6B8F"
PRIMARY_DARK = "#12485F"
CITIZEN_DARK = "#1E5E3B"
ACCENT_DARK = "#A5540F"
MUTED = "#56656D"
RULE = "#B9CDD6"  # lines only, never text
STAGE_FILLS = (PRIMARY, CITIZEN_DARK, ACCENT_DARK, PRIMARY_DARK)
# (text, ground) of every text the pages show.
COLOUR_PAIRS = (
    (TEXT, PAPER), (TEXT, PALE), (PRIMARY_DARK, PAPER), (PRIMARY_DARK, PALE),
    (PRIMARY, PAPER), (MUTED, PAPER), (MUTED, PALE), (ACCENT_DARK, PAPER),
    (PAPER, PRIMARY), (PAPER, ACCENT_DARK), (PAPER, PRIMARY_DARK),
    *((PAPER, fill) for fill in STAGE_FILLS),
)


def write_plans_html(db: Database, actor: Actor, fiscal_year: int, folder: Path, *,
                     today: date | None = None) -> int:
    """Write the pages of *fiscal_year* (2026 = 令和8年度) into *folder* (created); returns
    how many pages. A folder holding anything but an earlier export of these pages is
    refused; an earlier export is replaced whole, and only once the new one is written."""
    folder = Path(folder)
    check_folder(folder)
    pages = site(year_publication(db, actor, fiscal_year), today or date.today())
    _replace_folder(folder, pages)
    return sum(1 for name in pages if name.endswith(".html"))


def check_folder(folder: Path) -> None:
    """Refuse a *folder* that is a file, a link, or a folder with other files in it."""
    if folder.is_symlink():
        raise UserError(f"「{folder}」はシンボリックリンクです。リンク先を置き換えないよう、"
                        "書き出しません。別のフォルダを指定してください。")
    if not folder.exists():
        return
    if not folder.is_dir():
        raise UserError(f"「{folder}」はファイルです。公表用のページは、新しいフォルダか空の"
                        "フォルダに書き出します。")
    if not previous_export(folder):
        raise UserError(f"「{folder}」には他のファイルがあります。公表用のページは、新しいフォルダ"
                        "か空のフォルダに書き出してください（前に書き出したページのフォルダなら"
                        "置き換えます）。")


def previous_export(folder: Path) -> bool:
    """Whether *folder* is empty or holds only pages this export wrote."""
    entries = list(folder.iterdir())
    if not entries:
        return True
    if not all(e.is_file() and not e.is_symlink() and _OWN_FILE.fullmatch(e.name)
               for e in entries):
        return False
    index = folder / INDEX
    try:
        return index.is_file() and GENERATOR in index.read_text(encoding="utf-8")[:2000]
    except (OSError, UnicodeDecodeError):
        return False


def _replace_folder(folder: Path, pages: dict[str, str]) -> None:
    """Write *pages* into a new folder beside *folder*, then put it in *folder*'s place: a
    failed export leaves the earlier pages as they were."""
    tag = uuid.uuid4().hex[:8]
    temp = folder.with_name(f".{folder.name}.{tag}.tmp")
    old = folder.with_name(f".{folder.name}.{tag}.old")
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        temp.mkdir()
        for name, text in pages.items():
            (temp / name).write_text(text, encoding="utf-8", newline="\n")
        check_folder(folder)  # a long export: someone may have put files there meanwhile
        if folder.exists():
            os.replace(folder, old)
        os.replace(temp, folder)
    except OSError as exc:
        raise UserError(
            f"「{folder}」に書き出せませんでした（{exc.strerror or exc}）。保存先に書き込みが"
            "許可されているか、フォルダの中のファイルを開いていないかを確かめてください。"
        ) from exc
    finally:
        with suppress(OSError):
            shutil.rmtree(temp)
        with suppress(OSError):
            shutil.rmtree(old)


# --- the pages ------------------------------------------------------------------------------

def site(publication: YearPublication, today: date) -> dict[str, str]:
    """Every file of the folder: its name and its text."""
    pages = {STYLE: stylesheet(), INDEX: index_page(publication, today)}
    for report in publication.reports:
        pages[plan_file(report)] = plan_page(report, today)
    return pages


def plan_file(report: PlanReport) -> str:
    return f"plan-{report.plan_id}.html"


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _document(title: str, body: str, today: date) -> str:
    made = full_date(today, print_style())
    return (
        "<!DOCTYPE html>\n"
        '<html lang="ja">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="{_e(GENERATOR)}">\n'
        f"<title>{_e(title)}｜秋田市</title>\n"
        f'<link rel="stylesheet" href="{STYLE}">\n</head>\n<body>\n'
        f"{body}"
        f'<footer>\n<p>{_e(DEPARTMENT)}　秋田市</p>\n<p>このページは{_e(made)}に作成しました。'
        "</p>\n</footer>\n</body>\n</html>\n")


def _paragraphs(text: str, empty: str = "") -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return f'<p class="muted">{_e(empty)}</p>\n' if empty else ""
    return "".join(f"<p>{_e(line)}</p>\n" for line in lines)


def _table(caption: str, header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A table of escaped *rows*; the first cell of a row heads it (th scope="row")."""
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in header)
    body = []
    for row in rows:
        cells = [f'<th scope="row">{_e(row[0])}</th>']
        cells += [f"<td>{_e(v)}</td>" for v in row[1:]]
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (f'<table class="facts">\n<caption>{_e(caption)}</caption>\n'
            f"<thead><tr>{head}</tr></thead>\n"
            f"<tbody>\n{chr(10).join(body)}\n</tbody>\n</table>\n")


def _header(heading: str, sub: str, department: str, crumb: str = "") -> str:
    nav = (f'<nav aria-label="現在位置"><p><a href="{INDEX}">{_e(crumb)}</a> ＞ '
           f"{_e(heading)}</p></nav>\n" if crumb else "")
    return (f"<header>\n<p class=\"department\">{_e(department)}</p>\n{nav}"
            f"<h1>{_e(heading)}</h1>\n<p class=\"sub\">{_e(sub)}</p>\n</header>\n")


def index_page(publication: YearPublication, today: date) -> str:
    year = publication.year_label
    heading = f"{year} {TITLE}"
    style = print_style()
    rows = []
    for entry in publication.districts:
        r = entry.report
        if r is None:
            rows.append(f'<tr><th scope="row" class="nowrap">{_e(entry.district)}</th>'
                        '<td colspan="6" class="muted">この年度の計画はありません。</td></tr>')
            continue
        published = full_date(r.published_on, style) if r.published_on is not None else "公表前"
        rows.append(
            f'<tr><th scope="row" class="nowrap">{_e(r.district)}</th>'
            f'<td><a href="{_e(plan_file(r))}">{_e(r.title)}</a></td>'
            f'<td>{_e(r.organisation_name)}</td><td class="nowrap">{_e(r.period_label)}</td>'
            f'<td class="nowrap stage">{_e(r.stage_text)}</td>'
            f"<td>{_e(r.counts_text() if r.actions else '取組なし')}</td>"
            f'<td class="nowrap">{_e(published)}</td></tr>')
    header = "".join(f'<th scope="col" class="nowrap">{_e(h)}</th>' for h in (
        "地域", "計画", "地域づくり組織", "計画期間", "段階", "取組の実施状況", "公表日"))
    body = (
        _header(heading, f"{year}　各地域のまちづくり計画と、PDCAサイクルの段階", DEPARTMENT)
        + "<main>\n"
        + f"<p>秋田市では、地域づくり組織と市民が話し合って地域まちづくり計画をつくり、"
        f"計画（PLAN）・実行（DO）・評価（CHECK）・改善（ACT）のサイクルで進めています。"
        f"{_e(year)}の各地域の計画と、いまの段階をお知らせします。計画の名前を選ぶと、"
        "取組ごとの実施状況を見られます。</p>\n"
        + "<section>\n<h2>地域ごとの計画</h2>\n"
        + f"<table>\n<caption>{_e(year)} 各地域のまちづくり計画と段階</caption>\n"
        + f"<thead><tr>{header}</tr></thead>\n<tbody>\n" + "\n".join(rows)
        + "\n</tbody>\n</table>\n</section>\n"
        + "<section>\n<h2>PDCAサイクル</h2>\n" + cycle(None) + "</section>\n</main>\n")
    return _document(heading, body, today)


def plan_page(report: PlanReport, today: date) -> str:
    style = print_style()
    year = report.year_label
    published = (full_date(report.published_on, style) if report.published_on is not None
                 else f"公表前（{full_date(today, style)}現在の内容です）")
    facts = [("計画の名称", report.title), ("地域", f"{report.district}地域")]
    if report.organisation_name:
        facts.append(("地域づくり組織", report.organisation_name))
    facts += [("計画期間", report.period_label), ("版", report.edition_label)]
    if report.adopted_on is not None:
        facts.append(("策定日" if report.edition == 1 else "改定日",
                      full_date(report.adopted_on, style)))
    facts.append(("公表日", published))
    body = [
        _header(report.title, f"{year}　{TITLE}（{report.district}地域）",
                f"{DEPARTMENT}　{report.district}市民サービスセンター",
                crumb=f"{year} {TITLE}"),
        "<main>\n",
        f"<p>{_e(report.district)}地域の{_e(report.organisation_name or '住民')}と市民が話し合って"
        f"つくった地域まちづくり計画について、{_e(year)}の取組の実施状況と目標に対する実績を"
        "お知らせします。</p>\n",
        "<section>\n<h2>計画の概要</h2>\n",
        _table("計画の概要", ("項目", "内容"), facts),
    ]
    if report.vision:
        body += ["<h3>目指す姿</h3>\n", _paragraphs(report.vision)]
    body += ["</section>\n",
             f"<section>\n<h2>PDCAサイクルと{_e(year)}の段階</h2>\n",
             f'<p class="now">{_e(year)}は「<strong>{_e(report.stage_text)}</strong>」の段階です'
             f"（{_e(PLAN_STAGE_MEANINGS[report.stage])}）。</p>\n",
             cycle(report.stage), "</section>\n",
             f"<section>\n<h2>{_e(year)}のまとめ</h2>\n<ol class=\"points\">\n",
             *(f"<li><strong>{_e(head)}</strong><br>{_e(text)}</li>\n"
               for head, text in report.year_points()),
             "</ol>\n</section>\n",
             "<section>\n<h2>取組の実施状況</h2>\n"]
    if report.actions:
        body += [_actions_table(report),
                 '<p class="muted">達成は、実績値を目標値で割った割合です。'
                 "実施状況の「未報告」は、その年度の実施状況がまだ記録されていない取組です。</p>\n"]
    else:
        body.append(f"<p>{_e(NO_ACTIONS)}</p>\n")
    body += ["</section>\n<section>\n<h2>評価と改善</h2>\n",
             f"<h3>評価（CHECK）　{_e(year)}の振り返り</h3>\n",
             _paragraphs(report.evaluation, "評価はまだ記入されていません。"),
             "<h3>改善（ACT）　課題と計画の見直し</h3>\n",
             _paragraphs(report.improvement, "改善の内容はまだ記入されていません。"),
             "</section>\n",
             "<section>\n<h2>計画をつくったワークショップ・取組を支える交付金</h2>\n",
             "<h3>計画をつくったワークショップ</h3>\n",
             _list(report.workshop_lines(), "登録されたワークショップはありません。"),
             "<h3>取組を支える交付金（地域づくり交付金など）</h3>\n",
             _list(report.funding_lines(), "取組に結びついた交付金の事業はありません。"),
             "</section>\n",
             f'<p class="back"><a href="{INDEX}">{_e(year)}の各地域の計画の一覧へ戻る</a></p>\n',
             "</main>\n"]
    return _document(f"{report.title} {year} {TITLE}", "".join(body), today)


def _actions_table(report: PlanReport) -> str:
    """取組, 主体, 指標, 目標, 実績, 達成, 実施状況, 実績・成果: the action heads its row, with
    its 内容 and 実施時期 under its name."""
    header = "".join(f'<th scope="col">{_e(h)}</th>' for h in (
        "取組", "主体", "指標", "目標", "実績", "達成", "実施状況", "実績・成果"))
    rows = []
    for a in report.actions:
        notes = "".join(f'<br><span class="note">{_e(t)}</span>' for t in (
            a.detail, f"実施時期: {a.schedule}" if a.schedule else "") if t)
        rows.append(
            f'<tr><th scope="row">{a.position}. {_e(a.title)}{notes}</th>'
            f'<td class="nowrap">{_e(a.carrier_text)}</td><td>{_e(a.indicator)}</td>'
            f'<td class="num">{_e(a.target_text)}</td><td class="num">{_e(a.figure_text)}</td>'
            f'<td class="num">{_e(a.reached_text)}</td>'
            f'<td class="nowrap">{_e(a.status_text)}</td><td>{_e(a.result)}</td></tr>')
    return (f"<table>\n<caption>{_e(report.year_label)}の取組の実施状況"
            f"（{_e(report.title)}）</caption>\n<thead><tr>{header}</tr></thead>\n<tbody>\n"
            + "\n".join(rows) + "\n</tbody>\n</table>\n")


def _list(items: Sequence[str], empty: str) -> str:
    if not items:
        return f'<p class="muted">{_e(empty)}</p>\n'
    return "<ul>\n" + "".join(f"<li>{_e(item)}</li>\n" for item in items) + "</ul>\n"


def cycle(current: PlanStage | None) -> str:
    """The PDCA cycle as inline SVG (with its <title> and <desc>) and again as a list in
    text; *current*, the stage marked (a ring and the word 現在)."""
    words = "→".join(f"{PLAN_STAGE_LABELS[s]}（{PLAN_STAGE_WORDS[s]}）" for s in STAGES)
    desc = f"{words}→計画（PLAN）と、4つの段階を順に巡る図。"
    if current is not None:
        desc += f"現在の段階は{PLAN_STAGE_LABELS[current]}（{PLAN_STAGE_WORDS[current]}）です。"
    key = current.value if current is not None else "all"
    cx, cy, ring, node = 180.0, 130.0, 82.0, 36.0
    n = len(STAGES)

    def point(angle: float, radius: float = ring) -> tuple[float, float]:
        a = math.radians(angle)
        return cx + radius * math.cos(a), cy - radius * math.sin(a)

    parts = [
        f'<svg class="cycle" viewBox="0 0 360 260" width="360" height="260" role="img" '
        f'aria-labelledby="cycle-{key}-title cycle-{key}-desc">',
        f'<title id="cycle-{key}-title">PDCAサイクル</title>',
        f'<desc id="cycle-{key}-desc">{_e(desc)}</desc>',
        f'<defs><marker id="head-{key}" viewBox="0 0 10 10" refX="8" refY="5" '
        'markerWidth="5" markerHeight="5" orient="auto-start-reverse">'
        f'<path d="M0,0 L10,5 L0,10 z" fill="{MUTED}"/></marker></defs>',
    ]
    gap = math.degrees(2 * math.asin((node + 8) / (2 * ring)))
    for i in range(n):
        start = 135.0 - 360.0 * i / n - gap
        end = 135.0 - 360.0 * (i + 1) / n + gap
        (x1, y1), (x2, y2) = point(start), point(end)
        parts.append(f'<path d="M{x1:.1f},{y1:.1f} A{ring},{ring} 0 0 1 {x2:.1f},{y2:.1f}" '
                     f'fill="none" stroke="{MUTED}" stroke-width="4" '
                     f'marker-end="url(#head-{key})"/>')
    for i, stage in enumerate(STAGES):
        x, y = point(135.0 - 360.0 * i / n)
        if stage is current:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{node + 7}" fill="none" '
                         f'stroke="{ACCENT_DARK}" stroke-width="5"/>')
        parts += [
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{node}" fill="{STAGE_FILLS[i]}"/>',
            f'<text x="{x:.1f}" y="{y + 1:.1f}" text-anchor="middle" font-size="17" '
            f'fill="{PAPER}">{_e(PLAN_STAGE_LABELS[stage])}</text>',
            f'<text x="{x:.1f}" y="{y + 17:.1f}" text-anchor="middle" font-size="11" '
            f'fill="{PAPER}">{_e(PLAN_STAGE_WORDS[stage])}</text>',
        ]
    if current is not None:
        x, y = point(135.0 - 360.0 * STAGES.index(current) / n, ring * 0.36)
        parts += [f'<rect x="{x - 24:.1f}" y="{y - 12:.1f}" width="48" height="24" rx="12" '
                  f'fill="{ACCENT_DARK}"/>',
                  f'<text x="{x:.1f}" y="{y + 5:.1f}" text-anchor="middle" font-size="13" '
                  f'fill="{PAPER}">現在</text>']
    parts.append("</svg>")
    items = []
    for stage in STAGES:
        mark = ' aria-current="step"' if stage is current else ""
        now = '<strong class="mark">現在</strong> ' if stage is current else ""
        items.append(f"<li{mark}>{now}<strong>{_e(PLAN_STAGE_LABELS[stage])}"
                     f"（{_e(PLAN_STAGE_WORDS[stage])}）</strong>　"
                     f"{_e(PLAN_STAGE_MEANINGS[stage])}</li>")
    return ('<div class="cycle-box">\n' + "\n".join(parts) + '\n<ol class="stages">\n'
            + "\n".join(items) + "\n</ol>\n</div>\n")


def stylesheet() -> str:
    """The one style sheet: the fonts the reader's computer has, the leaflets' colours."""
    return f"""@charset "utf-8";
html {{ font-size: 100%; }}
body {{
  margin: 0; color: {TEXT}; background: {PAPER}; line-height: 1.7;
  font-family: "Hiragino Kaku Gothic ProN", "Hiragino Sans", "BIZ UDPGothic", "Yu Gothic",
    "YuGothic", Meiryo, "Noto Sans CJK JP", "IPAexGothic", sans-serif;
}}
header, main, footer {{ max-width: 64rem; margin: 0 auto; padding: 0 1rem; }}
header {{ border-bottom: 0.4rem solid {ACCENT_DARK}; padding-top: 1rem; padding-bottom: 0.8rem; }}
header .department {{ margin: 0; color: {MUTED}; font-size: 0.9rem; }}
header nav p {{ margin: 0.2rem 0; font-size: 0.9rem; }}
h1 {{ margin: 0.3rem 0; color: {PRIMARY_DARK}; font-size: 1.7rem; line-height: 1.35; }}
header .sub {{ margin: 0; font-size: 1.05rem; }}
h2 {{
  margin: 2rem 0 0.8rem; padding: 0.3rem 0.7rem; color: {PRIMARY_DARK}; background: {PALE};
  border-left: 0.35rem solid {PRIMARY}; border-bottom: 1px solid {PRIMARY}; font-size: 1.3rem;
}}
h3 {{ margin: 1.2rem 0 0.4rem; color: {ACCENT_DARK}; font-size: 1.1rem; }}
a {{ color: {PRIMARY}; text-decoration: underline; }}
a:focus {{ outline: 3px solid {ACCENT_DARK}; outline-offset: 2px; }}
table {{ border-collapse: collapse; width: 100%; margin: 0.5rem 0; font-size: 0.95rem; }}
caption {{ text-align: left; font-weight: bold; color: {PRIMARY_DARK}; padding: 0.3rem 0; }}
th, td {{ border: 1px solid {RULE}; padding: 0.35rem 0.5rem; vertical-align: top;
  text-align: left; }}
thead th {{ background: {PRIMARY}; color: {PAPER}; }}
tbody th {{ background: {PALE}; color: {TEXT}; }}
td.num {{ text-align: right; white-space: nowrap; }}
.nowrap {{ white-space: nowrap; }}
table.facts th:first-child {{ width: 12rem; }}
th .note {{ font-weight: normal; color: {MUTED}; font-size: 0.85rem; }}
.stage {{ font-weight: bold; }}
.muted {{ color: {MUTED}; }}
.now {{ font-size: 1.1rem; }}
.cycle-box {{ display: flex; flex-wrap: wrap; align-items: center; gap: 1rem; }}
.cycle {{ max-width: 100%; height: auto; }}
.stages {{ margin: 0; padding-left: 1.5rem; }}
.stages li {{ margin: 0.3rem 0; }}
.stages .mark {{ color: {PAPER}; background: {ACCENT_DARK}; padding: 0 0.4rem;
  border-radius: 0.6rem; }}
.points li {{ margin: 0.4rem 0; }}
footer {{ margin-top: 2.5rem; padding-top: 0.6rem; padding-bottom: 1.5rem;
  border-top: 1px solid {RULE}; color: {MUTED}; font-size: 0.9rem; }}
footer p {{ margin: 0.2rem 0; }}
"""


def contrast(foreground: str, background: str) -> float:
    """The WCAG contrast ratio of two #RRGGBB colours (JIS X 8341-3 asks 4.5:1 for text)."""
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
