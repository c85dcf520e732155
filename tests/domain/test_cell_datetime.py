"""cell_datetime: a web form's 送信日時 read to the second, in the forms offices and form
services write it."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from kyodo_desk.domain.cell_values import cell_datetime
from kyodo_desk.domain.errors import ValidationError


def read(value: object) -> datetime | None:
    return cell_datetime(value, "submitted_at", "申込日時")  # type: ignore[arg-type]


@pytest.mark.parametrize(("cell", "expected"), [
    ("2026/04/01 10:23:45", datetime(2026, 4, 1, 10, 23, 45)),
    ("2026/4/1 9:05", datetime(2026, 4, 1, 9, 5)),
    ("2026-04-01T10:23", datetime(2026, 4, 1, 10, 23)),
    ("2026-04-01 10:23:45.123", datetime(2026, 4, 1, 10, 23, 45)),
    ("２０２６／４／１　１０：２３", datetime(2026, 4, 1, 10, 23)),
    ("2026/4/1(水) 10:23", datetime(2026, 4, 1, 10, 23)),
    ("令和8年4月1日 10時23分", datetime(2026, 4, 1, 10, 23)),
    ("令和8年4月1日10時23分5秒", datetime(2026, 4, 1, 10, 23, 5)),
    ("R8.4.1 23:59:59", datetime(2026, 4, 1, 23, 59, 59)),
    ("2026/4/1", datetime(2026, 4, 1)),  # a day alone: its first moment
    (datetime(2026, 4, 1, 10, 23, 45, 500), datetime(2026, 4, 1, 10, 23, 45)),
    (date(2026, 4, 1), datetime(2026, 4, 1)),
    (46113.5, datetime(2026, 4, 1, 12, 0)),  # Excel serial with its time of day
    (46113, datetime(2026, 4, 1)),
    (None, None),
    ("  ", None),
])
def test_dates_and_times_as_typed(cell: object, expected: datetime | None) -> None:
    assert read(cell) == expected


@pytest.mark.parametrize(("cell", "words"), [
    ("2026/4/1 25:00", "時刻が読めません"),
    ("2026/4/1 10:61", "時刻が読めません"),
    ("10:23", "日付がありません"),
    (time(10, 23), "日時として読めません"),
    ("2026/2/30 10:00", "日時として読めません"),
    ("26/4/1 10:00", "日時として読めません"),
    ("2026/4/2(水) 10:00", "日時として読めません"),  # 4/2 is a Thursday
    ("あした", "日付として読めません"),
    ("#VALUE!", "#VALUE!"),
    (True, "日時として読めません"),
])
def test_what_is_no_moment_is_refused_naming_the_cell(cell: object, words: str) -> None:
    with pytest.raises(ValidationError) as refused:
        read(cell)
    message = refused.value.for_field("submitted_at")
    assert words in message
