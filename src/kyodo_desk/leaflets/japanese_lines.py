"""Japanese line breaking for ReportLab paragraphs (禁則処理).

No line starts with 、。」）・ etc. nor ends with 「（〒; Latin words, numbers and URLs stay whole
where they fit; a character that does not fit moves to the next line instead of hanging into
the margin (ReportLab's own CJK wrapping only keeps a single 、。 from starting a line).
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from reportlab.pdfbase.pdfmetrics import getAscentDescent, stringWidth
from reportlab.platypus import Paragraph
from reportlab.platypus.paragraph import (
    FragLine,
    ParaLines,
    _handleBulletWidth,
    cjkU,
    makeCJKParaLine,
)
from reportlab.rl_config import _FUZZ

NO_LINE_START = frozenset(
    "、。，．,.：:；;！!？?・･‐゠–〟」』）)］]｝}〕〉》】〙〗"
    "ゝゞヽヾ々〻ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿーｰ"
    "…‥%％℃°′″※"
)
NO_LINE_END = frozenset("「『（(［[｛{〔〈《【〘〖〝〒#＃$＄￥¥")
SOFT_BREAK_AFTER = frozenset("/.-@_?&=#:,")


def _latin(ch: str) -> bool:
    return len(ch) == 1 and "!" <= ch <= "~"


def katakana(ch: str) -> bool:
    """A letter of a katakana word (ア…ヺ, ー, half-width ｦ…ﾟ)."""
    return len(ch) == 1 and ("\u30a1" <= ch <= "\u30fa" or ch == "\u30fc"
                             or "\uff66" <= ch <= "\uff9f")


def _breakable(a: str, b: str, inside_words: bool, whole_words: bool = False) -> bool:
    """May a line end after *a* with *b* starting the next? With *whole_words* (headings),
    a katakana word stays whole like a Latin one (サ|ロン would read as two words)."""
    if b in NO_LINE_START or a in NO_LINE_END:
        return False
    if whole_words and katakana(a) and katakana(b):
        return inside_words
    if _latin(a) and b == "（" and not inside_words:
        return False  # a date keeps its weekday on its line: 12/8（火）
    if _latin(a) and _latin(b):
        return inside_words and a in SOFT_BREAK_AFTER
    return True


class _Glyph(str):
    """One character of a fragment with its advance width (what makeCJKParaLine reads)."""

    frag: Any
    width: float


_WIDTHS: dict[tuple[str, float, str], float] = {}


def _glyphs(frags: list[Any]) -> list[_Glyph]:
    glyphs: list[_Glyph] = []
    for f in frags:
        text = f.text
        if not text or hasattr(f, "cbDefn"):
            glyph = _Glyph(text or "")
            glyph.frag = f
            glyph.width = cjkU(text or "", f, "utf8").width
            glyphs.append(glyph)
            continue
        font, size = f.fontName, f.fontSize
        for ch in text:
            key = (font, size, ch)
            width = _WIDTHS.get(key)
            if width is None:
                width = _WIDTHS[key] = stringWidth(ch, font, size)
            glyph = _Glyph(ch)
            glyph.frag = f
            glyph.width = width
            glyphs.append(glyph)
    return glyphs


def ja_line_split(frags: list[Any], max_widths: list[float], calc_bounds: bool,
                  whole_words: bool = False) -> Any:
    """Lines for the fragments of a paragraph, by the kinsoku rules (push-out, no hanging);
    *whole_words* keeps katakana words whole too, where they fit a line (headings)."""
    chars: list[Any] = _glyphs(frags)
    lines: list[Any] = []
    n = len(chars)
    start = 0
    while start < n:
        max_width = max_widths[min(len(lines), len(max_widths) - 1)]
        if lines:  # a wrapped line does not start with a space
            while start < n and chars[start] == " ":
                start += 1
            if start >= n:
                break
        used = 0.0
        end = start
        hard = False
        while end < n:
            ch = chars[end]
            if hasattr(ch.frag, "lineBreak"):
                end += 1
                hard = True
                break
            if used + ch.width > max_width + _FUZZ and end > start:
                break
            used += ch.width
            end += 1
        if not hard and end < n:
            end = _break_before(chars, start, end, max_width, whole_words)
        line = chars[start:end]
        while len(line) > 1 and line[-1] == " " and end < n:
            line = line[:-1]
        width = sum(c.width for c in line)
        make = makeCJKParaLine if calc_bounds else _line
        lines.append(make(line, max_width, width, max_width - width, hard, calc_bounds))
        start = end
    return ParaLines(kind=1, lines=lines)


def _line(glyphs: list[Any], max_width: float, width: float, extra: float, hard: bool,
          calc_bounds: bool) -> Any:
    """makeCJKParaLine's line, built per run of one fragment rather than per character."""
    words = []
    max_size = max_ascent = min_descent = 0.0
    for _, run in groupby(glyphs, key=lambda g: id(g.frag)):
        chars = list(run)
        frag = chars[0].frag
        ascent, descent = getAscentDescent(frag.fontName, frag.fontSize)
        max_size = max(max_size, frag.fontSize)
        max_ascent = max(max_ascent, ascent)
        min_descent = min(min_descent, descent)
        word = frag.clone()
        word.text = "".join(chars)
        words.append(word)
    return FragLine(kind=1, extraSpace=extra, wordCount=1, words=words, fontSize=max_size,
                    ascent=max_ascent, descent=min_descent, maxWidth=max_width,
                    currentWidth=width, lineBreak=hard)


