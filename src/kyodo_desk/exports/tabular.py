"""Writers shared by every export: CSV as Excel opens it, xlsx, and all-or-nothing output.

Values are written as given; an empty value (None or "") is an empty cell, never "null", "-"
or "なし".
"""

from __future__ import annotations

import csv
import os
import stat
import sys
import unicodedata
import uuid
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from itertools import chain, islice
from pathlib import Path, PureWindowsPath
from typing import TYPE_CHECKING

from kyodo_desk.domain.errors import UserError

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

Row = Sequence[object]

# Column widths in Excel's character units; a full-width character counts two.
_MIN_WIDTH = 6
_MAX_WIDTH = 60
# Rows read to fit the column widths before the sheet is streamed.
WIDTH_SAMPLE = 1_000


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Row]) -> None:
    """CSV in UTF-8 with BOM and CRLF line ends: Excel on Windows opens it without garbling."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)  # the csv module writes None as an empty field


def write_xlsx(
    path: Path,
    sheet_title: str,
    header: Sequence[str],
    rows: Iterable[Row],
    text_columns: Collection[str] = (),
    title_lines: Sequence[str] = (),
    number_formats: Mapping[str, str] | None = None,
) -> None:
    """One sheet with a bold, frozen header row and widths that fit the content.

    *title_lines* go above the header (the first one large), with a blank row between: a
    titled sheet is one meant for printing, so it also prints landscape, one page wide, with
    the header repeated on every page.

    Cells of *text_columns* (codes, postal codes, phone numbers) are text cells with the text
    format '@', so Excel neither drops a leading zero nor turns 018-888-5640 into a date, even
    when the user edits the cell later. *number_formats* gives columns a display format
    ("#,##0" for yen) while their cells stay numbers that Excel can add up.

    The sheet is streamed (openpyxl's write-only mode): a whole registry of 100,000 rows
    never sits in memory as cells. The widths, which must be written before the rows, fit the
    first WIDTH_SAMPLE rows.
    """
    from openpyxl import Workbook  # a heavy import that only an xlsx export needs
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    rows = iter(rows)
    # Read before the workbook opens its temporary file: a refusal at the first row (no
    # permission) leaves nothing behind.
    sample = list(islice(rows, WIDTH_SAMPLE))
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title)
    as_text = [name in text_columns for name in header]
    formats = [(number_formats or {}).get(name) for name in header]
    widths = [display_width(name) for name in header]
    for row in sample:
        for c, value in enumerate(row):
            if value is not None and value != "":
                widths[c] = max(widths[c], display_width(str(value)))
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = min(max(width + 2, _MIN_WIDTH),
                                                                _MAX_WIDTH)
    header_row = len(title_lines) + 2 if title_lines else 1  # a blank row before the table
    ws.freeze_panes = f"A{header_row + 1}"
    if title_lines:
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0  # as many pages down as the list needs
        ws.sheet_properties.pageSetUpPr.fitToPage = True

    def styled(value: object, *, bold: bool = False, size: int | None = None) -> WriteOnlyCell:
        cell = WriteOnlyCell(ws, value)
        cell.font = Font(bold=bold, size=size)
        return cell

    for r, line in enumerate(title_lines):
        ws.append([styled(line, bold=True, size=14) if r == 0 else line])
    if title_lines:
        ws.append([])
    ws.append([styled(name, bold=True) for name in header])
    try:
        row_count = _stream_rows(ws, chain(sample, rows), as_text, formats)
        if row_count:
            last = get_column_letter(len(header))
            ws.auto_filter.ref = f"A{header_row}:{last}{header_row + row_count}"
        wb.save(path)
    except BaseException:
        if not ws.closed:
            ws.close()  # the streamed sheet's temporary file, which the caller never sees
        Path(ws._writer.out).unlink(missing_ok=True)
        raise


def _stream_rows(ws: WriteOnlyWorksheet, rows: Iterable[Row], as_text: Sequence[bool],
                 formats: Sequence[str | None]) -> int:
    from openpyxl.cell import WriteOnlyCell

    text_format = "@"
    row_count = 0
    for row in rows:
        row_count += 1
        cells: list[object] = []
        for c, value in enumerate(row):
            empty = value is None or value == ""
            if as_text[c]:
                cell = WriteOnlyCell(ws, None if empty else str(value))
                cell.number_format = text_format
            elif empty:
                cell = WriteOnlyCell(ws, None)
            else:
                cell = WriteOnlyCell(ws, value)
                if formats[c]:
                    cell.number_format = formats[c]
            if not empty and (as_text[c] or isinstance(value, str)):
                # openpyxl reads a leading "=" as a formula; a typed note must stay a note.
                cell.data_type = "s"
            cells.append(cell)
        ws.append(cells)
    return row_count


def display_width(text: str) -> int:
    longest = max(text.splitlines() or [""], key=len)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest)


@contextmanager
def replaced_atomically(path: Path) -> Iterator[Path]:
    """A temporary path beside *path* that replaces *path* only once the block succeeds.

    A failed or interrupted export thus never leaves half a file, nor destroys an earlier one.
    An OSError (missing folder, no permission, file open in Excel) becomes a UserError that
    names the path, and so does a *path* that is not a regular file (`check_output_target`),
    both before the export and again just before the rename.
    """
    path = Path(path)
    check_output_target(path)
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        yield temp
        check_output_target(path)  # a long export: the name may have been taken meanwhile
        os.replace(temp, path)
    except OSError as exc:
        _remove(temp)
        raise UserError(
            f"「{path}」に書き出せませんでした（{exc.strerror or exc}）。"
            "保存先のフォルダーがあるか、書き込みが許可されているか、"
            "同じファイルを Excel などで開いていないかを確かめてください。"
        ) from exc
    except BaseException:
        _remove(temp)
        raise


def check_output_target(path: Path) -> None:
    """Refuse a *path* that is taken by anything but a regular file; a free name is fine.

    The export is renamed over *path*: over a device (/dev/null, a disk), a FIFO or a socket
    that would replace the node itself (with the administrator's rights, even /dev/null), over
    a symbolic link it would replace the link instead of what it points to, and a folder
    cannot be replaced at all. None of them is what a person saving a list means.
    """
    path = Path(path)
    if sys.platform == "win32" and PureWindowsPath(path).is_reserved():  # NUL, CON, COM1, …
        raise UserError(f"「{path}」は Windows の装置の名前です。書き出すファイルの名前を指定してください。")
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return  # not there yet (or unreadable: writing it will say why)
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise UserError(f"「{path}」はフォルダです。フォルダの中に書き出すファイルの名前まで"
                        "指定してください。")
    if stat.S_ISLNK(mode):
        raise UserError(f"「{path}」はシンボリックリンクです。リンク先を置き換えないよう、"
                        "書き出しません。別のファイル名を指定してください。")
    raise UserError(f"「{path}」は装置や特殊なファイル（普通のファイルではないもの）です。"
                    "置き換えないよう、書き出しません。別のファイル名を指定してください。")


def _remove(path: Path) -> None:
    with suppress(OSError):  # the original error is the one worth reporting
        path.unlink(missing_ok=True)
