"""Reading a register file into rows of cells (表の読み込み): xlsx, xlsm, xls and ods through
python-calamine; CSV, TSV and TXT in UTF-8 (with or without BOM) or Shift_JIS (CP932).

Row index 0 is the file's row 1: empty rows are kept as ``[]`` so that a message can name the
row the clerk sees in Excel (for CSV, a quoted line break makes one row span two lines: the
index counts rows, not lines). Nothing is cleaned up here beyond ``""`` → ``None`` and the
trailing empty cells of each row; reading what a cell means is the row check's work.

Cell values from workbooks:
- numbers: an integral float (xlsx stores every number as a float) becomes an ``int``, so
  ``1`` reads the same from xlsx, xls and ods;
- dates, date-times and times as the cell's format shows them (``date``, ``datetime``, ``time``);
- a duration (an ``[h]:mm`` format, which calamine gives as a timedelta) as its text,
  ``"30:00"``: the row check reads a time or a count of hours from text either way;
- a formula's cached result.

Formula errors (数式のエラー: ``#DIV/0!``, ``#N/A``, LibreOffice's ``Err:502`` …) are kept out of
the rows: the cell reads as ``None`` and ``SheetTable.errors`` holds its text by (row index,
column index), so that the import can refuse the row rather than read an empty cell. Found:
- in xlsx and xlsm, cells of type ``e`` in the sheet's XML (python-calamine 0.9.1 hands them
  over as ``""``, dimastbk/python-calamine#105): a search of the inflated bytes for ``t="e"``
  first, which is all a sheet without errors costs (about 0.1 s for 100,000 rows × 12
  columns), then a parse of that sheet only (about 3 s more for as many rows);
- in every format, a text cell that is exactly an error's text: a CSV saved from Excel or
  LibreOffice writes the error out (``#N/A``), and a clerk may have typed one.
Not found (the cell reads as empty, as before): an error cell of an .xls (a BOOLERR record or a
formula's cached error, both ``""`` from calamine; written with xlwt and checked) and of an .ods
saved by LibreOffice (``calcext:value-type="error"`` with an empty ``office:string-value``: also
``""``). A clerk who saves either as .xlsx or CSV gets the errors named.

Limits, so that a wrong file cannot exhaust the counter's memory: files over
``MAX_FILE_BYTES`` (50 MB) and sheets over ``MAX_ROWS`` (200,000 rows; the city's registers
hold tens of thousands) are refused with a message saying so, as is a workbook that unpacks to
more than ``MAX_UNPACKED_BYTES`` (a zip bomb). Measured (benchmarks/import_read.py): 100,000
rows × 12 columns read in 1.1 s from xlsx and 0.3 s from a CP932 CSV, each taking about 170 MB
while the rows are held, so the limit keeps a read under about 350 MB.
"""

from __future__ import annotations

import codecs
import csv
import io
import posixpath
import re
import struct
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, BinaryIO, cast
from xml.etree import ElementTree
from xml.parsers import expat

import python_calamine as calamine

from kyodo_desk.domain.cell_values import FORMULA_ERRORS, Cell
from kyodo_desk.domain.errors import UserError

__all__ = ["Cell", "ImportFileError", "SheetTable", "read_table", "sheet_names"]

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNPACKED_BYTES = 500 * 1024 * 1024
MAX_ROWS = 200_000

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_SNIFF_BYTES = 64 * 1024
# What a wrongly chosen file most often is, by its first bytes, to say so in the message.
_NOT_TABLES = (
    (b"%PDF", "PDF"),
    (b"\x89PNG", "画像（PNG）"),
    (b"\xff\xd8\xff", "画像（JPEG）"),
    (b"GIF8", "画像（GIF）"),
)
# A formula error written out as text. A set, LibreOffice's Err:NNN spelled out, so that a row
# is checked in C (set.isdisjoint): 100,000 rows then cost a few hundredths of a second.
_ERROR_TEXTS = FORMULA_ERRORS | {f"Err:{code}" for code in range(100, 1000)}
# The type of an xlsx cell holding a formula error, as Excel and LibreOffice write it.
_ERROR_TYPE = re.compile(rb"""t=["']e["']""")
_CHUNK = 1024 * 1024


