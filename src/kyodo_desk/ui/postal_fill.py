"""Typing a 〒 fills the address (郵便番号から住所), the same in every form with the two boxes."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit

from kyodo_desk.domain.postal import address_for


def fill_address_from_postal_code(postal_box: QLineEdit, address_box: QLineEdit) -> None:
    """Once the clerk has typed a whole code in *postal_box*, *address_box* gets its address
    (domain/postal.py) if it is empty or still holds what the last code filled: an address
    the clerk typed or finished is never overwritten.

    Only typing counts (textEdited): a record or draft shown in the form keeps its address.
    The lookup runs on the GUI thread: 1–2 ms, the first included (domain/postal.py).
    """
    filled = ""

    def typed(text: str) -> None:
        nonlocal filled
        address = address_for(text)
        if address is None or address_box.text() not in ("", filled):
            return
        filled = address
        address_box.setText(address)

    postal_box.textEdited.connect(typed)


def fill_address_from_code_typed_in(address_box: QLineEdit) -> None:
    """For an address box with no 〒 box beside it (an event's venue): a whole postal code typed
    as the address (「010-0041」, 「〒0100041」) becomes its address, for the clerk to finish
    with the street number. Anything else typed there is left as it is."""

    def typed(text: str) -> None:
        code = text.strip().removeprefix("〒").strip()
        if not code or not code[0].isdigit():
            return
        address = address_for(code)
        if address is not None:
            address_box.setText(address)

    address_box.textEdited.connect(typed)
