"""拠点施設 (facilities) as the prints and screens show them: the detail read from the
database, the draft the form hands over, and the opening hours written as one line.

Kept free of the database (no SQLAlchemy), so that a print made from the command line can build
them from a quick read (database/quick_read.py) as the service builds them from the ORM
(services/facilities.py re-exports every name here).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from kyodo_desk.domain.dates import WEEKDAYS, clock

WEEKDAY_SPAN_FROM = 3  # 月火水 is written 月〜水; two days side by side stay 土・日


@dataclass(frozen=True)
class FacilityDraft:
    """What the facility form hands over: the fields the administrator keeps, as typed.

    Name, reading and kind are the facility's identity and are not edited here.
    """

    postal_code: str = ""
    address: str = ""
    building: str = ""  # 方書, e.g. アルヴェ3階
    phone: str = ""
    email: str = ""
    website: str = ""
    facebook: str = ""
    opens_at: time | None = None  # 開館時刻
    closes_at: time | None = None  # 閉館時刻
    open_days: str = ""  # 利用可能曜日, e.g. 月火水木金
    closed_days: str = ""  # 休館日, e.g. 年末年始、祝日
    hours: str = ""  # 開館時間の補足
    notes: str = ""  # 備考 (for staff: open data does not publish it)


@dataclass(frozen=True)
class FacilityDetail:
    id: int
    code: str
    kind: str
    name: str
    reading: str
    postal_code: str
    address: str
    building: str
    phone: str
    email: str
    website: str
    facebook: str
    hours: str  # 開館時間の補足 (free text); the whole line is `opening_hours`
    notes: str
    version: int
    opens_at: time | None = None
    closes_at: time | None = None
    open_days: str = ""
    closed_days: str = ""

    @property
    def full_address(self) -> str:
        return self.address + self.building

    @property
    def opening_hours(self) -> str:
        """開館時間 as one line: 「9:00〜17:00（月〜金）　休館日: 年末年始」; "" if none is recorded."""
        return opening_hours_text(self.opens_at, self.closes_at, self.open_days,
                                  self.closed_days, self.hours)

    def as_draft(self) -> FacilityDraft:
        return FacilityDraft(
            postal_code=self.postal_code, address=self.address, building=self.building,
            phone=self.phone, email=self.email, website=self.website, facebook=self.facebook,
            opens_at=self.opens_at, closes_at=self.closes_at, open_days=self.open_days,
            closed_days=self.closed_days, hours=self.hours, notes=self.notes,
        )


# --- opening hours as text ------------------------------------------------------------------

def weekday_span(days: str) -> str:
    """利用可能曜日 as people write them: 月火水木金 → 月〜金, 月水金 → 月・水・金,
    火水木金土 → 火〜土, 土日 → 土・日, all seven → 毎日."""
    kept = [WEEKDAYS.index(d) for d in WEEKDAYS if d in days]
    if len(kept) == len(WEEKDAYS):
        return "毎日"
    runs: list[list[int]] = []
    for index in kept:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    parts: list[str] = []
    for run in runs:
        if len(run) >= WEEKDAY_SPAN_FROM:
            parts.append(f"{WEEKDAYS[run[0]]}〜{WEEKDAYS[run[-1]]}")
        else:
            parts.extend(WEEKDAYS[i] for i in run)
    return "・".join(parts)


def opening_hours_text(opens_at: time | None, closes_at: time | None, open_days: str,
                       closed_days: str, note: str = "") -> str:
    """The line a leaflet or a screen prints: only what is recorded, never a guess."""
    days = weekday_span(open_days)
    parts = []
    if opens_at is not None and closes_at is not None:
        span = f"{clock(opens_at)}〜{clock(closes_at)}"
        parts.append(f"{span}（{days}）" if days else span)
    elif days:
        parts.append(f"開館日: {days}")
    if closed_days.strip():
        parts.append(f"休館日: {closed_days.strip()}")
    if note.strip():
        parts.append(note.strip())
    return "　".join(parts)
