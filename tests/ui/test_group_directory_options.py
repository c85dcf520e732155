"""市民活動団体一覧 in the 印刷物 tab: its 並べ方 and 地域 remake the preview, and the same list
is saved as a spreadsheet from there."""

from __future__ import annotations

import csv
from pathlib import Path

from PySide6.QtCore import Qt

from kyodo_desk.ui.group_directory_options import LEAFLET
from tests.group_directory_fixtures import AOZORA, KAWABE, directory
from tests.leaflets import flat, text_of

SHOTS = Path("/tmp/shots")


def page_painted(view) -> bool:  # type: ignore[no-untyped-def]
    """Whether the preview shows a page with something printed on it (the title band's
    colour), not a blank sheet."""
    image = view.grab().toImage()
    band = {image.pixelColor(x, y).name() for x in range(0, image.width(), 4)
            for y in range(0, min(image.height(), 200), 4)}
    return any(colour.startswith("#1") for colour in band)  # the band's #1B6B8F


def choose_directory(qtbot, window):  # type: ignore[no-untyped-def]
    tab = window.leaflets
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.current() is not None and bool(tab.pdf))
    row = next(i for i in range(tab.choices.count())
               if tab.choices.item(i).data(Qt.ItemDataRole.UserRole).name == LEAFLET)
    with qtbot.waitSignal(tab.rendered, check_params_cb=lambda name: name == LEAFLET):
        tab.choices.setCurrentRow(row)
    return tab


def test_choosing_a_district_and_order_remakes_the_preview(  # type: ignore[no-untyped-def]
        qtbot, db, actor, main_window, tmp_path: Path) -> None:
    directory(db)
    window = main_window(actor)
    assert not window.leaflets.directory_options.isVisibleTo(window.leaflets)
    tab = choose_directory(qtbot, window)
    options = tab.directory_options
    assert options.isVisible()
    shown = flat(text_of(tab.pdf, tmp_path))
    assert AOZORA in shown and KAWABE in shown and "活動分野別" in shown
    with qtbot.waitSignal(tab.rendered):
        options.district.setCurrentIndex(options.district.findText("東部"))
    with qtbot.waitSignal(tab.rendered):
        options.by.setCurrentIndex(options.by.findText("地域別"))
    shown = flat(text_of(tab.pdf, tmp_path))
    assert KAWABE in shown and AOZORA not in shown and "東部地域（1団体）" in shown
    assert tab.info.text().startswith("市民活動団体一覧　A4 1 ページ")
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: page_painted(tab.view))  # the preview draws its pages later
    assert window.grab().save(str(SHOTS / "group_directory_tab.png"))
    # Another leaflet chosen: the directory's choices go away with it.
    with qtbot.waitSignal(tab.rendered):
        tab.choices.setCurrentRow(0)
    assert not options.isVisible()


def test_the_list_is_saved_for_the_district_chosen(  # type: ignore[no-untyped-def]
        qtbot, db, actor, main_window, tmp_path: Path) -> None:
    directory(db)
    window = main_window(actor)
    tab = choose_directory(qtbot, window)
    options = tab.directory_options
    with qtbot.waitSignal(tab.rendered):
        options.district.setCurrentIndex(options.district.findText("中央"))
    target = tmp_path / "団体一覧.csv"
    with qtbot.waitSignal(options.exported):
        options.export(target)
    with target.open(encoding="utf-8-sig", newline="") as f:
        assert [r["団体名"] for r in csv.DictReader(f)] == [AOZORA]
    assert window.statusBar().currentMessage() == (
        f"1 団体の市民活動団体一覧を「{target}」に書き出しました。")
    assert options.export_button.isEnabled()
