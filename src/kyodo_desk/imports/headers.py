"""Where the table starts in a sheet and what each column is called (見出しの行).

Office lists rarely start at A1: a title (「令和7年度 市民活動団体名簿」), a date line and the
city's name sit above the header; headings may span two rows with merged cells (住所 over
住所1 | 住所2); blank rows separate pages, the printed header repeats per page, and a 合計 row
ends the list. `find_header` finds the header among the first rows as the row whose cells look
most like known headings, and lists the rows that hold records.

Merged cells arrive as the value in the top-left cell and None in the others, so a span cannot
be told from an empty heading by the cells alone. Only a second header row tells: a None in the
upper row with a heading under it continues the heading to its left (住所 over 住所2). In a
one-row header a None is an unnamed column (「列N」), which the clerk maps by hand.

Two header rows join as "upper lower" (連絡先 over TEL → 「連絡先 TEL」), or as just the lower
heading when it already begins with the upper one (住所 over 住所1 → 「住所1」), so that the
heading reads as the clerk would name the column and still matches the variants.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kyodo_desk.domain.labels import TOTAL
from kyodo_desk.domain.text import fold
from kyodo_desk.imports.mapping import CONTAINS, CORE, fold_heading, known_headings, match_score
from kyodo_desk.imports.tables import Cell, ImportFileError, SheetTable

MAX_HEADER_ROW = 30  # a header further down is not looked for: the clerk picks another sheet
# Words whose row adds up the others or closes the list, never a record.
TOTAL_WORDS = frozenset(fold(w) for w in (TOTAL, "計", "総計", "小計", "以上"))
# Below this a row resembles a header by chance: one exact heading or two partial ones needed.
_MIN_SCORE = 2


@dataclass(frozen=True)
class HeaderLayout:
    """The header row(s) of a sheet, a heading for every column, and the rows of records."""

    header_rows: tuple[int, ...]  # indices into SheetTable.rows, one or two
    headings: tuple[str, ...]  # merged cells filled in, two rows joined, 「列N」 when unnamed
    data_rows: tuple[int, ...]  # blank rows, repeated headers and total rows left out


class HeaderNotFound(ImportFileError):
    """No row near the top of the sheet looks like a header (見出しの行が見つかりません)."""


def find_header(table: SheetTable, known: Iterable[str] | None = None) -> HeaderLayout:
    """Find the header of *table*: among its first MAX_HEADER_ROW rows, the first row with two
    or more text cells whose headings match *known* (all targets' variants by default) best.

    Raises HeaderNotFound when no row matches well enough.
    """
    scorer = _Scorer(known_headings() if known is None else known)
    rows = table.rows
    best: tuple[int, tuple[int, ...], list[str]] = (0, (), [])
    for r in range(min(MAX_HEADER_ROW, len(rows))):
        upper = _texts(rows[r])
        if sum(1 for c in rows[r] if isinstance(c, str) and c.strip()) < 2:
            continue
        lower = _texts(rows[r + 1]) if r + 1 < len(rows) else []
        if r + 1 < len(rows) and _is_lower_header(upper, rows[r + 1], lower, scorer):
            headings = _joined_headings(upper, lower)
            score = sum(max(scorer.points(h), scorer.points(lo))
                        for h, lo in zip(headings, _padded(lower, len(headings)), strict=True))
            layout: tuple[int, ...] = (r, r + 1)
        else:
            headings = _single_headings(upper)
            score = sum(scorer.points(h) for h in headings)
            layout = (r,)
        if score > best[0]:
            best = (score, layout, headings)
    score, header_rows, headings = best
    if score < _MIN_SCORE:
        where = f"「{table.source}」" + (f"のシート「{table.sheet}」" if table.sheet else "")
        raise HeaderNotFound(f"{where}に見出しの行が見つかりません（例: 氏名、住所、電話）。"
                             f"最初の{MAX_HEADER_ROW}行に項目名の行があるか確かめてください。")
    data_rows = _data_rows(rows, header_rows)
    width = max([len(headings), *(len(rows[i]) for i in data_rows)])
    headings = headings + [_unnamed(c) for c in range(len(headings), width)]
    return HeaderLayout(header_rows, tuple(headings), tuple(data_rows))


class _Scorer:
    """How much one heading looks like a known one: 2 for a whole match, 1 for a part."""

    def __init__(self, known: Iterable[str]) -> None:
        self._variants = [v for v in dict.fromkeys(fold_heading(k).full for k in known) if v]
        self._cache: dict[str, int] = {}

    def points(self, heading: str) -> int:
        if not heading:
            return 0
        if heading not in self._cache:
            folded = fold_heading(heading)
            best = max((match_score(folded, v) for v in self._variants), default=0)
            self._cache[heading] = 2 if best >= CORE else 1 if best >= CONTAINS else 0
        return self._cache[heading]


def _text(cell: Cell) -> str:
    """A header cell as one line of text: line breaks and runs of spaces become one space."""
    if cell is None:
        return ""
    return " ".join(str(cell).split())


def _texts(row: Sequence[Cell]) -> list[str]:
    return [_text(c) for c in row]


def _padded(texts: list[str], width: int) -> list[str]:
    return texts + [""] * (width - len(texts))


def _unnamed(col: int) -> str:
    return f"列{col + 1}"


def _is_lower_header(upper: list[str], lower_cells: Sequence[Cell], lower: list[str],
                     scorer: _Scorer) -> bool:
    """Whether *lower* is the second row of a header whose first row is *upper*.

    It is when its cells are headings only under spans of the upper row (a None in the upper
    row, or a heading followed by one) — a record would fill the columns under single
    headings too — at least one of them needs it (sits under a None), one of them is a known
    heading, and the upper row holds a known heading of its own (a title above the header is
    a "span" over everything but names no column).
    """
    if any(c is not None and not isinstance(c, str) for c in lower_cells):
        return False  # numbers and dates are data
    width = max(len(upper), len(lower))
    up, lo = _padded(upper, width + 1), _padded(lower, width + 1)
    filled = [c for c in range(width) if lo[c]]
    if not filled or not any(scorer.points(u) == 2 for u in upper):
        return False
    for c in filled:
        if up[c] and not (not up[c + 1] and lo[c + 1]):
            return False
    return any(not up[c] for c in filled) and any(scorer.points(lo[c]) for c in filled)


def _joined_headings(upper: list[str], lower: list[str]) -> list[str]:
    width = max(len(upper), len(lower))
    up, lo = _padded(upper, width), _padded(lower, width)
    headings: list[str] = []
    span = ""  # the upper heading a None continues, until a column with no heading at all
    for c in range(width):
        if up[c]:
            span = up[c]
        elif not lo[c]:
            span = ""
        headings.append(_join(span, lo[c]) or _unnamed(c))
    return headings


def _join(upper: str, lower: str) -> str:
    if not upper or not lower:
        return upper or lower
    if fold_heading(lower).full.startswith(fold_heading(upper).full):
        return lower
    return f"{upper} {lower}"


def _single_headings(upper: list[str]) -> list[str]:
    return [u or _unnamed(c) for c, u in enumerate(upper)]


def _data_rows(rows: list[list[Cell]], header_rows: tuple[int, ...]) -> list[int]:
    """Rows after the header that hold records: not blank, not the header printed again
    (once per page), not a total row."""
    repeats = {_row_key(rows[i]) for i in header_rows}
    repeat_starts = {key[0] for key in repeats if key}
    last = _last_filled_row(rows)
    data: list[int] = []
    after_total = False  # the last row dropped was a total: a row of its sums may follow
    for i in range(header_rows[-1] + 1, len(rows)):
        row = rows[i]
        first = _first_filled(row)
        if first is None:
            continue
        # Only the first cell is folded for every row: the whole row only when it may be
        # the header again (100,000 rows stay cheap).
        start = fold(first) if isinstance(first, str) and len(first) <= 60 else ""
        if start in TOTAL_WORDS:
            after_total = True
            continue
        if start in repeat_starts and _row_key(row) in repeats:
            after_total = False
            continue
        if after_total and i == last and _only_numbers(row):
            continue
        after_total = False
        data.append(i)
    return data


def _first_filled(row: Sequence[Cell]) -> Cell:
    for cell in row:
        if cell is not None and not (isinstance(cell, str) and not cell.strip()):
            return cell
    return None


def _row_key(row: Sequence[Cell]) -> tuple[str, ...]:
    key = [fold(_text(c)) for c in row]
    while key and not key[-1]:
        key.pop()
    while key and not key[0]:
        key.pop(0)
    return tuple(key)


def _last_filled_row(rows: list[list[Cell]]) -> int:
    for i in range(len(rows) - 1, -1, -1):
        if _first_filled(rows[i]) is not None:
            return i
    return -1


def _only_numbers(row: Sequence[Cell]) -> bool:
    filled = [c for c in row if _text(c)]
    return bool(filled) and all(
        isinstance(c, int | float) and not isinstance(c, bool) for c in filled)
