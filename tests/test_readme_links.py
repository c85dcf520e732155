"""What points to the README leads somewhere: a message's README「…」 names one of its headings,
and the README's 使い方 section lists every page of the manual inside the app.

(The manual's own links, page to page and section, are checked in tests/ui/test_help.py.)
"""

from __future__ import annotations

import re
from pathlib import Path

from kyodo_desk.paths import resources_dir

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MANUAL_SECTION = "使い方（アプリ内のマニュアル）"
# README「Backups (バックアップ)」 in a message; the name ends at the first 」.
POINTER = re.compile(r"README\s*「([^」]+)」")


def headings(markdown: str) -> list[str]:
    """The README's headings, without their #s: a line starting with # inside a fenced block
    is a shell comment, not a heading."""
    found, fenced = [], False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and (match := re.match(r"#{1,6}\s+(.+)", line)):
            found.append(match[1].strip())
    return found


def section(markdown: str, title: str) -> str:
    """The text under the heading *title*, up to the next heading of its level or higher."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if re.fullmatch(rf"#+\s+{re.escape(title)}", line))
    level = len(lines[start]) - len(lines[start].lstrip("#"))
    end = next((i for i in range(start + 1, len(lines))
                if re.match(rf"#{{1,{level}}}\s", lines[i])), len(lines))
    return "\n".join(lines[start + 1:end])


def pointers() -> dict[str, list[str]]:
    """Every README「…」 in the shipped code: the name → the files that say it."""
    named: dict[str, list[str]] = {}
    for path in sorted((ROOT / "src").rglob("*.py")):
        for name in POINTER.findall(path.read_text(encoding="utf-8")):
            named.setdefault(name, []).append(str(path.relative_to(ROOT)))
    return named


def test_headings_skip_shell_comments_in_code_blocks() -> None:
    text = "# Title\n\n```sh\n# Debian / Ubuntu\n```\n\n### Backups (バックアップ)\n"
    assert headings(text) == ["Title", "Backups (バックアップ)"]


def test_every_readme_section_a_message_names_is_a_heading_of_the_readme() -> None:
    titles = headings(README.read_text(encoding="utf-8"))
    named = pointers()
    # The messages the administrator reads when the database or the display lets them down.
    assert {"PostgreSQL roles", "Linux で画面が開かないとき", "複数の窓口で使う"} <= set(named)
    missing = {name: files for name, files in named.items()
               if not any(name in title for title in titles)}
    assert missing == {}, f"README has no heading holding these (headings: {titles})"


def test_the_readme_lists_every_page_of_the_manual() -> None:
    text = README.read_text(encoding="utf-8")
    assert MANUAL_SECTION in headings(text)
    listed = section(text, MANUAL_SECTION)
    # How a clerk opens it, and that it needs no network.
    assert "ヘルプ → 使い方" in listed and "F1" in listed
    assert "resources/manual/" in listed
    pages = sorted(p.name for p in (resources_dir() / "manual").glob("*.html"))
    assert len(pages) >= 9
    assert [p for p in pages if f"`{p}`" not in listed] == []
    # And no page the package does not ship.
    assert sorted(set(re.findall(r"`([a-z_-]+\.html)`", listed))) == pages


def test_the_per_tab_manual_lives_in_the_app_not_in_the_readme() -> None:
    """The tabs' how-to moved to the manual pages; the README keeps setup and operation."""
    titles = headings(README.read_text(encoding="utf-8"))
    for tab in ("センター連絡先", "相談記録", "イベント", "交付金", "印刷物", "取り込み"):
        assert not any(title.startswith(tab) for title in titles), tab
    manual = resources_dir() / "manual"
    for page, says in (("contacts.html", "同じ方かもしれないとき"), ("events.html", "入る組から順に繰り上げ"),
                       ("import.html", "令和8年4月1日"), ("grants.html", "—（終了）")):
        assert says in (manual / page).read_text(encoding="utf-8"), page
