"""Scrolling a paged list to its end, as a clerk does (一覧を下までスクロールする)."""

from __future__ import annotations

from collections.abc import Callable


def scroll_for_more(qtbot, tab, arrived: Callable[[], bool],  # type: ignore[no-untyped-def]
                    state: Callable[[], str] = lambda: "") -> None:
    """Scroll *tab*'s table to the bottom until *arrived* holds, as a clerk who sees no more
    rows scrolls down again; if it never does, say in what state the list was (and *state*,
    what else of the tab tells why).

    One scroll was not always enough on a loaded machine: the list was found at
    「rows 408, scroll 184/384」 with no page asked for — the scroll had gone to a bottom that
    moved as the rows just come were laid out (or a refresh put the old position back)."""
    from pytestqt.exceptions import TimeoutError as WaitTimeout

    from kyodo_desk.ui.tasks import pending_jobs

    bar = tab.table.verticalScrollBar()

    def scrolled_and_arrived() -> bool:
        if arrived():
            return True
        tab.table.scrollToBottom()
        return arrived()

    try:
        qtbot.waitUntil(scrolled_and_arrived)
    except WaitTimeout:
        more = state()
        raise AssertionError(
            f"no page came: rows {tab.model.rowCount()}, scroll {bar.value()}/{bar.maximum()}, "
            f"can fetch more {tab.model.canFetchMore()}, loading {tab.model._loading}, "
            f"background jobs {pending_jobs()}{', ' + more if more else ''}") from None
