"""One event's printed papers (チラシ・参加者名簿・出席簿・名札): the leaflets of the 印刷物
catalogue the events tab offers for one event (shown in ui/pdf_preview.py, the app's one
preview)."""

from __future__ import annotations

from kyodo_desk import leaflets
from kyodo_desk.services.events import EventSummary

# Made from the course's 修了者 window (ui/events/graduates_dialog.py), for a course only.
MADE_ELSEWHERE = frozenset({"certificates"})
# 抽選結果: made from a drawn lottery only.
AFTER_DRAW = frozenset({"lottery-result", "lottery-result-staff"})


def event_leaflets() -> list[leaflets.LeafletInfo]:
    """The prints of the events tab's 印刷物 menu, made for one event, in the catalogue's
    order."""
    return [info for info in leaflets.catalog(every=True)
            if info.needs == "event" and info.name not in MADE_ELSEWHERE]


def unavailable(name: str, event: EventSummary | None) -> str:
    """Why the print *name* cannot be made for *event* (the disabled menu entry's tooltip), or
    "" when it can."""
    if name not in AFTER_DRAW or event is None or event.lottery_drawn:
        return ""
    if event.lottery_until is None:
        return "先着順のイベントです。抽選結果は、抽選したイベントだけで作れます。"
    return "まだ抽選していません。抽選の後に作れます（申込一覧の「抽選する…」）。"
