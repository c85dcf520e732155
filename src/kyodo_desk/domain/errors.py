"""Errors the user can fix, each carrying a Japanese message (and the field at fault)."""

from __future__ import annotations

from dataclasses import dataclass


class UserError(Exception):
    """Base of every error whose message is meant for the person at the counter."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


class ValidationError(UserError):
    """One or more fields hold a value that cannot be stored (入力エラー)."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(p.message for p in problems))

    @classmethod
    def single(cls, field: str, message: str) -> ValidationError:
        return cls([FieldProblem(field, message)])

    def for_field(self, field: str) -> str | None:
        return next((p.message for p in self.problems if p.field == field), None)


class NotFound(UserError):
    """The record was removed (perhaps at another counter) since it was listed."""


class ReadOnlyDatabase(UserError):
    """The database was upgraded by a newer Kyodo Desk; this older app may only read it."""


class StartupError(UserError):
    """The database cannot be opened; the message says why and what to do."""


class ConnectionLost(UserError):
    """The database server cannot be reached just now; nothing was written, try again."""


class Contention(UserError):
    """Another counter's work on the same records collided with this one (a deadlock or a
    serialization failure) twice in a row; nothing was written and the input is kept."""


class AccountChanged(UserError):
    """The signed-in account was disabled, or its role or facility changed, since sign-in:
    nothing more may be done with it until the person signs in again."""


class ConcurrentEdit(UserError):
    """The record was changed at another counter after this one opened it (競合): nothing
    was written, so the other counter's change is not overwritten."""

    def __init__(self, record: str) -> None:
        super().__init__(
            f"この{record}は、開いた後に他の窓口で変更されました。上書きを防ぐため、変更していません。"
            "最新の内容を読み込んでから、もう一度操作してください。")
        self.record = record
