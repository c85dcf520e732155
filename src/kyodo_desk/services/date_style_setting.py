"""The administrator's choice of the app-wide date style (日付の表記の設定: 西暦 or 和暦), read
for the settings dialog and saved there. Apart from services/date_style.py, which every print
imports to follow the setting, so that a quick print loads no database code."""

from __future__ import annotations

from kyodo_desk.database import Database
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain.dates import DateStyle
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.models import Setting
from kyodo_desk.services.date_style import DATE_STYLE_KEY, stored_value, style_of


def stored_date_style(db: Database, actor: Actor) -> DateStyle | None:
    """The setting as stored (None: not set, or a value that is neither style), without
    making it the app's: what the settings dialog shows."""
    return style_of(stored_value(db, actor))


@retry_on_contention
def save_date_style(db: Database, actor: Actor, style: DateStyle) -> DateStyle:
    """Store the app-wide date style (administrators: the shared settings are theirs, as the
    accounts are). Audited as a change of the settings row. Every counter takes it at its
    next sign-in; this one too, so that one window never mixes both styles."""
    actor.require(Action.CHANGE, Resource.ACCOUNTS)
    with db.writing(actor) as session:
        setting = session.get(Setting, DATE_STYLE_KEY)
        if setting is None:
            session.add(Setting(key=DATE_STYLE_KEY, value=style.value))
        else:
            setting.value = style.value
    return style