def _break_before(chars: list[Any], start: int, end: int, max_width: float,
                  whole_words: bool = False) -> int:
    """Where the line that would overflow at *end* should break (the next line's start)."""
    for i in range(end, start, -1):
        if _breakable(chars[i - 1], chars[i], False, whole_words):
            if (sum(c.width for c in chars[start:i]) >= 0.35 * max_width
                    or _word_width(chars, i, whole_words) <= max_width):
                return i
            break  # the word moved down would not fit a line either: break inside it
    for i in range(end, start, -1):
        if _breakable(chars[i - 1], chars[i], inside_words=True):
            return i
    for i in range(end, start, -1):  # a word longer than the line: anywhere but kinsoku
        if chars[i] not in NO_LINE_START and chars[i - 1] not in NO_LINE_END:
            return i
    return end


def _word_width(chars: list[Any], i: int, whole_words: bool = False) -> float:
    """Width of the unbreakable run that starts at *i*."""
    width = chars[i].width
    j = i + 1
    while j < len(chars) and not _breakable(chars[j - 1], chars[j], False, whole_words):
        width += chars[j].width
        j += 1
    return width


def balanced_width(para: Paragraph, width: float, height: float) -> float:
    """The narrowest width at which *para* is no taller than at *width*, so a short text
    wraps into even lines instead of leaving one character alone on the last."""
    full = para.wrap(width, height)[1]
    if full <= para.style.leading * 1.01:
        return width
    low, high = width / 2, width
    for _ in range(10):
        mid = (low + high) / 2
        if para.wrap(mid, height)[1] <= full:
            high = mid
        else:
            low = mid
    return min(width, high + 0.5)


class JaParagraph(Paragraph):
    """A Paragraph that breaks Japanese lines by the kinsoku rules (style.wordWrap='CJK');
    a style with wholeWords=True (headings) keeps katakana words whole as well."""

    def breakLinesCJK(self, maxWidths: Any) -> Any:
        if not isinstance(maxWidths, list | tuple):
            maxWidths = [maxWidths]
        maxWidths = list(maxWidths)
        style = self.style
        self.height = 0
        _handleBulletWidth(self.bulletText, style, maxWidths)
        if not self.frags:
            return ParaLines(kind=0, fontSize=style.fontSize, fontName=style.fontName,
                             textColor=style.textColor, lines=[], ascent=style.fontSize,
                             descent=-0.2 * style.fontSize)
        if hasattr(self, "blPara") and getattr(self, "_splitpara", False):
            return self.blPara
        # Tables wrap a cell's paragraph several times at the same width: break it once.
        key = tuple(maxWidths)
        cache = self.__dict__.setdefault("_ja_lines", {})
        if key not in cache:
            auto = getattr(self, "autoLeading", getattr(style, "autoLeading", ""))
            cache[key] = ja_line_split(self.frags, maxWidths, auto not in ("", "off"),
                                       bool(getattr(style, "wholeWords", False)))
        return cache[key]
