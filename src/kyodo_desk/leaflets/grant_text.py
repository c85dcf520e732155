"""How the grant prints word a grant (交付金の表記): the issuing department, the programme's
name with its fiscal year, the call period in the era, the contact card, and
the checks of what a grant print must be told (--programme, --fiscal-year).

One module for the call (募集案内), the publication (公表), the score sheets (審査表) and the
ranking (順位表), so a programme and its dates read the same on all of them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kyodo_desk.domain.dates import fiscal_year_label
from kyodo_desk.domain.errors import UserError
from kyodo_desk.leaflets.event_text import DEPARTMENT_PREFIX, RANGE, day_text
from kyodo_desk.leaflets.style import ContactCard, facility_card

# The grants are run by the central center's collaboration desk for the whole city.
DEPARTMENT = f"{DEPARTMENT_PREFIX}　中央市民サービスセンター"
CENTRAL_FACILITY = "central"
# The years a programme may be registered for (services.grants.clean_programme_draft).
FIRST_YEAR, LAST_YEAR = 2000, 2100


def require_programme(value: int | None, info: Any) -> int:
    if value is None:
        raise UserError(f"「{info.title}」を作るには交付金を指定してください"
                        "（コマンドでは --programme 番号）。")
    return value


def require_fiscal_year(value: int | None, info: Any) -> int:
    if value is None:
        raise UserError(f"「{info.title}」を作るには年度を指定してください"
                        "（コマンドでは --fiscal-year 2026 のように西暦で）。")
    if not FIRST_YEAR <= value <= LAST_YEAR:
        raise UserError(f"年度「{value}」は扱えません。2026（令和8年度）のように西暦で"
                        "指定してください。")
    return value


def programme_title(programme: Any) -> str:
    """'令和8年度　秋田市協働サポート交付金' (a ProgrammeDetail, or a Screening)."""
    name = getattr(programme, "name", None) or programme.programme_name
    return f"{fiscal_year_label(programme.fiscal_year)}　{name}"


def period_text(opens: date, closes: date) -> str:
    """'令和8年4月1日（水）～令和8年5月31日（日）'."""
    return f"{day_text(opens)}{RANGE}{day_text(closes)}"


def programme_card(db: Any, actor: Any, programme: Any) -> ContactCard:
    """The contact block's card: the programme's own 担当 and 電話 over the address, e-mail
    and web page of the facility it names, or of the central center (the department in the
    title band) when it names none. One 電話 only: the programme's, where it has one."""
    from kyodo_desk.services import contacts

    if programme.facility_id is not None:
        facility = contacts.get_facility(db, actor, programme.facility_id)
    else:
        facility = next((f for f in contacts.list_facilities(db, actor)
                         if f.code == CENTRAL_FACILITY), None)
    own = tuple(pair for pair in (("担当", programme.contact_name),
                                  ("電話", programme.contact_phone)) if pair[1])
    if facility is None:
        return ContactCard(DEPARTMENT, (own,) if own else ())
    card = facility_card(facility)
    rows = card.rows
    if programme.contact_phone:
        rows = tuple(kept for kept in (tuple(pair for pair in row if pair[0] != "電話")
                                       for row in rows) if kept)
    return ContactCard(card.name, ((own,) if own else ()) + rows)
