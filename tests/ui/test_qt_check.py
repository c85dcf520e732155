"""When Qt cannot open the window on Linux, a Japanese message names the packages to install,
before Qt would abort with exit 250. The system's libraries are faked, never uninstalled."""

from __future__ import annotations

from pathlib import Path

import pytest

from kyodo_desk import cli
from kyodo_desk.ui import qt_check
from kyodo_desk.ui.qt_check import display_problem

X11 = {"DISPLAY": ":0"}
LDD_FAILURE = ("libxcb-icccm.so.4: cannot open shared object file: No such file or directory")


@pytest.fixture
def plugin(tmp_path: Path) -> Path:
    path = tmp_path / "platforms" / "libqxcb.so"
    path.parent.mkdir()
    path.write_bytes(b"")
    return path


def lacking(*libraries: str) -> qt_check.Lister:
    return lambda _plugin: list(libraries)


def test_missing_xcb_libraries_are_named_with_their_packages_per_system(plugin: Path) -> None:
    message = display_problem(X11, "linux", plugin=plugin, load=lambda _p: LDD_FAILURE,
                              missing=lacking("libxcb-icccm.so.4", "libxcb-keysyms.so.1"))
    assert message is not None
    assert message.splitlines() == [
        "画面を開けません: 画面の表示（Qt の X11 用の部品）に必要なシステムのライブラリが"
        "入っていません: libxcb-icccm.so.4, libxcb-keysyms.so.1",
        "管理者の権限で次のパッケージを入れてから、もう一度起動してください:",
        "  Debian・Ubuntu: sudo apt install libxcb-icccm4 libxcb-keysyms1",
        "  Fedora・RHEL: sudo dnf install xcb-util-keysyms xcb-util-wm",
        "（README「Linux で画面が開かないとき」。コマンド（kyodo-desk export など）は画面なしで"
        "使えます）",
    ]


def test_the_readme_has_the_section_the_message_names() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert "\n## Linux で画面が開かないとき\n" in readme
    for debian, fedora in (qt_check.PACKAGES["libxcb-icccm.so.4"],
                           qt_check.PACKAGES["libxcb-cursor.so.0"]):
        assert debian in readme and fedora in readme


def test_the_ldd_listing_is_read_for_every_missing_library(
        plugin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    listing = (f"\tlinux-vdso.so.1 (0x00007ffd)\n"
               f"\tlibQt6XcbQpa.so.6 => {plugin.parent}/libQt6XcbQpa.so.6 (0x00007f)\n"
               "\tlibxcb-cursor.so.0 => not found\n"
               "\tlibxcb-icccm.so.4 => not found\n"
               "\tlibxcb-cursor.so.0 => not found\n"
               "\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f)\n")

    class Done:
        stdout = listing

    monkeypatch.setattr(qt_check.shutil, "which", lambda _name: "/usr/bin/ldd")
    monkeypatch.setattr(qt_check.subprocess, "run", lambda *_a, **_k: Done())
    message = display_problem(X11, "linux", plugin=plugin, load=lambda _p: LDD_FAILURE)
    assert message is not None
    assert "入っていません: libxcb-cursor.so.0, libxcb-icccm.so.4\n" in message
    assert "sudo apt install libxcb-cursor0 libxcb-icccm4\n" in message
    assert "sudo dnf install xcb-util-cursor xcb-util-wm\n" in message


def test_without_ldd_the_loaders_own_words_are_kept(
        plugin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(qt_check.shutil, "which", lambda _name: None)
    message = display_problem(X11, "linux", plugin=plugin, load=lambda _p: LDD_FAILURE)
    assert message is not None
    assert message.startswith(f"画面を開けません: Qt の表示部品を読み込めません（{LDD_FAILURE}）")
    assert "README「Linux で画面が開かないとき」" in message


@pytest.mark.parametrize(("environ", "platform"), [
    (X11, "win32"),  # Windows carries what Qt needs
    (X11, "darwin"),
    ({"QT_QPA_PLATFORM": "offscreen"}, "linux"),
    ({"WAYLAND_DISPLAY": "wayland-0"}, "linux"),
])
def test_nothing_is_checked_where_the_x11_plugin_is_not_used(
        environ: dict[str, str], platform: str, plugin: Path) -> None:
    def never(_plugin: Path) -> str:
        raise AssertionError("the X11 plugin was loaded")

    assert display_problem(environ, platform, plugin=plugin, load=never) is None


def test_a_plugin_that_loads_with_a_display_is_no_problem(plugin: Path) -> None:
    assert display_problem(X11, "linux", plugin=plugin, load=lambda _p: None,
                           connect=lambda _d: True) is None
    assert display_problem({"QT_QPA_PLATFORM": "xcb", **X11}, "linux", plugin=plugin,
                           load=lambda _p: None, connect=lambda _d: True) is None


def test_no_display_is_said_in_japanese(plugin: Path) -> None:
    message = display_problem({}, "linux", plugin=plugin, load=lambda _p: None)
    assert message is not None and message.startswith("画面を開けません: 表示先")


def test_a_display_nobody_answers_at_is_said_in_japanese(plugin: Path) -> None:
    """Qt aborts in English ("could not connect to display"); the X server is asked first,
    for real: no server listens at display 4711 here."""
    assert not qt_check._answers(":4711")
    message = display_problem({"DISPLAY": ":4711"}, "linux", plugin=plugin,
                              load=lambda _p: None)
    assert message is not None
    assert message.startswith("画面を開けません: 表示先（X11 のディスプレイ「:4711」）に接続できません")


def test_the_loader_and_ldd_agree_on_the_installed_plugin() -> None:
    """No fake: the installed PySide6's plugin loads exactly when ldd finds nothing missing
    (on a machine with every library, no message; on one without, the libraries named)."""
    plugin = qt_check._xcb_plugin()
    assert plugin is not None and plugin.exists()
    failure, lacking = qt_check._load(plugin), qt_check._missing_libraries(plugin)
    assert (failure is None) == (lacking == []), (failure, lacking)
    assert (display_problem(X11, "linux", connect=lambda _d: True) is None) == (failure is None)


def test_the_command_prints_it_logs_it_and_exits_1_before_qt_starts(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        plugin: Path) -> None:
    from kyodo_desk import paths

    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(qt_check, "_xcb_plugin", lambda: plugin)
    monkeypatch.setattr(qt_check, "_load", lambda _p: LDD_FAILURE)
    monkeypatch.setattr(qt_check, "_missing_libraries", lacking("libxcb-keysyms.so.1"))
    monkeypatch.setattr("kyodo_desk.ui.app.run_gui", lambda *_a, **_k: pytest.fail("Qt started"))

    assert cli.main([]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert "libxcb-keysyms.so.1" in err and "sudo apt install libxcb-keysyms1" in err
    assert "sudo apt install libxcb-keysyms1" in paths.log_path().read_text(encoding="utf-8")
