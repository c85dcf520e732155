"""取り込み (import): the city's existing registers brought in from Excel and CSV.

Every target (contacts, consultations, an event's applicants) works in two steps, the same for
the wizard and the command line:

1. **plan** — the file read (imports/tables), its header found (imports/headers), each column
   given its field (imports/mapping: a guess, a preset or the clerk's choice), every row
   checked with the same rules as the forms and matched against the records: nothing is
   stored. The plan says, row by row, what an import would do, and lists every refusal.
2. **run** — only a plan with no refused row; the whole import is one transaction (all rows or
   none), re-checked inside it, recorded as one audited act with the file's name and the
   counts. Importing the same file again adds nothing: each row meets itself as SAME.

A target's module (services/imports/<target>.py) provides
`plan(db, actor, source: ImportSource, *, progress=None) -> ImportPlan` and
`run(db, actor, plan, *, decisions=None, progress=None) -> ImportResult`; `TARGETS` names them.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any, Protocol

from kyodo_desk.domain.errors import UserError

# Called with (rows done, rows in all); returns False to cancel (the import then raises
# Cancelled and nothing is stored).
Progress = Callable[[int, int], bool]

TARGETS = {
    "contacts": "kyodo_desk.services.imports.contacts",
    "consultations": "kyodo_desk.services.imports.consultations",
    "applicants": "kyodo_desk.services.imports.applicants",
}
TARGET_LABELS = {"contacts": "連絡先", "consultations": "相談記録", "applicants": "イベントの申込者"}


class Cancelled(UserError):
    """The clerk cancelled the import: nothing was stored."""

    def __init__(self) -> None:
        super().__init__("取り込みを中止しました。何も登録していません。")


class Outcome(enum.StrEnum):
    """What the import does with one row."""

    NEW = "new"  # 新規: a record is added
    FILL = "fill"  # 既存に追記: the same as an existing record, whose empty fields it fills
    SAME = "same"  # 登録済み: already there, nothing to add (a second import of the file)
    ASK = "ask"  # 確認が必要: likely the same as an existing record; the clerk decides
    REFUSED = "refused"  # 取り込めない: a fault in the row (listed in the plan's problems)


OUTCOME_LABELS = {Outcome.NEW: "新規", Outcome.FILL: "既存に追記", Outcome.SAME: "登録済み",
                  Outcome.ASK: "確認が必要", Outcome.REFUSED: "取り込めない"}


@dataclass(frozen=True)
class ImportSource:
    """What to read: the file, its sheet (None: the first), the columns' fields (None: guessed
    from the headings; column index → field name of imports/mapping) and, for applicants,
    the event."""

    path: Path
    sheet: str | None = None
    mapping: Mapping[int, str] | None = None
    event_id: int | None = None


@dataclass(frozen=True)
class RowProblem:
    """One fault, as the report lists it: the file's row number (1 = its first row), the
    column's heading ("" for the row as a whole), what the cell held, and why, in Japanese."""

    row: int
    column: str
    value: str
    reason: str


@dataclass(frozen=True)
class PlannedRow:
    """One data row of the file and what the import would do with it. *values*: field label →
    the value as it will be stored (the preview shows these); *existing*: the record it is
    the same as (FILL, SAME) or, for ASK, the likely ones."""

    row: int
    outcome: Outcome
    values: Mapping[str, str] = field(default_factory=dict)
    existing: tuple[int, ...] = ()
    note: str = ""  # why it is ASK or SAME, in Japanese


@dataclass(frozen=True)
class ImportPlan:
    target: str
    source: ImportSource
    sheet: str  # the sheet read ("" for CSV)
    headings: tuple[str, ...]
    mapping: Mapping[int, str]
    rows: tuple[PlannedRow, ...]
    problems: tuple[RowProblem, ...]
    # The data the target's run needs again (drafts, matches): opaque to everyone else.
    prepared: Any = None

    @property
    def counts(self) -> Counter[Outcome]:
        return Counter(r.outcome for r in self.rows)

    @property
    def ready(self) -> bool:
        """Nothing refused: the import may run (ASK rows need a decision each)."""
        return not self.problems


@dataclass(frozen=True)
class ImportResult:
    target: str
    source: str  # the file's name
    added: int
    filled: int
    unchanged: int

    @property
    def summary(self) -> str:
        """「新規 120件・既存に追記 8件・登録済み 30件」 — the line printed last and shown."""
        return (f"新規 {self.added:,}件・既存に追記 {self.filled:,}件・"
                f"登録済み {self.unchanged:,}件")


def row_list(rows: Sequence[int]) -> str:
    """「3行目、8行目 ほか 12 行」: the rows a message names, ten at most."""
    shown = "、".join(f"{r}行目" for r in rows[:10])
    return shown + (f" ほか {len(rows) - 10:,} 行" if len(rows) > 10 else "")


def runnable(plan: ImportPlan, target: str, prepared: type,
             decisions: Mapping[int, int | None] | None) -> dict[int, int | None]:
    """*decisions* checked before a run of *plan* by *target* (whose plan data is of type
    *prepared*): refused as every target refuses, in the same words, when the plan is not
    the target's, has refused rows, or leaves an ASK row undecided or decided for a record
    it did not offer. Returns the decisions (row → the chosen record, or None for new)."""
    if plan.target != target or not isinstance(plan.prepared, prepared):
        raise UserError(f"{TARGET_LABELS[target]}の取り込みの確認結果ではありません。"
                        "確認からやり直してください。")
    if plan.problems:
        raise UserError(f"取り込めない行が {len({p.row for p in plan.problems}):,} 行あります。"
                        "直してから、もう一度確認してください。何も登録していません。")
    chosen = dict(decisions or {})
    asked = [r for r in plan.rows if r.outcome is Outcome.ASK]
    if undecided := [r.row for r in asked if r.row not in chosen]:
        raise UserError(f"確認が必要な行があります（{row_list(undecided)}）。登録済みの記録と同じか、"
                        "新規かを選んでください。何も登録していません。")
    for r in asked:
        if chosen[r.row] is not None and chosen[r.row] not in r.existing:
            raise UserError(f"{r.row}行目の選択が候補にありません。選び直してください。")
    return chosen


class _Target(Protocol):
    def plan(self, db: Any, actor: Any, source: ImportSource, *,
             progress: Progress | None = None) -> ImportPlan: ...

    def run(self, db: Any, actor: Any, plan: ImportPlan, *,
            decisions: Mapping[int, int | None] | None = None,
            progress: Progress | None = None) -> ImportResult: ...


def target(name: str) -> _Target:
    """The module that imports *name* (contacts, consultations, applicants)."""
    if name not in TARGETS:
        raise UserError(f"取り込めるのは {'、'.join(TARGETS)} です（「{name}」ではありません）。")
    module: _Target = import_module(TARGETS[name])
    return module
