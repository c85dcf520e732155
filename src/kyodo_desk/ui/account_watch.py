"""When the signed-in account loses its rights (無効にされた・役割や施設の変更), one signal says
so, whichever screen's service call found out; the main window answers it by keeping every
open form as a draft and returning to the sign-in. The restore of a damaged database uses the
same way back to the sign-in."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from kyodo_desk.domain.errors import AccountChanged


class _Revocations(QObject):
    # The message for the person at the counter, and the widget whose call was refused (None:
    # unknown): only the window it belongs to answers, never another one opened since.
    revoked = Signal(str, object)


_revocations: _Revocations | None = None


def revocations() -> _Revocations:
    """The app-wide signal (made on first use, on the GUI thread)."""
    global _revocations
    if _revocations is None:
        _revocations = _Revocations()
    return _revocations


def handled_as_revoked(exc: BaseException, asker: QObject | None) -> bool:
    """True (and announced) if *exc* says the account may no longer act; *asker* is the
    widget that made the call."""
    if not isinstance(exc, AccountChanged):
        return False
    revocations().revoked.emit(exc.message, asker)
    return True


def belongs_to(widget: QObject | None, window: QObject) -> bool:
    """True if *widget* is *window* or lies inside it, dialogs it opened included."""
    while widget is not None:
        if widget is window:
            return True
        widget = widget.parent()
    return False
