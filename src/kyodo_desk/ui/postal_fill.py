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
