"""市民活動相談 月報, read back from the PDF as a reader gets it: one A4 page, the month in the
era, and the hand-counted figures of the month and of the fiscal year to date."""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

import pytest

from kyodo_desk import leaflets
from tests.leaflets import (
    assert_fonts_embedded,
    flat,
    kinsoku_offences,
    need_poppler,
    page_count,
    text_of,
)
from tests.services.test_consultation_stats import record_fixture

TODAY = date(2026, 11, 25)
NAME = "consultation-report"


@pytest.fixture
def recorded(db, accounts_by_login):  # type: ignore[no-untyped-def]
    return record_fixture(db, accounts_by_login["officer"])


def layout_lines(pdf: bytes, tmp_path: Path) -> list[str]:
    """The page's lines with the table cells of a row side by side (pdftotext -layout)."""
    need_poppler()
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
                         capture_output=True, text=True, check=True).stdout
    return [" ".join(line.split()) for line in out.splitlines() if line.strip()]


def row(lines: list[str], label: str) -> list[str]:
    """The numbers on the first line that starts with *label*."""
    found = next(line for line in lines if line.startswith(f"{label} "))
    return re.findall(r"\d[\d,]*", found[len(label):])


def test_the_report_is_listed_in_the_catalogue() -> None:
    info = next(i for i in leaflets.catalog() if i.name == NAME)
    assert info.title == "市民活動相談 月報" and info.pages == 1


def test_the_month_and_its_counts_are_on_one_page(
        db, admin, recorded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pdf = leaflets.render(NAME, db, admin, today=TODAY)  # the month of today: November
    assert_fonts_embedded(pdf, tmp_path)
    assert page_count(pdf, tmp_path) == 1
    text = text_of(pdf, tmp_path)
    assert kinsoku_offences(text) == []
    assert "市民活動相談 月報" in text
    assert "令和8年11月分（令和8年度）" in flat(text)
    assert "令和8年11月25日作成" in flat(text)
    assert "2026" not in text
    assert "3件" in text and "7件" in text  # this month; 年度累計 April to November
    lines = layout_lines(pdf, tmp_path)
    header = next(line for line in lines if line.startswith("分野 "))
    assert header.split()[1:8] == ["東部", "西部", "南部", "北部", "中央", "河辺", "雄和"]
    # facilities east … salon, then 合計 and 年度累計
    assert row(lines, "広報・PR") == ["0", "0", "0", "0", "0", "0", "0", "2", "2", "2"]
    assert row(lines, "NPO法人化") == ["1", "0", "0", "0", "0", "0", "0", "0", "1", "2"]
    assert row(lines, "団体設立") == ["0"] * 9 + ["2"]
    assert row(lines, "合計") == ["1", "0", "0", "0", "0", "0", "0", "2", "3", "7"]
    assert row(lines, "年度累計") == ["4", "1", "0", "0", "0", "0", "0", "2", "7"]
    # 相談方法 and 相談者 side by side: this month, year to date
    assert row(lines, "来所") == ["2", "3", "1", "3"]  # 来所 2 3 │ 新規 1 3
    assert row(lines, "訪問") == ["1", "1", "3", "7"]  # 訪問 1 1 │ 合計 3 7


def test_a_chosen_month_and_an_advisor_print_only_the_salon(
        db, accounts_by_login, recorded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pdf = leaflets.render(NAME, db, accounts_by_login["advisor"], today=TODAY,
                          month=date(2026, 11, 1))
    text = flat(text_of(pdf, tmp_path))
    assert "令和8年11月分（令和8年度）秋田市市民交流サロン" in text
    assert "東部" not in text and "分野別の相談件数" in text
    lines = layout_lines(pdf, tmp_path)
    assert row(lines, "広報・PR") == ["2", "2"]
    assert row(lines, "合計")[:2] == ["2", "2"]

    april = text_of(leaflets.render(NAME, db, accounts_by_login["advisor"], today=TODAY,
                                    month=date(2026, 4, 30)), tmp_path)
    assert "令和8年4月分" in flat(april)
    assert "0件" in april


def test_the_other_leaflets_still_render_without_a_month(db, actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pdf = leaflets.render("facility-guide", db, actor, today=TODAY, month=date(2026, 4, 1))
    assert page_count(pdf, tmp_path) == 1


def more_topics(figures, extra: int):  # type: ignore[no-untyped-def]
    """The month's figures with *extra* made-up topic rows, as if the list had grown."""
    from dataclasses import replace

    def grown(table):  # type: ignore[no-untyped-def]
        names = tuple(f"追加の分野{i}" for i in range(1, extra + 1))
        zeros = tuple((0,) * len(table.columns) for _ in names)
        return replace(table, rows=table.rows + names, cells=table.cells + zeros,
                       row_totals=table.row_totals + (0,) * extra)

    return replace(figures, topic_by_facility=grown(figures.topic_by_facility),
                   topic_by_facility_to_date=grown(figures.topic_by_facility_to_date))


def test_a_longer_topic_list_shrinks_onto_the_page_or_is_refused_in_japanese(
        db, admin, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.domain.errors import UserError
    from kyodo_desk.services.consultations import stats

    real = stats.month_statistics(db, admin, 2026, 11)
    monkeypatch.setattr(stats, "month_statistics", lambda *args, **kwargs: more_topics(real, 6))
    pdf = leaflets.render(NAME, db, admin, today=TODAY)
    assert page_count(pdf, tmp_path) == 1
    assert "追加の分野6" in text_of(pdf, tmp_path)

    monkeypatch.setattr(stats, "month_statistics", lambda *args, **kwargs: more_topics(real, 60))
    with pytest.raises(UserError, match="「市民活動相談 月報」の内容がA4判1枚に収まりません"):
        leaflets.render(NAME, db, admin, today=TODAY)
