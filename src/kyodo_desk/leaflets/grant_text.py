"""How the grant prints word a grant (交付金の表記): the issuing department, the programme's
name with its fiscal year, the call period in the era and the contact card.

One module for the call (募集案内), the publication (公表), the score sheets (審査表) and the
ranking (順位表), so a programme and its dates read the same on all of them.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from kyodo_desk.domain.dates import fiscal_year_label
from kyodo_desk.leaflets.event_text import DEPARTMENT_PREFIX, RANGE, day_text
from kyodo_desk.leaflets.style import ContactCard, facility_card

if TYPE_CHECKING:
    from kyodo_desk.services.contacts import FacilityDetail
    from kyodo_desk.services.grants import ProgrammeDetail

# The grants are run by the central center's collaboration desk for the whole city.
DEPARTMENT = f"{DEPARTMENT_PREFIX}　中央市民サービスセンター"


def programme_title(fiscal_year: int, name: str) -> str:
    """'令和8年度　秋田市協働サポート交付金'."""
    return f"{fiscal_year_label(fiscal_year)}　{name}"


def period_text(opens: date, closes: date) -> str:
    """'令和8年4月1日（水）～令和8年5月31日（日）'."""
    return f"{day_text(opens)}{RANGE}{day_text(closes)}"


def programme_card(programme: ProgrammeDetail, facility: FacilityDetail | None) -> ContactCard:
    """The contact block's card: the programme's own 担当 and 電話 over the address, e-mail
    and web page of *facility* (the one it names, or the central center: the department in
    the title band). One 電話 only: the programme's, where it has one."""
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