class ImportFileError(UserError):
    """The chosen file cannot be read as a table (読み込めないファイル); the message names the
    file and says what to do."""


@dataclass(frozen=True)
class SheetTable:
    """一枚の表: one sheet (or a CSV file) as read."""

    source: str
    sheet: str
    rows: list[list[Cell]]
    encoding: str = ""
    # (row index, column index) → a formula error as Excel shows it ("#DIV/0!"); the cell
    # itself is None in rows.
    errors: Mapping[tuple[int, int], str] = field(default_factory=dict)


def sheet_names(path: Path) -> list[str]:
    """The worksheets of a workbook in workbook order (chart sheets left out); ``[""]`` for a
    text file."""
    if _kind(path) == "text":
        return [""]
    with _open_book(path) as book:
        return _worksheets(book, path)


def read_table(path: Path, sheet: str | None = None) -> SheetTable:
    """The rows of ``sheet`` (``None``: the first visible worksheet) of the file at ``path``,
    its formula errors taken out into ``errors``."""
    if _kind(path) == "text":
        if sheet:
            raise ImportFileError(
                f"「{path.name}」はシートのない CSV ファイルです（シート「{sheet}」はありません）。")
        return _read_text(path, path.read_bytes())
    with _open_book(path) as book:
        names = _worksheets(book, path)
        if sheet is None:
            visible = [m.name for m in book.sheets_metadata
                       if m.name in names and m.visible == calamine.SheetVisibleEnum.Visible]
            sheet = (visible or names)[0]
        elif sheet not in names:
            raise ImportFileError(
                f"「{path.name}」にシート「{sheet}」はありません。"
                f"このファイルのシート: {'、'.join(names)}")
        try:
            data = book.get_sheet_by_name(sheet)
            # end is the last cell's (row, column) from A1, so the sheet's rows are end + 1
            if data.end is not None and data.end[0] + 1 > MAX_ROWS:
                raise _too_many_rows(path)
            values = data.to_python(skip_empty_area=False)
        except calamine.CalamineError as exc:
            raise _unreadable(path) from exc
    # Converted in place, each row let go once read: the sheet is never held twice.
    rows: list[list[Cell]] = cast(list[list[Cell]], values)
    for index, row in enumerate(values):
        rows[index] = [_cell(v) for v in row]
    errors = _error_texts(rows) | _error_cells(path, sheet)
    return SheetTable(path.name, sheet, _trimmed(rows), errors=errors)


# --- which reader -------------------------------------------------------------------------


