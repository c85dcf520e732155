"""Japanese line breaking (禁則処理) of the kit's paragraphs, checked on the lines themselves at
many widths: no forbidden line start or end, nothing past the measure, Latin words whole."""

from __future__ import annotations

import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth

from kyodo_desk.leaflets.japanese_lines import NO_LINE_END, NO_LINE_START
from kyodo_desk.leaflets.style import Kit
from tests.leaflets import flat

SAMPLES = [
    "秋田市では、市民、NPO、教育機関、企業、行政等が、それぞれの長所を生かして効果的に連携し、"
    "秋田市の明るい未来を創造する市民協働と地域住民が主体となって地域の特性を生かした個性的で"
    "魅力的な秋田市を形成していく都市内地域分権を両輪として、これまでの市民協働の定義を拡大し、"
    "未来の公共をみんなで一緒につくりだすための具体的なアクションを起こすことを提案します。",
    "「官」だけでなく、市民の参加と選択のもとで、NPOや企業等が積極的に公共的な財・サービスの"
    "提案及び提供主体となり、医療・福祉、教育、子育て、まちづくり、学術・文化、環境、雇用、"
    "国際協力、防災等の身近な分野において共助の精神で行う仕組み、体制、活動など。"
    "（内閣府「新しい公共支援事業の実施に関するガイドライン」）",
    "市職員との合同のつむぎすと講座※2への参加。「つながり」を育む力を身につける。",
    "〒010-8506　秋田市東通仲町4番1号アルヴェ3階　電話 018-887-5312　"
    "HP http://www.alve.jp/pages/salon　FB http://fb.me/akitacitysalon",
]


def lines_of(text: str, width: float, role: str = "body") -> list[tuple[str, float, float]]:
    """(text, width used, width allowed) of each line the paragraph breaks into."""
    para = Kit().para(text, role)
    para.wrap(width, 10_000)
    return [("".join(word.text for word in line.words), line.currentWidth, line.maxWidth)
            for line in para.blPara.lines]


@pytest.mark.parametrize("sample", SAMPLES)
def test_kinsoku_holds_at_every_width(sample: str) -> None:
    for width in range(60, 400, 7):
        lines = lines_of(sample, float(width))
        assert flat("".join(t for t, _, _ in lines)) == flat(sample)
        for i, (text, used, allowed) in enumerate(lines):
            assert used <= allowed + 1e-6, f"line {i} runs past the measure at {width}pt"
            if i:
                assert text[0] not in NO_LINE_START, f"{width}pt: line starts with {text[0]}"
            if i < len(lines) - 1:
                assert text[-1] not in NO_LINE_END, f"{width}pt: line ends with {text[-1]}"


def test_numbers_and_urls_are_not_cut_when_they_fit_on_a_line() -> None:
    kit = Kit()
    wholes = ("018-887-5312", "http://www.alve.jp/pages/salon", "http://fb.me/akitacitysalon")
    for width in range(120, 400, 5):
        lines = [t for t, _, _ in lines_of(SAMPLES[3], float(width))]
        for whole in wholes:
            if stringWidth(whole, kit.font, kit.size("body")) > width:
                continue
            assert any(whole in line for line in lines), f"{whole} cut at {width}pt: {lines}"


def test_a_url_longer_than_the_line_breaks_after_a_separator() -> None:
    url = "http://www.city.akita.akita.jp/city/sc/es/default.htm"
    lines = lines_of(url, 120.0, "small")
    assert len(lines) > 1
    assert "".join(t for t, _, _ in lines) == url
    for text, _, _ in lines[:-1]:
        assert text[-1] in "/.-_:", text


def test_a_line_never_starts_with_a_space() -> None:
    for width in range(80, 300, 9):
        for i, (text, _, _) in enumerate(lines_of("NPO and volunteers work together for Akita "
                                                  "city with 市民協働 every day", float(width))):
            if i:
                assert not text.startswith(" ")


def test_a_short_date_keeps_its_weekday_on_its_line() -> None:
    days = "、".join(f"{month}/{day}（火）" for month in (1, 2, 3) for day in (6, 13, 20, 27))
    for width in range(80, 400, 7):
        lines = [t for t, _, _ in lines_of(days, float(width))]
        assert flat("".join(lines)) == flat(days)
        assert not any(line.startswith("（") for line in lines[1:]), f"{width}pt: {lines}"
