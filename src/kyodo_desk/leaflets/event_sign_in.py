"""出席簿 (sign-in sheet): for each session, the people expected at the door in order of
受付番号, with room to sign (署名) and to mark attendance (出席), and a few blank rows for
those who come on the day (当日参加). Each session starts on a page of its own, so the sheet
of the day can be taken to the door.

Called 出席簿, not 受付簿: 受付 is the accepting of a sign-up (domain/events.py), and this
sheet records who came."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.platypus import PageBreak

from kyodo_desk.leaflets import LeafletInfo, event_text, fitting
from kyodo_desk.leaflets.event_text import EXPECTED
from kyodo_desk.leaflets.style import Group, Kit

if TYPE_CHECKING:
    from kyodo_desk.services.events.prints import EventPrintData
    from kyodo_desk.services.events.registrations import RegistrationInfo

TITLE = "出席簿"
WALK_IN_ROWS = 5
WALK_IN = "当日"


def build(data: EventPrintData, *, info: LeafletInfo, today: date) -> bytes:
    e = data.event
    department = event_text.department(e)
    expected = data.with_status(EXPECTED)
    sessions = list(e.sessions)

    def compose(kit: Kit) -> list[Any]:
        story: list[Any] = []
        for session in sessions:
            if story:
                story.append(PageBreak())
            story += [
                # The label on a line of its own: 第1回 is never broken after 第.
                kit.title_band(department, TITLE, event_text.title_lines(e.title),
                               date_text="\n".join(filter(None, (
                                   event_text.session_text(session, label=False),
                                   session.label)))),
                kit.spacer(4),
                kit.para(f"会場　{e.venue_name}　　予定 {len(expected)}組 "
                         f"{sum(r.party_size for r in expected)}名", "small",
                         color=kit.palette.muted, space_after=4),
                _sheet(kit, expected),
            ]
        return story

    return fitting.build(info, compose, scales=(1.0,),
                         decorate=lambda kit: kit.footer(f"{TITLE}　{e.title}", numbered=True),
                         subject=f"{TITLE}　{e.title}")


def _sheet(kit: Kit, regs: Sequence[RegistrationInfo]) -> Any:
    """The rows to sign: a name with its よみ above it and 人数, then empty 署名 and 出席
    cells tall enough to write in. No 配慮事項: every signer reads the sheet at the door, and
    what a person asked for (health, a wheelchair) is theirs; staff have it on the 参加者名簿."""
    p = kit.palette
    rows: list[list[Any]] = []
    for r in regs:
        name: list[Any] = [kit.para(r.contact_reading, "note", color=p.muted)] \
            if r.contact_reading else []
        name.append(kit.para(r.contact_name, "body"))
        rows.append([str(r.queue_number), Group(name), f"{r.party_size}名",
                     kit.spacer(22), ""])
    rows += [[WALK_IN, "", "", kit.spacer(22), ""] for _ in range(WALK_IN_ROWS)]
    return kit.list_table(["受付番号", "よみ／氏名・団体名", "人数", "署名", "出席"], rows,
                          [0.9, 4.2, 0.7, 4.4, 0.8],
                          align=[TA_RIGHT, TA_LEFT, TA_RIGHT, TA_LEFT, TA_CENTER])
