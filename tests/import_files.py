"""Makers of the files a city office would bring in (取り込むファイル), shared by the import
tests: the same rows written as xlsx, xls, ods, CSV (UTF-8, UTF-8 with BOM, CP932; comma or
tab), plus files that must be refused (a password-protected workbook).

``MESSY_REGISTER`` is a register as offices keep them: title rows, a blank row, a two-row
header under merged cells, trailing spaces, full-width digits, 〒 and ℡ marks, two phones in
one cell, a date typed as an Excel serial number and dates typed as text (R8.4.1,
令和8年4月1日), a cell with a line break and one with a comma, a blank row between records and
a total row at the end. Cells hold what a spreadsheet holds (dates as dates, numbers as
numbers); ``as_text`` gives what a CSV of it holds. ``FormulaError("#DIV/0!")`` is a cell
whose formula failed, written as each program saves one.
"""

from __future__ import annotations

import csv
import io
import struct
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from xml.sax.saxutils import escape

Row = Sequence[object]

MESSY_TITLE_MERGES = ("A1:K1", "A2:K2")
MESSY_HEADER_MERGES = ("A4:A5", "B4:B5", "C4:C5", "D4:D5", "E4:F4", "G4:H4", "I4:I5",
                       "J4:J5", "K4:K5")
MESSY_MERGES = MESSY_TITLE_MERGES + MESSY_HEADER_MERGES

MESSY_REGISTER: list[list[object]] = [
    ["令和８年度　市民活動団体名簿"],
    ["秋田市 市民協働課　令和8年4月1日現在"],
    [],
    ["No.", "団体名", "フリガナ", "代表者", "住所", None, "連絡先", None, "設立", "登録日",
     "備考"],
    [None, None, None, None, "〒", "所在地", "TEL", "FAX"],
    [1, "秋田まちづくりの会 ", "アキタマチヅクリノカイ", "佐藤　一郎", "〒010-0001",
     "秋田市中通１丁目１－１", "℡018-888-1234", "018-888-1235", date(2010, 4, 1),
     date(2026, 4, 1), "会員２０名"],
    [2, "山王子ども食堂", "サンノウコドモショクドウ", "髙橋　花子", "0100951",
     "秋田市山王4-1-2, 2F  ", "018-866-0000 / 090-1234-5678", None, 40269, "R8.4.1",
     "第2・第4土曜\n午前のみ"],
    [],
    [3, "㈱ＮＰＯ支援センター", "エヌピーオーシエンセンター", "鈴木 次郎", "010-0976",
     "秋田市八橋南①－２", "018 823 0000", None, "平成22年4月", "令和8年4月1日",
     "会費1,500円"],
    [None, "合計", None, None, None, None, None, None, None, None, "3団体"],
]


@dataclass(frozen=True)
class FormulaError:
    """A cell whose formula failed, as each program saves it: Excel's xlsx a cell of type e,
    its .xls a BOOLERR record, LibreOffice's ods a string cell marked calcext:value-type
    "error" with an empty value, a CSV the text Excel shows (#DIV/0!)."""

    text: str


# The BIFF error codes (xlwt's own table gives #VALUE! the code of #NUM!).
_BIFF_ERRORS = {"#NULL!": 0x00, "#DIV/0!": 0x07, "#VALUE!": 0x0F, "#REF!": 0x17, "#NAME?": 0x1D,
                "#NUM!": 0x24, "#N/A": 0x2A}


def as_text(rows: Iterable[Row]) -> list[list[object]]:
    """The rows as a CSV saved by Excel holds them: every cell as text, dates as 2010/4/1."""
    return [[None if cell is None else csv_text(cell) for cell in row] for row in rows]


def csv_text(cell: object) -> str:
    if cell is None:
        return ""
    if isinstance(cell, FormulaError):
        return cell.text
    if isinstance(cell, datetime):
        return f"{cell.year}/{cell.month}/{cell.day} {cell.hour}:{cell.minute:02d}"
    if isinstance(cell, date):
        return f"{cell.year}/{cell.month}/{cell.day}"
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    return str(cell)


