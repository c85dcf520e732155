"""The consultation list: filters, pages, sort orders, Japanese free text, masking for the
count-only administrator, and follow-ups, on both databases."""

from __future__ import annotations

import dataclasses
from datetime import date, time, timedelta

import pytest

from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.permissions import PermissionDenied
from kyodo_desk.services import consultations as svc
from kyodo_desk.services import contacts
from kyodo_desk.services.consultations import (
    ConsultationChannel,
    ConsultationDraft,
    ConsultationStatus,
)
from kyodo_desk.services.consultations.listing import (
    MASKED,
    ConsultationFilter,
    ConsultationSort,
    FollowUpCounts,
    count_consultations,
    follow_up_counts,
    list_consultations,
    my_follow_ups_filter,
)
from tests.consultation_fields import valid

TODAY = date.today()
YESTERDAY = TODAY - timedelta(days=1)


def record(db, actor, facility_id: int, asked: str = "相談", **fields):  # type: ignore[no-untyped-def]
    fields.setdefault("held_on", YESTERDAY)
    return svc.create_consultation(db, actor, ConsultationDraft(
        facility_id=facility_id, asked=asked, **valid(fields)))


def ids(db, actor, sort=ConsultationSort.NEWEST, **where) -> list[int]:  # type: ignore[no-untyped-def]
    return [r.id for r in list_consultations(db, actor, ConsultationFilter(**where),
                                             sort=sort).rows]


def every_page(db, actor, where=None, sort=ConsultationSort.NEWEST, limit=2) -> list[int]:  # type: ignore[no-untyped-def]
    seen: list[int] = []
    after = None
    while True:
        page = list_consultations(db, actor, where, sort=sort, after=after, limit=limit)
        seen += [r.id for r in page.rows]
        if page.next_key is None:
            return seen
        after = page.next_key


def test_filters_by_period_status_topic_channel_and_staff(
        db, actor, accounts_by_login, facilities, topics) -> None:  # type: ignore[no-untyped-def]
    east = facilities["east"]
    march = record(db, actor, east, "年度末の相談", held_on=date(2026, 3, 31),
                   topic_ids=(topics["施設利用"],))
    april = record(db, actor, east, "年度初めの相談", held_on=date(2026, 4, 1),
                   topic_ids=(topics["施設利用"], topics["資金・交付金"]),
                   status=ConsultationStatus.DONE, channel=ConsultationChannel.PHONE)
    may = record(db, actor, east, "五月の相談", held_on=date(2026, 5, 10), anonymous=True,
                 age_band="30代")
    officer = accounts_by_login["officer"]
    by_officer = record(db, officer, east, "担当の違う相談", held_on=date(2026, 5, 11))

    assert ids(db, actor) == [by_officer.id, may.id, april.id, march.id]  # newest first
    assert ids(db, actor, sort=ConsultationSort.OLDEST) == [march.id, april.id, may.id,
                                                           by_officer.id]
    assert ids(db, actor, date_from=date(2026, 4, 1), date_to=date(2026, 4, 30)) == [april.id]
    assert ids(db, actor, date_to=date(2026, 3, 31)) == [march.id]
    assert ids(db, actor, status=ConsultationStatus.DONE) == [april.id]
    assert ids(db, actor, topic_id=topics["施設利用"]) == [april.id, march.id]
    assert ids(db, actor, topic_id=topics["協働事業提案"]) == []
    assert ids(db, actor, channel=ConsultationChannel.PHONE) == [april.id]
    assert ids(db, actor, staff_account_id=officer.account_id) == [by_officer.id]

    rows = {r.id: r for r in list_consultations(db, actor).rows}
    assert rows[april.id].topic_names == ("資金・交付金", "施設利用")  # in the topics' order
    assert rows[may.id].consultee_name == "匿名"
    assert rows[march.id].staff_name == "窓口 花子"
    assert rows[march.id].asked_summary == "年度末の相談"
    assert count_consultations(db, actor) == 4
    assert count_consultations(db, actor, ConsultationFilter(topic_id=topics["施設利用"])) == 2


