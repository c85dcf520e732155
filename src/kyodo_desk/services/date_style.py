"""The app-wide date style (日付の表記: 西暦 or 和暦), kept in the shared settings so every
counter writes a date the same way on screen and on paper (domain.dates.use_date_style).

The setting is the row display.date_style of the settings table, valued 西暦 or 和暦; without
it, screens write 西暦 and prints 和暦. It is read once per sign-in, before the window shows
its first date.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from kyodo_desk.domain.dates import DateStyle, use_date_style

if TYPE_CHECKING:  # a print from a quick read (database/quick_read.py) needs no database here
    from kyodo_desk.database import Database
    from kyodo_desk.domain.permissions import Actor

DATE_STYLE_KEY = "display.date_style"

log = logging.getLogger(__name__)


def load_date_style(db: Database, actor: Actor) -> DateStyle | None:
    """Read the setting for *actor*, who just signed in, and make it the app's (None: not
    set, the defaults hold). Every account may read it: every account reads dates.

    A value that is neither 西暦 nor 和暦 counts as not set: a date is still written, and the
    log says why the setting had no effect.
    """
    return use_stored_date_style(stored_value(db, actor))


def stored_value(db: Database, actor: Actor) -> str | None:
    """The settings row's value as stored (None: no row)."""
    from sqlalchemy import select

    from kyodo_desk.models import Setting

    with db.reading(actor) as session:
        return session.scalar(select(Setting.value).where(Setting.key == DATE_STYLE_KEY))


def style_of(value: str | None) -> DateStyle | None:
    """The style a stored *value* names (None: none, or neither 西暦 nor 和暦)."""
    return next((s for s in DateStyle if value and s.value == value.strip()), None)


def use_stored_date_style(value: str | None) -> DateStyle | None:
    """Make the setting's stored *value* the app's style (see load_date_style)."""
    style = style_of(value)
    if value is not None and style is None:
        log.warning("%s = %r is neither 西暦 nor 和暦: the defaults hold", DATE_STYLE_KEY, value)
    use_date_style(style)
    return style
