"""印刷物 tab: the leaflet appears as pages on screen, and is saved and printed as it looks."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QThreadPool
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QMainWindow, QMessageBox

from kyodo_desk import leaflets
from kyodo_desk.domain.errors import ConnectionLost
from kyodo_desk.ui import pdf_output
from kyodo_desk.ui.leaflets_tab import LeafletsTab
from kyodo_desk.ui.tasks import pending_jobs


def settle(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Every background result delivered (or dropped)."""
    QThreadPool.globalInstance().waitForDone()
    qtbot.waitUntil(lambda: pending_jobs() == 0)


def test_choosing_a_leaflet_shows_its_pages_and_saves_the_same_pdf(
        qtbot, db, actor, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    tab = LeafletsTab(db, actor)
    qtbot.addWidget(tab)
    names = [tab.choices.item(i).data(0x0100).name for i in range(tab.choices.count())]
    assert names == [info.name for info in leaflets.catalog()]
    with qtbot.waitSignal(tab.rendered) as shown:
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
    monkeypatch.setattr(pdf_output, "show_error", lambda _parent, exc: shown.append(exc.message))
    folder = tmp_path / "印刷物"
    folder.mkdir()
    tab.save_pdf(folder)
    assert folder.is_dir() and len(shown) == 1 and str(folder) in shown[0]

    with qtbot.waitSignal(tab.rendered) as shown:
        tab.choices.setCurrentRow(1)
    assert shown.args == [leaflets.catalog()[1].name]
    assert tab.document.pageCount() == leaflets.catalog()[1].pages
    tab.grab().save(str(tmp_path / "leaflets-tab.png"))


def test_printing_sends_every_page(qtbot, db, actor, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tab = LeafletsTab(db, actor)
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.rendered):
        tab.show()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    tab.print_to(printer)
    printed = (tmp_path / "printed.pdf").read_bytes()
    assert printed.startswith(b"%PDF") and printed.count(b"/Type /Page\n") + printed.count(
        b"/Type /Page ") + printed.count(b"/Type/Page") >= 1


def test_only_the_leaflet_chosen_last_is_shown(qtbot, db, actor) -> None:  # type: ignore[no-untyped-def]
    tab = LeafletsTab(db, actor)
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.rendered):
        tab.show()
    shown: list[str] = []
    tab.rendered.connect(shown.append)
    last = leaflets.catalog()[2]
    tab.choices.setCurrentRow(1)  # passed over on the way down the list
    tab.choices.setCurrentRow(2)
    qtbot.waitUntil(lambda: bool(shown))
    settle(qtbot)
    assert shown == [last.name]  # the leaflet passed over never replaced it
    assert tab.info.text().startswith(last.title)
    assert tab.document.pageCount() == last.pages


def test_a_lost_connection_while_making_a_leaflet_is_told_in_the_status_bar(
        qtbot, db, actor, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    boxes: list[str] = []
    for kind in ("warning", "critical"):
        monkeypatch.setattr(QMessageBox, kind,
                            lambda _p, _t, text, *_a, **_k: boxes.append(text))

    def lost(*_a, **_k) -> bytes:  # type: ignore[no-untyped-def]
        raise ConnectionLost("データベースに接続できません。")

    monkeypatch.setattr(leaflets, "render", lost)
    window = QMainWindow()
    qtbot.addWidget(window)
    tab = LeafletsTab(db, actor)
    window.setCentralWidget(tab)
    window.show()
    qtbot.waitUntil(lambda: "作成できませんでした" in tab.info.text())
    assert tab.info.text() == f"「{leaflets.catalog()[0].title}」を作成できませんでした。"
    assert window.statusBar().currentMessage() == "データベースに接続できません。"
    assert boxes == []  # no dialog to dismiss at the counter
    assert not tab.save_button.isEnabled() and not tab.print_button.isEnabled()
