"""The rows of a file as an import reads them: each data row as field → cell, and a fault in
one turned into the report's line (row, column, value, reason)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from kyodo_desk.domain.cell_values import Cell, cell_text
from kyodo_desk.domain.errors import UserError, ValidationError
from kyodo_desk.imports.headers import HeaderLayout, find_header
from kyodo_desk.imports.mapping import FIELD_LABELS, guess_mapping, missing_required
from kyodo_desk.imports.tables import SheetTable, read_table
from kyodo_desk.services.imports import ImportSource, RowProblem

FORMULA_ERROR = ("数式のエラー（{}）になっています。"
                 "Excel で正しい値に直してから、もう一度取り込んでください。")


@dataclass(frozen=True)
class SourceRows:
    """A file read for one target: its table, where the header is, and each column's field."""

    target: str
    table: SheetTable
    layout: HeaderLayout
    mapping: Mapping[int, str]  # column index → field

    @property
    def count(self) -> int:
        return len(self.layout.data_rows)

    def rows(self) -> Iterator[tuple[int, dict[str, Cell]]]:
        """(the file's row number, field → cell) for each data row, in the file's order; a row
        with a formula error in one of its columns is left out (see formula_problems)."""
        refused = {row for row, col in self.table.errors if col in self.mapping}
        for index in self.layout.data_rows:
            if index in refused:
                continue
            cells = self.table.rows[index]
            yield index + 1, {name: cells[col] if col < len(cells) else None
                              for col, name in self.mapping.items()}

    @property
    def formula_problems(self) -> tuple[RowProblem, ...]:
        """A line for each formula error (#DIV/0!) in a column of a data row, in the file's
        order: the row is refused as a whole, since its cell holds no value to check. An error
        in a column that is not imported is passed over."""
        data_rows = set(self.layout.data_rows)
        return tuple(
            RowProblem(row + 1, self.layout.headings[col], error, FORMULA_ERROR.format(error))
            for (row, col), error in sorted(self.table.errors.items())
            if row in data_rows and col in self.mapping)

    def heading(self, field: str) -> str:
        """The heading of the column holding *field* ("" if none does)."""
        for col, name in self.mapping.items():
            if name == field:
                return self.layout.headings[col]
        return ""

    def problems(self, row: int, cells: Mapping[str, Cell],
                 error: ValidationError) -> list[RowProblem]:
        """The report's lines for *error* raised on the row: each named field's column and
        what its cell held; a field with no column of its own is the row's as a whole."""
        out = []
        for problem in error.problems:
            heading = self.heading(problem.field)
            value = shown(cells.get(problem.field)) if heading else ""
            out.append(RowProblem(row, heading, value, problem.message))
        return out


def read_source(source: ImportSource, target: str) -> SourceRows:
    """The file of *source* read for *target*, or UserError (in Japanese) when it cannot be:
    not a table, no header, a required column missing."""
    table = read_table(source.path, source.sheet)
    layout = find_header(table)
    mapping = (dict(source.mapping) if source.mapping is not None
               else guess_mapping(target, layout.headings))
    if missing := missing_required(target, mapping):
        raise UserError(f"「{source.path.name}」に必須の列がありません: {'、'.join(missing)}。"
                        "列の対応を指定してください。")
    return SourceRows(target, table, layout, mapping)


def field_label(target: str, field: str) -> str:
    return FIELD_LABELS.get(target, {}).get(field, field)


def shown(cell: Cell) -> str:
    """A cell as the report quotes it (never refused: a formula error is quoted as it is)."""
    try:
        return cell_text(cell, multiline=True)
    except ValidationError:
        return str(cell)