def _kind(path: Path) -> str:
    """"book" or "text", after the checks every file passes: it exists, is not empty, is not
    too big, and has a suffix that is read."""
    suffix = path.suffix.lower()
    if suffix not in WORKBOOK_SUFFIXES + TEXT_SUFFIXES:
        raise ImportFileError(
            f"「{path.name}」は読み込めない種類のファイルです。読み込めるのは Excel（.xlsx・"
            ".xlsm・.xls）、OpenDocument（.ods）、CSV・タブ区切り（.csv・.tsv・.txt）です。")
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ImportFileError(f"「{path.name}」が見つかりません（{path.parent}）。") from None
    except OSError as exc:
        raise ImportFileError(f"「{path.name}」を開けません（{exc.strerror}）。") from exc
    if not path.is_file():
        raise ImportFileError(f"「{path.name}」はファイルではありません（フォルダーです）。")
    if size == 0:
        raise ImportFileError(f"「{path.name}」は空のファイルです（0 バイト）。")
    if size > MAX_FILE_BYTES:
        raise ImportFileError(
            f"「{path.name}」は大きすぎます（{size / 1024 / 1024:,.0f} MB）。読み込めるのは "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB までです。ファイルを分けてください。")
    if suffix in TEXT_SUFFIXES:
        return "text"
    head = _head(path)
    if head.startswith(_OLE_MAGIC) and _is_encrypted(path):
        raise _password(path)
    if head.startswith(_ZIP_MAGIC):
        _check_zip(path)
    elif not head.startswith(_OLE_MAGIC):
        # Older systems export tab-separated text named .xls, which Excel opens as a table.
        if _plain_text(head) and not any(head.startswith(m) for m, _ in _NOT_TABLES):
            return "text"
        raise _not_a_table(path, head)
    return "book"


def _plain_text(head: bytes) -> bool:
    """Whether the start of a file reads as text in one of the encodings read, and is not
    markup (an HTML page saved as .xls would read as lines of tags)."""
    if b"\x00" in head or head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return False
    for encoding in ("utf-8", "cp932"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _head(path: Path) -> bytes:
    with path.open("rb") as file:
        return file.read(_SNIFF_BYTES)


def _not_a_table(path: Path, head: bytes) -> ImportFileError:
    what = next((name for magic, name in _NOT_TABLES if head.startswith(magic)), None)
    found = f"{what}のファイルです" if what else "表のファイルではありません"
    return ImportFileError(
        f"「{path.name}」は{found}。Excel または CSV で保存した名簿を選んでください。")


def _unreadable(path: Path) -> ImportFileError:
    return ImportFileError(
        f"「{path.name}」を表として読めません（ファイルが壊れているか、表のファイルではありません）。"
        "Excel で開けるか確かめ、名前を付けて .xlsx で保存し直してください。")


def _password(path: Path) -> ImportFileError:
    return ImportFileError(
        f"「{path.name}」にはパスワードが設定されています。"
        "Excel でパスワードを外して保存し直してください。")


def _too_many_rows(path: Path) -> ImportFileError:
    return ImportFileError(
        f"「{path.name}」は行が多すぎます。一度に読み込めるのは {MAX_ROWS:,} 行までです。"
        "ファイルを分けてください。")


def _check_zip(path: Path) -> None:
    """A zip must be a workbook (not a Word or PowerPoint file) and must not unpack to more
    than the memory the reader may take."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise _unreadable(path) from exc
    names = {info.filename for info in infos}
    if "word/document.xml" in names:
        raise ImportFileError(
            f"「{path.name}」は Word の文書です。表は Excel に貼り付けて .xlsx で保存してください。")
    if "ppt/presentation.xml" in names:
        raise ImportFileError(
            f"「{path.name}」は PowerPoint のファイルです。Excel または CSV で保存した名簿を選んでください。")
    if not ({"xl/workbook.xml", "xl/workbook.bin", "content.xml"} & names):
        raise _not_a_table(path, b"")
    if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
        raise ImportFileError(
            f"「{path.name}」は中身が大きすぎて読み込めません（展開すると "
            f"{MAX_UNPACKED_BYTES // 1024 // 1024} MB を超えます）。ファイルを分けてください。")


def _is_encrypted(path: Path) -> bool:
    """Whether the OLE compound file holds an ``EncryptedPackage`` stream: how Excel saves an
    xlsx with a password to open (MS-OFFCRYPTO), which no reader can open without it."""
    try:
        with path.open("rb") as file:
            return "EncryptedPackage" in _ole_names(file)
    except (struct.error, IndexError, OSError, UnicodeDecodeError):
        return False  # not a well-formed compound file: calamine says what it is


def _ole_names(file: BinaryIO) -> set[str]:
    """The names in a compound file's directory (MS-CFB §2.2, §2.6), read by following the
    directory's sector chain through the FAT sectors the header lists."""
    header = file.read(512)
    sector_size = 1 << struct.unpack_from("<H", header, 30)[0]
    fat_count, first_directory = struct.unpack_from("<II", header, 44)
    difat = struct.unpack_from("<109I", header, 76)[:min(fat_count, 109)]

    def sector(number: int) -> bytes:
        file.seek((number + 1) * sector_size)
        return file.read(sector_size)

    fat: list[int] = []
    for number in difat:
        data = sector(number)
        fat.extend(struct.unpack(f"<{len(data) // 4}I", data))
    names: set[str] = set()
    number, seen = first_directory, 0
    while number < 0xFFFFFFFA and seen < 4096:  # below the special values; a loop is cut
        data = sector(number)
        for offset in range(0, len(data) - 127, 128):
            length = struct.unpack_from("<H", data, offset + 64)[0]
            if 2 <= length <= 64:
                names.add(data[offset:offset + length - 2].decode("utf-16-le"))
        number, seen = fat[number], seen + 1
    return names


# --- workbooks ---------------------------------------------------------------------------


@contextmanager
def _open_book(path: Path) -> Iterator[calamine.CalamineWorkbook]:
    """The workbook, opened by its content rather than its suffix (a .xls saved as .xlsx
    still reads)."""
    try:
        with path.open("rb") as file:
            book = calamine.CalamineWorkbook.from_filelike(file)
    except calamine.PasswordError as exc:
        raise _password(path) from exc
    except (calamine.CalamineError, OSError, ValueError) as exc:
        raise _unreadable(path) from exc
    try:
        yield book
    finally:
        book.close()


def _worksheets(book: calamine.CalamineWorkbook, path: Path) -> list[str]:
    names = [m.name for m in book.sheets_metadata
             if m.typ == calamine.SheetTypeEnum.WorkSheet]
    if not names:
        raise ImportFileError(f"「{path.name}」には表のシートがありません。")
    return names


def _cell(value: object) -> Cell:
    if value == "" or value is None:
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, timedelta):
        minutes, seconds = divmod(int(value.total_seconds()), 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")
    assert isinstance(value, str | int | float | bool | date | datetime | time)
    return value


def _trimmed(rows: list[list[Cell]]) -> list[list[Cell]]:
    """Each row without its trailing empty cells, and the sheet without its trailing empty
    rows (a formatted but empty area below the data)."""
    for row in rows:
        while row and row[-1] is None:
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


# --- formula errors ----------------------------------------------------------------------


def _error_texts(rows: list[list[Cell]]) -> dict[tuple[int, int], str]:
    """The cells that are exactly a formula error's text, each emptied in its row."""
    found: dict[tuple[int, int], str] = {}
    for r, row in enumerate(rows):
        if _ERROR_TEXTS.isdisjoint(row):
            continue
        for c, cell in enumerate(row):
            if isinstance(cell, str) and cell in _ERROR_TEXTS:
                found[r, c] = cell
                row[c] = None
    return found


def _error_cells(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """The cells of type ``e`` in the worksheet *sheet* of an xlsx or xlsm (nothing for other
    workbooks). The zip passed _check_zip, and the part is read in chunks: its size stays
    within the reader's limits."""
    if not zipfile.is_zipfile(path):
        return {}
    try:
        with zipfile.ZipFile(path) as archive:
            part = _sheet_part(archive, sheet)
            if part is None:
                return {}
            with archive.open(part) as xml:
                if not _has_error_type(xml):
                    return {}
            with archive.open(part) as xml:
                return _typed_errors(xml)
    except (zipfile.BadZipFile, OSError, ElementTree.ParseError) as exc:
        raise _unreadable(path) from exc
    except (expat.ExpatError, ValueError) as exc:
        raise ImportFileError(
            f"「{path.name}」のシート「{sheet}」には数式のエラーがありますが、その場所を読み取れません。"
            "Excel で数式のエラーを直して保存し直してください。") from exc


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member of the worksheet named *sheet*: xl/workbook.xml gives its relationship,
    xl/_rels/workbook.xml.rels the part (relative to xl/, or from the root with a "/")."""
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        return None  # not an xlsx: an ods, or an xlsb (workbook.bin)
    rel = next((value for element in book.iter()
                if _local(element.tag) == "sheet" and element.get("name") == sheet
                for key, value in element.attrib.items() if _local(key) == "id"), None)
    target = next((element.get("Target") for element in rels.iter()
                   if _local(element.tag) == "Relationship" and element.get("Id") == rel), None)
    if rel is None or not target:
        return None
    part = target[1:] if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    return part if part in archive.namelist() else None


def _local(name: str) -> str:
    """An XML name without its namespace (ElementTree's "{uri}name", expat's "uri name")."""
    return name.rpartition("}")[2].rpartition(" ")[2]


def _has_error_type(xml: IO[bytes]) -> bool:
    """Whether a sheet's XML may hold a cell of type e: a search of its bytes, chunk by chunk
    (a match across two chunks too)."""
    tail = b""
    while chunk := xml.read(_CHUNK):
        if _ERROR_TYPE.search(chunk) or _ERROR_TYPE.search(tail + chunk[:6]):
            return True
        tail = (tail + chunk)[-6:]
    return False


def _typed_errors(xml: IO[bytes]) -> dict[tuple[int, int], str]:
    """(row, column) from A1 → the cached text (<v>) of each cell of type e. A cell without
    its r attribute follows the one before it, and a row without r the row before."""
    found: dict[tuple[int, int], str] = {}
    row = col = -1
    error: tuple[int, int] | None = None  # the error cell being read
    text: list[str] | None = None  # its <v>, while inside it

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal row, col, error, text
        local = _local(name)
        if local == "row":
            row, col = (int(attrs["r"]) - 1 if "r" in attrs else row + 1), -1
        elif local == "c":
            row, col = _position(attrs["r"]) if "r" in attrs else (row, col + 1)
            error = (row, col) if attrs.get("t") == "e" else None
        elif local == "v" and error is not None:
            text = []

    def end(name: str) -> None:
        nonlocal text
        if text is not None and error is not None and _local(name) == "v":
            found[error] = "".join(text).strip()
            text = None

    def characters(data: str) -> None:
        if text is not None:
            text.append(data)

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    parser.ParseFile(xml)
    return found


def _position(ref: str) -> tuple[int, int]:
    """(row, column) from 0 of an A1 reference."""
    letters = ref.rstrip("0123456789")
    if not (letters.isascii() and letters.isalpha()):
        raise ValueError(ref)
    column = 0
    for char in letters.upper():
        column = column * 26 + ord(char) - ord("A") + 1
    return int(ref[len(letters):]) - 1, column - 1


# --- text files --------------------------------------------------------------------------


def _read_text(path: Path, raw: bytes) -> SheetTable:
    # UTF-16 (Excel's 「Unicode テキスト」) is full of NULs: it gets the encoding message.
    if b"\x00" in raw[:_SNIFF_BYTES] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _not_a_table(path, raw)
    text, encoding = _decoded(path, raw)
    delimiter = "\t" if path.suffix.lower() == ".tsv" or _tabbed(text) else ","
    rows: list[list[Cell]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for record in reader:
            if len(rows) == MAX_ROWS:
                raise _too_many_rows(path)
            rows.append([field if field != "" else None for field in record])
    except csv.Error as exc:
        # csv refuses a field over 131,072 characters: an unclosed quote swallowing the rest
        raise ImportFileError(
            f"「{path.name}」の {len(rows) + 1} 行目を読めません（引用符 \" が閉じられていないか、"
            "セルが長すぎます）。") from exc
    # every error's text holds one of these: most files are passed over at the cost of a search
    errors = _error_texts(rows) if "#" in text or "Err:" in text else {}
    return SheetTable(path.name, "", _trimmed(rows), encoding, errors)


def _decoded(path: Path, raw: bytes) -> tuple[str, str]:
    """The text and the encoding it was read in: UTF-8 with a BOM (Excel's 「CSV UTF-8」),
    UTF-8, or CP932 (Excel's plain 「CSV」 on Japanese Windows: Shift_JIS with ①, ㈱, 髙 …).
    Strict decoding: a file that fits neither is refused rather than read as garbage."""
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    else:
        for encoding in ("utf-8", "cp932"):
            try:
                return raw.decode(encoding), encoding
            except UnicodeDecodeError:
                continue
    raise ImportFileError(
        f"「{path.name}」の文字コードを判別できません（UTF-8 または Shift_JIS で保存してください）。")


def _tabbed(text: str) -> bool:
    """Tab-separated when the start of the file holds more tabs than commas outside quotes.
    (csv.Sniffer guesses wrong on Japanese text, where a 、 or a full-width comma is common.)"""
    tabs = commas = 0
    quoted = False
    for char in text[:_SNIFF_BYTES]:
        if char == '"':
            quoted = not quoted
        elif not quoted:
            if char == "\t":
                tabs += 1
            elif char == ",":
                commas += 1
    return tabs > commas
