"""A number box keeps what was typed, or says why it cannot be stored (ui/number_box.py)."""

from __future__ import annotations

from kyodo_desk.ui.number_box import NumberBox
from tests.ui.conftest import type_text


def test_what_is_typed_stays_and_is_read_exactly(qtbot) -> None:  # type: ignore[no-untyped-def]
    box = NumberBox("capacity", "定員", lowest=1, highest=100_000, unit="名", optional=True,
                    empty_text="定員なし")
    qtbot.addWidget(box)
    type_text(qtbot, box, "100000")
    assert box.text() == "100000" and box.number() == 100_000  # no digit cut off
    box.clear()
    assert box.number() is None and box.placeholderText() == "定員なし"


def test_a_decimal_or_a_zero_is_refused_with_the_field_named_never_changed(qtbot) -> None:  # type: ignore[no-untyped-def]
    fee = NumberBox("fee", "参加費", lowest=0, highest=1_000_000, unit="円")
    party = NumberBox("party_size", "人数", lowest=1, highest=50, unit="名")
    for box in (fee, party):
        qtbot.addWidget(box)
    type_text(qtbot, fee, "1500.5")
    type_text(qtbot, party, "0")
    assert fee.text() == "1500.5" and party.text() == "0"
    fee_problem, party_problem = fee.problem(), party.problem()
    assert fee_problem is not None and fee_problem.field == "fee"
    assert "参加費は整数" in fee_problem.message
    assert party_problem is not None and "人数は1〜50名の範囲" in party_problem.message
    party.clear()
    type_text(qtbot, party, "500")
    assert party.text() == "500" and "範囲" in party.problem().message  # type: ignore[union-attr]


def test_a_box_for_a_column_refuses_what_the_service_would(qtbot) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.domain.bounds import FIELD_BOUNDS, MAX_CAPACITY

    box = NumberBox.for_column("events", "capacity", unit="名", optional=True)
    qtbot.addWidget(box)
    assert box.label == FIELD_BOUNDS["events"]["capacity"].label == "定員"
    box.setValue(MAX_CAPACITY)
    assert box.problem() is None
    box.setValue(MAX_CAPACITY + 1)
    assert f"1〜{MAX_CAPACITY:,}名の範囲" in box.problem().message  # type: ignore[union-attr]