def write_csv(path: Path, rows: Iterable[Row], *, encoding: str = "utf-8-sig",
              delimiter: str = ",") -> Path:
    """A CSV as Excel saves it: CRLF line ends, quotes only where needed."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_text(cell) for cell in row])
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: Iterable[Row], *, merged: Iterable[str] = (),
               sheet: str = "名簿", extra_sheets: Iterable[str] = ()) -> Path:
    """An xlsx (openpyxl): dates as real dates, numbers as numbers, ``merged`` ranges like
    "A1:C1" merged (their other cells left empty, as Excel keeps them)."""
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row, 1):
            if value is None:
                continue
            if isinstance(value, FormulaError):
                ws.cell(row=r, column=c, value=value.text).data_type = "e"
                continue
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, datetime):
                cell.number_format = "yyyy/m/d h:mm"
            elif isinstance(value, date):
                cell.number_format = "yyyy/m/d"
            elif isinstance(value, time):
                cell.number_format = "h:mm"
    for ref in merged:
        ws.merge_cells(ref)
    for name in extra_sheets:
        book.create_sheet(name)
    book.save(path)
    return path


def write_xls(path: Path, rows: Iterable[Row], *, merged: Iterable[str] = (),
              sheet: str = "名簿") -> Path:
    """An Excel 97-2003 .xls (xlwt, a test-only dependency)."""
    import xlwt

    date_style = xlwt.easyxf(num_format_str="yyyy/m/d")
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, FormulaError):
                ws.row(r).set_cell_error(c, _BIFF_ERRORS[value.text])
            elif isinstance(value, date):
                ws.write(r, c, value, date_style)
            else:
                ws.write(r, c, value)
    for ref in merged:
        (r1, c1), (r2, c2) = (_cell_position(part) for part in ref.split(":"))
        ws.merge(r1, r2, c1, c2)
    book.save(str(path))
    return path


def write_ods(path: Path, rows: Iterable[Row], *, sheet: str = "名簿") -> Path:
    """An OpenDocument spreadsheet built by hand: the mimetype first and stored, a manifest,
    and content.xml with string, float and date cells."""
    body = []
    for row in rows:
        cells = "".join(_ods_cell(value) for value in row)
        body.append(f"<table:table-row>{cells or '<table:table-cell/>'}</table:table-row>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content'
        ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
        ' xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"'
        ' office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{escape(sheet)}">'
        f'{"".join(body)}</table:table></office:spreadsheet></office:body>'
        '</office:document-content>')
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/"'
        ' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        '</manifest:manifest>')
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet",
                         compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def _ods_cell(value: object) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, FormulaError):  # as LibreOffice saves =1/0
        return ('<table:table-cell table:formula="of:=1/0" office:value-type="string"'
                ' office:string-value="" calcext:value-type="error">'
                f"<text:p>{escape(value.text)}</text:p></table:table-cell>")
    if isinstance(value, bool):
        return (f'<table:table-cell office:value-type="boolean"'
                f' office:boolean-value="{str(value).lower()}"><text:p>{value}</text:p>'
                "</table:table-cell>")
    if isinstance(value, int | float):
        return (f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>")
    if isinstance(value, date):
        return (f'<table:table-cell office:value-type="date"'
                f' office:date-value="{value.isoformat()}"><text:p>{value}</text:p>'
                "</table:table-cell>")
    lines = "".join(f"<text:p>{escape(line)}</text:p>" for line in str(value).split("\n"))
    return f'<table:table-cell office:value-type="string">{lines}</table:table-cell>'


def _cell_position(ref: str) -> tuple[int, int]:
    """(row, column) from 0 of an A1 reference."""
    letters = "".join(ch for ch in ref if ch.isalpha())
    column = 0
    for ch in letters.upper():
        column = column * 26 + ord(ch) - ord("A") + 1
    return int(ref[len(letters):]) - 1, column - 1


def encrypted_xlsx(path: Path) -> Path:
    """What Excel saves for an xlsx with a password to open: not a zip but an OLE compound
    file (MS-CFB, version 3, 512-byte sectors) holding the streams EncryptionInfo and
    EncryptedPackage (MS-OFFCRYPTO). The streams hold filler: no reader can open the package
    without the password anyway. Both are 4096 bytes, so they live in ordinary sectors and
    no mini stream is needed."""
    end, free, fat_sector, no_stream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    stream_sectors = 4096 // 512
    info_start, package_start = 2, 2 + stream_sectors
    fat = [fat_sector, end]
    for start in (info_start, package_start):
        fat += [*range(start + 1, start + stream_sectors), end]
    fat += [free] * (128 - len(fat))

    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIII", header, 40, 0, 1, 1, 0, 4096, end, 0, end)
    struct.pack_into("<109I", header, 76, 0, *([free] * 108))

    def entry(name: str, kind: int, left: int, right: int, child: int, start: int,
              size: int) -> bytes:
        data = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        data[0:len(encoded)] = encoded
        struct.pack_into("<HBB", data, 64, len(encoded), kind, 1)
        struct.pack_into("<III", data, 68, left, right, child)
        struct.pack_into("<II", data, 116, start, size)
        return bytes(data)

    directory = (
        entry("Root Entry", 5, no_stream, no_stream, 1, end, 0)
        # siblings ordered by name length, then name: EncryptionInfo < EncryptedPackage
        + entry("EncryptionInfo", 2, no_stream, 2, no_stream, info_start, 4096)
        + entry("EncryptedPackage", 2, no_stream, no_stream, no_stream, package_start, 4096)
        + entry("", 0, no_stream, no_stream, no_stream, 0, 0))
    info = struct.pack("<HHI", 4, 4, 0x40).ljust(4096, b"\x00")
    package = struct.pack("<Q", 8000) + bytes(range(256)) * 15 + b"\x5a" * 248
    path.write_bytes(bytes(header) + struct.pack("<128I", *fat) + directory + info + package)
    return path
