"""印刷物 tab: the leaflet appears as pages on screen, and is saved and printed as it looks."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtPrintSupport import QPrinter

from kyodo_desk import leaflets
from kyodo_desk.ui import leaflets_tab
from kyodo_desk.ui.leaflets_tab import LeafletsTab


def test_choosing_a_leaflet_shows_its_pages_and_saves_the_same_pdf(
        qtbot, db, actor, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    tab = LeafletsTab(db, actor)
    qtbot.addWidget(tab)
    names = [tab.choices.item(i).data(0x0100).name for i in range(tab.choices.count())]
    assert names == [info.name for info in leaflets.catalog()]
    with qtbot.waitSignal(tab.rendered, timeout=10_000) as shown:
        tab.show()
    assert shown.args == ["facility-guide"]
    assert tab.document.pageCount() == 1
    assert "A4 1 ページ" in tab.info.text()
    assert tab.save_button.isEnabled() and tab.print_button.isEnabled()

    target = tmp_path / "拠点施設.pdf"
    tab.save_pdf(target)
    assert target.read_bytes().startswith(b"%PDF") and target.read_bytes() == tab.pdf

    # A folder chosen by mistake is refused with its name, and stays a folder.
    shown: list[str] = []
    monkeypatch.setattr(leaflets_tab, "show_error", lambda _parent, exc: shown.append(exc.message))
    folder = tmp_path / "印刷物"
    folder.mkdir()
    tab.save_pdf(folder)
    assert folder.is_dir() and len(shown) == 1 and str(folder) in shown[0]

    with qtbot.waitSignal(tab.rendered, timeout=10_000) as shown:
        tab.choices.setCurrentRow(1)
    assert shown.args == [leaflets.catalog()[1].name]
    assert tab.document.pageCount() == leaflets.catalog()[1].pages
    tab.grab().save(str(tmp_path / "leaflets-tab.png"))


def test_printing_sends_every_page(qtbot, db, actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tab = LeafletsTab(db, actor)
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.rendered, timeout=10_000):
        tab.show()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    tab.print_to(printer)
    printed = (tmp_path / "printed.pdf").read_bytes()
    assert printed.startswith(b"%PDF") and printed.count(b"/Type /Page\n") + printed.count(
        b"/Type /Page ") + printed.count(b"/Type/Page") >= 1
