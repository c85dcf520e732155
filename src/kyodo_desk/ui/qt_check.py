"""Before the window: can Qt show it on this Linux PC? (画面を開く前の確認)

Qt loads its X11 platform plugin (libqxcb.so) when QApplication is created; when a system
library the plugin needs is missing, Qt prints an English line that names the plugin (which
is installed) and aborts the process with exit 250, before any Python code can answer. So
the plugin is loaded here first: it costs nothing when it loads (Qt finds it loaded), and
when it does not, the loader (ldd) lists every library it lacks, which become the packages
to install, said in Japanese. Windows and macOS carry what Qt needs: nothing to check there.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

# A library Qt's X11 plugin needs → its package on Debian/Ubuntu and on Fedora/RHEL.
PACKAGES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb-xinput.so.0": ("libxcb-xinput0", "libxcb"),
    "libSM.so.6": ("libsm6", "libSM"),
    "libICE.so.6": ("libice6", "libICE"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libOpenGL.so.0": ("libopengl0", "libglvnd-opengl"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
}
README_SECTION = "README「Linux で画面が開かないとき」"

Loader = Callable[[Path], str | None]  # the plugin → None if it loads, else the loader's error
Lister = Callable[[Path], list[str]]  # the plugin → every library the system lacks
Connector = Callable[[str], bool]  # a DISPLAY → whether an X server answers there


def display_problem(environ: dict[str, str] | None = None, platform: str = sys.platform, *,
                    plugin: Path | None = None, load: Loader | None = None,
                    missing: Lister | None = None,
                    connect: Connector | None = None) -> str | None:
    """What keeps Qt from opening the window, in Japanese, or None when nothing does (and on
    any system but Linux, or when Qt is told to draw elsewhere than on X11)."""
    env = os.environ if environ is None else environ
    if not platform.startswith("linux"):
        return None
    chosen = env.get("QT_QPA_PLATFORM", "")
    if chosen and not chosen.startswith("xcb"):
        return None  # offscreen (tests), wayland, vnc …: not the X11 plugin
    if not chosen and env.get("WAYLAND_DISPLAY"):
        return None  # Qt may draw on Wayland; its own message is clear enough there
    plugin = plugin or _xcb_plugin()
    if plugin is None or not plugin.exists():
        return None  # a build without the plugin: Qt says which plugins it has
    failure = (load or _load)(plugin)
    if failure is not None:
        lacking = (missing or _missing_libraries)(plugin)
        return missing_libraries_message(lacking, failure)
    display = env.get("DISPLAY", "")
    if not display:
        return ("画面を開けません: 表示先（X11 のディスプレイ）がありません。デスクトップに"
                "ログインした状態で起動してください（リモートから使う場合は X11 の転送を"
                "有効にしてください。環境変数 DISPLAY）。")
    if not (connect or _answers)(display):  # Qt would abort in English ("could not connect")
        return (f"画面を開けません: 表示先（X11 のディスプレイ「{display}」）に接続できません。"
                "デスクトップにログインした状態で起動してください（リモートから使う場合は X11 の"
                "転送を確かめてください。環境変数 DISPLAY）。")
    return None


def _answers(display: str) -> bool:
    """Whether an X server accepts a connection at *display*, asked through libxcb (loaded
    with the plugin just before): the connection Qt would make, opened and closed."""
    import ctypes

    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return True  # cannot ask: let Qt try
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)
    try:
        return connection is not None and xcb.xcb_connection_has_error(connection) == 0
    finally:
        if connection is not None:
            xcb.xcb_disconnect(connection)


def missing_libraries_message(lacking: list[str], failure: str) -> str:
    """The libraries Qt lacks and the command that installs them, per system."""
    if not lacking:  # the loader could not list them: what it said is all there is
        return (f"画面を開けません: Qt の表示部品を読み込めません（{failure}）。\n"
                f"必要なシステムのパッケージは {README_SECTION} を見てください。")
    debian = sorted({PACKAGES.get(lib, (lib, lib))[0] for lib in lacking})
    fedora = sorted({PACKAGES.get(lib, (lib, lib))[1] for lib in lacking})
    return (
        "画面を開けません: 画面の表示（Qt の X11 用の部品）に必要なシステムのライブラリが"
        f"入っていません: {', '.join(lacking)}\n"
        "管理者の権限で次のパッケージを入れてから、もう一度起動してください:\n"
        f"  Debian・Ubuntu: sudo apt install {' '.join(debian)}\n"
        f"  Fedora・RHEL: sudo dnf install {' '.join(fedora)}\n"
        f"（{README_SECTION}。コマンド（kyodo-desk export など）は画面なしで使えます）")


def _xcb_plugin() -> Path | None:
    try:  # QtCore only: it needs none of the display's libraries
        from PySide6.QtCore import QLibraryInfo
    except ImportError:
        return None
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)
    return Path(folder) / "platforms" / "libqxcb.so"


def _load(plugin: Path) -> str | None:
    import ctypes

    try:
        ctypes.CDLL(str(plugin))
    except OSError as exc:
        return str(exc)
    return None


_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)


def _missing_libraries(plugin: Path) -> list[str]:
    """Every library the loader cannot find for *plugin* (ldd lists them all, also those of
    the libraries it needs), in the order ldd names them; [] when ldd cannot tell."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    try:
        listed = subprocess.run([ldd, str(plugin)], capture_output=True, text=True,
                                check=False).stdout
    except OSError:
        return []
    return list(dict.fromkeys(_NOT_FOUND.findall(listed)))
