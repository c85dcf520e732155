"""地域 as the screens offer it: a record's choice box (（未設定）, the seven districts, 市外)
and a list's filter (すべての地域, the districts, 市外, 未設定)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from kyodo_desk.domain.labels import DISTRICT_CHOICES
from kyodo_desk.ui.widgets import filter_combo

UNSET = "（未設定）"


def district_combo(object_name: str = "district", unset_label: str = UNSET) -> QComboBox:
    """A record's 地域: *unset_label* stands for "" (nothing chosen)."""
    combo = QComboBox()
    combo.setObjectName(object_name)
    combo.addItem(unset_label, "")
    for district in DISTRICT_CHOICES:
        combo.addItem(district, district)
    # As wide as its longest choice and the arrow: Qt's own hint cut 「（未設定）」 short.
    widest = max(combo.fontMetrics().horizontalAdvance(combo.itemText(i))
                 for i in range(combo.count()))
    combo.setMinimumWidth(widest + 48)
    return combo


def choose_district(combo: QComboBox, district: str) -> None:
    """Show *district* in *combo*; a value the list no longer has shows as it was kept."""
    index = combo.findData(district)
    if index < 0:
        combo.addItem(district, district)
        index = combo.count() - 1
    combo.setCurrentIndex(index)


def district_filter() -> QComboBox:
    """A list's 地域 filter: its data is None (every record), a district, or "" (未設定)."""
    return filter_combo("district", [("すべての地域", None),
                                     *((d, d) for d in DISTRICT_CHOICES),
                                     ("地域未設定", "")])
