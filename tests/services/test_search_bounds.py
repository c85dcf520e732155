"""Whatever is typed or pasted into a search box, every search of the app answers at once with
the ordinary result, on both databases: a megabyte, NULs, half of a surrogate pair, SQL
wildcards, quotes and backslashes are text (or nothing), never an error or a wait.

Each hostile query is paired with the plain query a person would have meant; the two must
give the same rows in every search. The plain queries are checked to find what they should,
so that "the same" is never "both empty" by accident.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

import pytest

from kyodo_desk.services import contacts, events
from kyodo_desk.services.consultations import ConsultationDraft, create_consultation
from kyodo_desk.services.consultations.listing import (
    ConsultationFilter,
    count_consultations,
    list_consultations,
)
from kyodo_desk.services.grants import cases as grant_cases
from tests.consultation_fields import valid
from tests.event_fixtures import make_event, person
from tests.grant_fixtures import group, make_case, make_programme

MEGABYTE = 1_000_000
# A megabyte of varied kanji: almost a million distinct pairs for the gram index.
PASTED_BOOK = "".join(chr(0x4E00 + n) for n in random.Random(14).choices(range(20_000), k=MEGABYTE))

# (hostile, what it means): the hostile query must find exactly what the plain one finds.
HOSTILE = [
    ("山田" + " " * (MEGABYTE - 2), "山田"),  # a name, then a pasted megabyte of nothing
    ("山田" * (MEGABYTE // 2), "山田" * 50),  # a megabyte of text: its first 100 characters
    (PASTED_BOOK, PASTED_BOOK[:100]),
    ("\x00" * 1000, ""),
    ("\x00" * 1000 + "山田", "山田"),
    (" " * MEGABYTE + "山田", "山田"),  # a megabyte of nothing, then a name
    ("山\x00田", "山田"),
    ("\ud800", ""),  # half of a surrogate pair, as a cut paste leaves it
    ("山田\udc00", "山田"),
    ("%", ""),  # SQL wildcards are signs, and signs are ignored
    ("%田%", "田"),
    ("_", ""),
    ("山_", "山"),
    ("'", ""),
    ('"', ""),
    ("山田' OR '1'='1", "山田or11"),
    ('"山田" AND "x"', "山田andx"),  # FTS5 syntax is text too
    ("\\", ""),
    ("山田\\", "山田"),
]


@pytest.fixture
def searches(db, accounts_by_login, facilities) -> dict[str, Callable[[str], object]]:  # type: ignore[no-untyped-def]
    """Every search of the app, each with one record it can find, as query → what is listed."""
    officer = accounts_by_login["officer"]  # reads every facility's consultations and cases
    yamada = person(db, "山田 太郎", reading="やまだ たろう", phone="018-888-5640")
    create_consultation(db, officer, ConsultationDraft(
        held_on=date(2026, 5, 11), facility_id=facilities["east"],
        asked="NPO法人の設立について", **valid({"consultee_contact_id": yamada})))
    make_event(db, facilities["central"], title="山田先生の市民活動入門セミナー")
    make_case(db, make_programme(db).id, group(db, "山田地区まちづくり協議会"))

    def consultations(query: str) -> object:
        where = ConsultationFilter(text=query)
        return ([r.id for r in list_consultations(db, officer, where).rows],
                count_consultations(db, officer, where))

    return {
        "facilities": lambda q: [e.ref for e in contacts.search_facilities(db, officer, q)],
        "contacts": lambda q: [e.ref for e in contacts.search_contacts(db, officer, q).entries],
        "consultations": consultations,
        "events": lambda q: [e.id for e in events.list_events(db, officer, query=q)],
        "grant cases": lambda q: [c.id for c in grant_cases.list_cases(db, officer, query=q)],
    }


def test_the_plain_queries_find_what_they_mean(searches) -> None:  # type: ignore[no-untyped-def]
    for name, search in searches.items():
        if name != "facilities":  # the seeded facilities hold no 山田
            assert search("山田") and search("山田") != search("山田or11"), name
        assert search("") and search("山田" * 50) in ([], ([], 0)), name


def test_hostile_queries_find_what_the_plain_ones_do(searches) -> None:  # type: ignore[no-untyped-def]
    for name, search in searches.items():
        for hostile, plain in HOSTILE:
            assert search(hostile) == search(plain), (name, hostile[:20], plain[:20])


def test_the_audit_logs_name_search_takes_any_input(db, admin) -> None:  # type: ignore[no-untyped-def]
    """The one search over a column that is not folded (who acted): bounded the same way."""
    from kyodo_desk.services.audit_log import AuditFilter, search_audit

    person(db, "山田 花子")  # the command line adds it: an entry by コマンドライン
    assert search_audit(db, admin, AuditFilter(actor_text="コマンド ライン"))
    for hostile, _plain in HOSTILE:
        assert isinstance(search_audit(db, admin, AuditFilter(actor_text=hostile)), list)