def test_pages_follow_each_other_without_gaps_or_repeats_in_every_order(
        db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    made = []
    for days_ago, hour in ((5, 9), (5, 9), (4, 14), (3, 10), (3, 11), (1, 16), (1, 9)):
        made.append(record(db, actor, facilities["east"], f"{days_ago}日前",
                           held_on=TODAY - timedelta(days=days_ago),
                           start_time=time(hour), follow_up_due=TODAY + timedelta(days=hour)
                           if hour > 10 else None))
    newest = every_page(db, actor)
    assert sorted(newest) == sorted(c.id for c in made)
    assert newest == ids(db, actor)  # page by page equals one long page
    assert every_page(db, actor, sort=ConsultationSort.OLDEST) == newest[::-1]
    due_first = every_page(db, actor, sort=ConsultationSort.FOLLOW_UP)
    by_due = sorted(made, key=lambda c: (c.follow_up_due or date.max, c.held_on, c.id))
    assert due_first == [c.id for c in by_due]
    assert every_page(db, actor, ConsultationFilter(text="日前"), limit=3) == newest


EVERY = {"npo", "pr", "grant", "consultee", "referral", "percent"}


@pytest.mark.parametrize(("query", "expected"), [
    ("広報", {"pr"}),  # two-character words are found
    ("法人", {"npo", "grant"}),
    ("ＮＰＯ", {"npo"}),  # full width and case fold
    ("npo", {"npo"}),
    ("チラシ", {"pr"}),  # katakana query, hiragana text
    ("ちらし", {"pr"}),
    ("交付金", {"grant"}),
    ("さとう", {"consultee"}),  # the consultee's reading
    ("佐藤", {"consultee"}),  # and name
    ("市民活動", {"referral"}),  # the referral is searched too
    ("に", {"npo", "grant", "percent"}),  # one character
    ("存在しない言葉", set()),
    ("'; DROP TABLE consultations; --", set()),  # only ever text
    ("100%", {"percent"}),
    # Signs are ignored like spaces (width and punctuation fold away): a query of signs
    # alone narrows nothing, and never acts as a wildcard or as SQL.
    ("%", EVERY), ("_", EVERY), ('"', EVERY), ("\\", EVERY), ("' OR 1=1 --", set()),
])
def test_free_text_search_handles_japanese(db, actor, facilities, query: str,
                                           expected: set[str]) -> None:  # type: ignore[no-untyped-def]
    east = facilities["east"]
    person = contacts.create_contact(db, actor, contacts.ContactDraft(
        kind=contacts.ContactKind.PERSON, name="佐藤 一郎", reading="さとう いちろう"))
    made = {
        "npo": record(db, actor, east, "NPO法人にしたい", answered="定款の作り方を説明した"),
        "pr": record(db, actor, east, "広報のちらしを作りたい"),
        "grant": record(db, actor, east, "交付金について", answered="法人でなくても申請できる"),
        "consultee": record(db, actor, east, "会場を探している", consultee_contact_id=person.id,
                            answered="空き状況を調べた"),
        "referral": record(db, actor, east, "ボランティアを募集したい",
                           referral="市民活動サポートセンター"),
        "percent": record(db, actor, east, "参加率を100%にしたい"),
    }
    names = {v.id: k for k, v in made.items()}
    found = {names[i] for i in ids(db, actor, text=query)}
    assert found == expected
    assert count_consultations(db, actor, ConsultationFilter(text=query)) == len(expected)


def test_search_reaches_beyond_the_newest_rows(db, actor, facilities, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A rare word in an old record is found through the index, in list order."""
    old = record(db, actor, facilities["east"], "古い記録の合唱団の相談",
                 held_on=TODAY - timedelta(days=400))
    for i in range(6):
        record(db, actor, facilities["east"], f"最近の相談{i}")
    older = record(db, actor, facilities["east"], "もっと古い合唱団の相談",
                   held_on=TODAY - timedelta(days=500))
    monkeypatch.setattr(db, "backend", dataclasses.replace(db.backend, scan_window=3))
    assert ids(db, actor, text="合唱団") == [old.id, older.id]
    assert every_page(db, actor, ConsultationFilter(text="相談"), limit=4) == ids(db, actor)


def test_other_facilities_are_never_listed_or_searched(
        db, accounts_by_login, facilities) -> None:  # type: ignore[no-untyped-def]
    advisor, staff = accounts_by_login["advisor"], accounts_by_login["staff"]
    salon = record(db, advisor, facilities["salon"], "サロンでの合唱団の相談")
    record(db, staff, facilities["east"], "東部での合唱団の相談")
    assert ids(db, advisor, text="合唱団") == [salon.id]
    assert count_consultations(db, advisor, ConsultationFilter(text="合唱団")) == 1
    with pytest.raises(PermissionDenied):
        list_consultations(db, advisor, ConsultationFilter(facility_id=facilities["east"]))


def test_the_administrator_counts_but_sees_no_personal_field(
        db, actor, admin, facilities) -> None:  # type: ignore[no-untyped-def]
    person = contacts.create_contact(db, actor, contacts.ContactDraft(
        kind=contacts.ContactKind.PERSON, name="鈴木 次郎", reading="すずき じろう"))
    named = record(db, actor, facilities["east"], "借金の相談", consultee_contact_id=person.id)
    anonymous = record(db, actor, facilities["east"], "匿名の相談", anonymous=True)

    page = list_consultations(db, admin)
    assert page.masked
    rows = {r.id: r for r in page.rows}
    assert rows[named.id].consultee_name == MASKED
    assert rows[named.id].consultee_contact_id is None
    assert rows[named.id].asked_summary == MASKED
    assert rows[anonymous.id].consultee_name == "匿名"
    assert rows[named.id].facility_name and rows[named.id].held_on == named.held_on
    assert count_consultations(db, admin) == 2
    with pytest.raises(UserError, match="件数のみの権限"):
        list_consultations(db, admin, ConsultationFilter(text="借金"))
    assert not list_consultations(db, actor).masked


def test_the_follow_up_plan_is_listed_and_masked_for_counting(
        db, actor, admin, facilities) -> None:  # type: ignore[no-untyped-def]
    plan = "定款・設立書類の準備状況を電話で確認"
    planned = record(db, actor, facilities["east"], "NPO法人化の相談",
                     follow_up_due=TODAY + timedelta(days=14), follow_up_plan=plan)
    plain = record(db, actor, facilities["east"], "施設の問い合わせ")
    mine = list_consultations(db, actor, my_follow_ups_filter(actor),
                              sort=ConsultationSort.FOLLOW_UP).rows
    assert [(r.id, r.follow_up_plan) for r in mine] == [(planned.id, plan)]
    counted = {r.id: r.follow_up_plan for r in list_consultations(db, admin).rows}
    assert counted == {planned.id: MASKED, plain.id: ""}


def test_my_follow_ups_put_the_overdue_first_and_are_counted(
        db, actor, accounts_by_login, facilities) -> None:  # type: ignore[no-untyped-def]
    east = facilities["east"]
    week_ago = TODAY - timedelta(days=7)
    due_soon = record(db, actor, east, "来週までに連絡", follow_up_due=TODAY + timedelta(days=3))
    overdue = record(db, actor, east, "期限切れ", held_on=week_ago,
                     follow_up_due=TODAY - timedelta(days=2))
    due_today = record(db, actor, east, "今日が期限", held_on=week_ago, follow_up_due=TODAY)
    record(db, actor, east, "済んだ", follow_up_due=TODAY - timedelta(days=1) + timedelta(days=1),
           status=ConsultationStatus.DONE)
    record(db, actor, east, "フォロー不要")
    record(db, accounts_by_login["officer"], east, "他の人のフォロー", follow_up_due=TODAY)

    mine = my_follow_ups_filter(actor)
    assert ids(db, actor, sort=ConsultationSort.FOLLOW_UP, **dataclasses.asdict(mine)) == [
        overdue.id, due_today.id, due_soon.id]
    assert ids(db, actor, overdue_on=TODAY) == [overdue.id]
    assert follow_up_counts(db, actor, TODAY) == FollowUpCounts(open=3, overdue=1)
    assert follow_up_counts(db, accounts_by_login["officer"], TODAY) == FollowUpCounts(1, 0)
    assert follow_up_counts(db, accounts_by_login["staff_west"], TODAY) == FollowUpCounts(0, 0)


def test_returning_consultees_are_told_from_new_ones(db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    person = contacts.create_contact(db, actor, contacts.ContactDraft(
        kind=contacts.ContactKind.PERSON, name="高橋 三郎", reading="たかはし さぶろう"))
    first = record(db, actor, facilities["east"], "初回", consultee_contact_id=person.id,
                   held_on=TODAY - timedelta(days=30))
    again = record(db, actor, facilities["east"], "二回目", consultee_contact_id=person.id)
    anonymous = record(db, actor, facilities["east"], "匿名", anonymous=True)
    with db.reading(None) as session:
        from kyodo_desk.models import Consultation

        returning = {c.id: c.returning_consultee for c in session.query(Consultation)}
    assert returning == {first.id: False, again.id: True, anonymous.id: None}


def test_a_page_can_start_at_any_offset(db, actor, facilities) -> None:  # type: ignore[no-untyped-def]
    for days_ago in range(1, 8):
        record(db, actor, facilities["east"], f"{days_ago}日前の相談",
               held_on=TODAY - timedelta(days=days_ago))
    everything = ids(db, actor)
    for where in (None, ConsultationFilter(text="相談")):
        page = list_consultations(db, actor, where, offset=3, limit=2)
        assert [r.id for r in page.rows] == everything[3:5]
        rest = list_consultations(db, actor, where, after=page.next_key, limit=10)
        assert [r.id for r in rest.rows] == everything[5:]
