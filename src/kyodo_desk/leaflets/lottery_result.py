"""抽選結果 (lottery result): what a draw decided, in two editions, as the app's other prints.

The posting (公開用) lists 受付番号 only, never a name: the 当選 numbers smallest first (to be
found at a glance), then the waitlist (キャンセル待ち) in drawn order. The staff list (職員用,
取扱注意 on every page) adds each one's 抽選順, name, party and status now. Both print the
event, when and by which seed it was drawn, and the rule, so that anyone holding the
applications in 受付番号 order can draw again and compare (domain/lottery.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT

from kyodo_desk.domain.dates import date_and_time, full_date, print_style
from kyodo_desk.leaflets import LeafletInfo, event_text, fitting
from kyodo_desk.leaflets.event_roster import list_heading
from kyodo_desk.leaflets.style import Kit

if TYPE_CHECKING:
    from kyodo_desk.services.events import EventDetail
    from kyodo_desk.services.events.lottery import LotteryEntry, LotteryResult

TITLE = "抽選結果"
NUMBERS_PER_ROW = 10  # 当選の受付番号, on the posting
PAIRS_PER_ROW = 5  # キャンセル待ちの順番と受付番号, on the posting
NO_ONE = "該当する申込はありません。"
CHECK = ("抽選の種と、受付番号の順に並べた申込（各組の人数）から、上の方法で誰でも同じ結果を"
         "確かめられます。")


def build(event: EventDetail, result: LotteryResult, *, info: LeafletInfo,
          today: date) -> bytes:
    """The posting, or (*info* a staff print) the staff list, of *result*."""
    department = event_text.department(event)
    staff = info.staff_only
    drawn_day = f"{full_date(result.drawn_at, print_style())}抽選"
    facts = [("日時", event_text.sessions_text(event.sessions)),
             ("会場", event_text.venue_text(event)),
             ("申込", f"{result.parties}組{result.people}名（定員{result.capacity:,}名、"
                     f"申込締切 {full_date(result.lottery_until, print_style())}）"),
             ("抽選日時", date_and_time(result.drawn_at, print_style())
              + (f"（{result.drawn_by}）" if staff and result.drawn_by else "")),
             ("抽選の種", result.seed)]
    drawn = f"当選（{len(result.drawn)}組{result.drawn_people}名）"
    waiting = f"キャンセル待ち（{len(result.waitlisted)}組）"

    def compose(kit: Kit) -> list[Any]:
        return [
            kit.title_band(department, TITLE, event_text.title_lines(event.title),
                           date_text=drawn_day),
            kit.spacer(6),
            kit.facts(facts, role="small"),
            kit.section("抽選の方法"),
            kit.para(result.rule, "small"),
            kit.para(CHECK, "small"),
            *list_heading(kit, drawn),
            _listed(kit, result.drawn, staff=staff, waiting=False),
            *list_heading(kit, waiting),
            _listed(kit, result.waitlisted, staff=staff, waiting=True),
        ]

    edition = "職員用" if staff else "掲示用"
    return fitting.build(info, compose, scales=(1.0,),
                         decorate=lambda kit: kit.footer(f"{TITLE}（{edition}）　{event.title}",
                                                         numbered=True),
                         subject=f"{TITLE}　{event.title}")


def _listed(kit: Kit, entries: Sequence[LotteryEntry], *, staff: bool, waiting: bool) -> Any:
    if not entries:
        return kit.para(NO_ONE, "body")
    if staff:
        return _staff_table(kit, entries, waiting=waiting)
    if waiting:
        cells = [c for n, e in enumerate(entries, start=1) for c in (f"{n}番", str(e.queue_number))]
        return _grid(kit, ["順番", "受付番号"] * PAIRS_PER_ROW, cells,
                     [TA_CENTER, TA_RIGHT] * PAIRS_PER_ROW)
    numbers = [str(e.queue_number) for e in sorted(entries, key=lambda e: e.queue_number)]
    return _grid(kit, ["受付番号"] * NUMBERS_PER_ROW, numbers, [TA_RIGHT] * NUMBERS_PER_ROW)


def _grid(kit: Kit, header: list[str], cells: list[str], align: list[int]) -> Any:
    """*cells* row by row under *header*, the last row padded."""
    width = len(header)
    rows = [cells[i:i + width] for i in range(0, len(cells), width)]
    rows[-1] = rows[-1] + [""] * (width - len(rows[-1]))
    return kit.list_table(header, rows, [1.0] * width, align=align, role="body")


def _staff_table(kit: Kit, entries: Sequence[LotteryEntry], *, waiting: bool) -> Any:
    header = ["抽選順", "受付番号", "氏名・団体名", "人数", "現在の状況"]
    shares = [0.9, 1.0, 4.0, 0.8, 1.6]
    align = [TA_RIGHT, TA_RIGHT, TA_LEFT, TA_RIGHT, TA_CENTER]
    rows = [[str(e.rank), str(e.queue_number), e.contact_name, f"{e.party_size}名",
             e.status_label] for e in entries]
    if waiting:
        header.insert(0, "順番")
        shares.insert(0, 0.8)
        align.insert(0, TA_RIGHT)
        for n, row in enumerate(rows, start=1):
            row.insert(0, f"{n}番")
    return kit.list_table(header, rows, shares, align=align)
