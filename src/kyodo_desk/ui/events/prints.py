"""One event's printed papers (チラシ・参加者名簿・出席簿・名札): the leaflets of the 印刷物
catalogue the events tab offers for one event (shown in ui/pdf_preview.py, the app's one
preview)."""

from __future__ import annotations

from kyodo_desk import leaflets

# Made from the course's 修了者 window (ui/events/graduates_dialog.py), for a course only.
MADE_ELSEWHERE = frozenset({"certificates"})


def event_leaflets() -> list[leaflets.LeafletInfo]:
    """The prints of the events tab's 印刷物 menu, made for one event, in the catalogue's
    order."""
    return [info for info in leaflets.catalog(every=True)
            if info.needs == "event" and info.name not in MADE_ELSEWHERE]
