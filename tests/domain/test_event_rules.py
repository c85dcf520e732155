"""The waitlist and receipt-code rules (pure Python): who moves up, and what a scan says."""

from __future__ import annotations

from datetime import date

from kyodo_desk.domain.events import (
    QueueRule,
    TicketCode,
    Waiting,
    may_confirm_at_once,
    parse_ticket_code,
    plan_promotions,
    signup_window_problem,
)
from kyodo_desk.domain.text import fold

QUEUE = [Waiting(1, 3), Waiting(2, 1), Waiting(3, 2)]


def test_strict_order_keeps_a_party_of_three_waiting_at_the_head_when_two_seats_are_free() -> None:
    plan = plan_promotions(2, QUEUE, QueueRule.STRICT)
    assert plan.promoted == ()
    assert "3名の組" in plan.reason and "空き2席" in plan.reason


def test_first_fit_moves_up_the_parties_behind_that_fit() -> None:
    plan = plan_promotions(2, QUEUE, QueueRule.FIRST_FIT)
    assert plan.promoted == (2,)
    assert "残る2組" in plan.reason
    assert plan_promotions(3, QUEUE, QueueRule.FIRST_FIT).promoted == (1,)


def test_strict_order_moves_up_in_order_until_the_next_does_not_fit() -> None:
    assert plan_promotions(4, QUEUE, QueueRule.STRICT).promoted == (1, 2)
    everyone = plan_promotions(6, QUEUE, QueueRule.STRICT)
    assert everyone.promoted == (1, 2, 3) and "全員" in everyone.reason


def test_no_capacity_limit_moves_everyone_up_and_an_empty_queue_says_so() -> None:
    assert plan_promotions(None, QUEUE, QueueRule.STRICT).promoted == (1, 2, 3)
    assert plan_promotions(5, [], QueueRule.STRICT).reason == "キャンセル待ちの方はいません。"


def test_a_new_party_never_passes_the_queue_under_strict_order() -> None:
    assert may_confirm_at_once(10, 5, 1, 0, QueueRule.STRICT)
    assert not may_confirm_at_once(10, 5, 1, 1, QueueRule.STRICT)
    assert may_confirm_at_once(10, 5, 1, 1, QueueRule.FIRST_FIT)
    assert not may_confirm_at_once(10, 9, 2, 0, QueueRule.FIRST_FIT)
    assert may_confirm_at_once(None, 500, 50, 3, QueueRule.STRICT)


def test_the_sign_up_window_is_said_with_dates_as_a_person_reads_them() -> None:
    opens, closes = date(2026, 11, 27), date(2026, 12, 4)
    assert signup_window_problem(opens, closes, date(2026, 11, 20)) == "受付開始は2026年11月27日です。"
    assert signup_window_problem(opens, closes, date(2026, 12, 5)) == "受付は2026年12月4日で締め切りました。"


def test_a_receipt_code_reads_back_even_when_typed_through_a_full_width_ime() -> None:
    code = TicketCode(12, 345, "Ab3_x-9QzTkL")
    assert parse_ticket_code(code.text()) == code
    full_width = code.text().translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    assert parse_ticket_code(f" {full_width}\n") == code


def test_made_up_and_foreign_codes_are_not_receipt_codes() -> None:
    for scanned in ("", "4901234567894", "KYODO-EV:1:2", "KYODO-EV:a:2:abcdefgh",
                    "OTHER:1:2:abcdefghij", "KYODO-EV:1:2:short"):
        assert parse_ticket_code(scanned) is None


def test_a_long_vowel_before_digits_stays_a_long_vowel() -> None:
    assert fold("セミナー2026") == "せみなー2026"
    assert fold("018ー888ー5640") == "0188885640"
