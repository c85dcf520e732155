"""相談の分野: the administrator keeps the list; nobody else may; nothing filed is lost."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kyodo_desk.domain.errors import ValidationError
from kyodo_desk.domain.permissions import PermissionDenied
from kyodo_desk.services import consultations
from kyodo_desk.services.consultations import ConsultationDraft, topics


def names(db, actor, **kw) -> list[str]:  # type: ignore[no-untyped-def]
    return [t.name for t in topics.list_topics(db, actor, **kw)]


def test_the_administrator_adds_renames_orders_and_retires(db, admin, actor) -> None:  # type: ignore[no-untyped-def]
    added = topics.add_topic(db, admin, "  子育て支援 ")
    assert added.name == "子育て支援"
    assert names(db, actor)[-1] == "子育て支援"
    topics.move_topic(db, admin, added.id, -1)
    assert names(db, actor)[-2:] == ["子育て支援", "その他"]
    topics.move_topic(db, admin, added.id, -100)
    assert names(db, actor)[0] == "子育て支援"
    topics.rename_topic(db, admin, added.id, "子育て・教育")
    topics.set_topic_active(db, admin, added.id, False)
    assert "子育て・教育" not in names(db, actor)
    assert "子育て・教育" in names(db, actor, include_inactive=True)
    topics.set_topic_active(db, admin, added.id, True)
    assert names(db, actor)[0] == "子育て・教育"


def test_a_retired_topic_stays_on_the_records_filed_under_it(db, admin, actor) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.services.contacts import list_facilities

    east = next(f.id for f in list_facilities(db, actor) if f.code == "east")
    topic = topics.add_topic(db, admin, "空き家活用")
    made = consultations.create_consultation(db, actor, ConsultationDraft(
        held_on=date.today() - timedelta(days=1), facility_id=east, asked="空き家の相談",
        topic_ids=(topic.id,), anonymous=True))
    topics.set_topic_active(db, admin, topic.id, False)
    topics.rename_topic(db, admin, topic.id, "空き家・空き地")
    assert [t.name for t in consultations.get_consultation(db, actor, made.id).topics] == [
        "空き家・空き地"]


def test_names_are_checked_and_only_the_administrator_may_change_the_list(db, admin, actor) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="分野の名前"):
        topics.add_topic(db, admin, "   ")
    with pytest.raises(ValidationError, match="もうあります"):
        topics.add_topic(db, admin, "広報・PR")
    with pytest.raises(ValidationError, match="30文字"):
        topics.add_topic(db, admin, "あ" * 31)
    with pytest.raises(PermissionDenied):
        topics.add_topic(db, actor, "勝手な分野")
    first = topics.list_topics(db, actor)[0]
    with pytest.raises(PermissionDenied):
        topics.rename_topic(db, actor, first.id, "変更")
    assert names(db, actor)[0] == "団体設立"
