"""市民協働の推進状況, read back from the PDF as a reader gets it: every direction's number and
name, the hand-counted figures this year and last with the change, and the definitions; the
command's PDF is the same report."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest

from kyodo_desk import leaflets
from kyodo_desk.cli.guideline import report_guideline
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.domain.plans import DIRECTION_LABELS
from tests.leaflets import assert_fonts_embedded, need_poppler
from tests.services.test_guideline import guideline_fixture

TODAY = date(2026, 12, 6)


@pytest.fixture
def pdf(db, accounts_by_login) -> bytes:  # type: ignore[no-untyped-def]
    guideline_fixture(db, accounts_by_login["officer"])
    return leaflets.render("guideline-report", db, Actor.command_line(), fiscal_year=2026,
                           today=TODAY)


def lines_of(pdf: bytes, tmp_path: Path) -> list[str]:
    need_poppler()
    path = tmp_path / "guideline.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],
                         capture_output=True, text=True, check=True).stdout
    return [" ".join(line.split()) for line in out.splitlines() if line.strip()]


def test_each_direction_with_its_figures_beside_last_year(pdf: bytes, tmp_path: Path) -> None:
    lines = lines_of(pdf, tmp_path)
    text = "\n".join(lines)
    assert "市民協働の推進状況" in text and "令和8年度（前年度: 令和7年度）" in text
    for label in DIRECTION_LABELS.values():
        assert label in text.replace("\n", "")
    # Indicator, this year, last year, change: one row each, as counted by hand.
    for row in ("参加から関わり始めた人 1人 2人 −1", "参画に進んだ人 2人 0人 +2",
                "うち計画づくりへの参加 1人 0人 +1", "支援した団体 3団体 1団体 +2",
                "NPO法人化の相談件数 2件 0件 +2", "計画のある地域 1地域 1地域 ±0",
                "実施状況を公表した計画 1件 0件 +1",
                "計画づくりのワークショップ参加者 2人 0人 +2",
                "交付決定額 300,000円 0円 +300,000", "協働した担当課 1課 0課 +1",
                "関わった企業 1団体 0団体 +1", "関わったNPO法人 1団体 1団体 ±0",
                # 市民協働ミーティング by the sector each sign-up gave, under 4.
                "市民協働ミーティングの参加者 6人 3人 +3", "うち市民 0人 1人 −1",
                "うち市民活動団体 0人 2人 −2", "うち地域活動団体 1人 0人 +1",
                "うち企業 3人 0人 +3", "うち行政 1人 0人 +1", "うち未回答 1人 0人 +1"):
        assert row in lines, row
    fourth = text.index("新しい公共の推進")
    assert fourth < text.index("市民協働ミーティングの参加者 6人") < text.index(
        "市民活動を取り巻く環境変化への対応")
    assert "方向への対応づけによらず「新しい公共の推進」に数える" in text.replace("\n", "")
    assert "指標の定義" in text
    assert "対応づけた記録: 協働事業提案・つむぎすと講座・市民協働ミーティング・協働サポート交付金" in lines


def test_fonts_embedded_and_the_command_writes_the_same_report(
        db, pdf: bytes, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert_fonts_embedded(pdf, tmp_path)
    out = tmp_path / "command.pdf"
    assert report_guideline(db, Actor.command_line(), fiscal_year=2026, fmt="pdf",
                            output=out, today=TODAY) == 0
    assert lines_of(out.read_bytes(), tmp_path) == lines_of(pdf, tmp_path)
