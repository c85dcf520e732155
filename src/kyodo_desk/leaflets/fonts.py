"""The bundled Japanese font (IPAexGothic), registered with ReportLab once per process.

Parsing the 6 MB TrueType file (its tables of 12,000 characters' glyphs and widths) costs
100–150 ms, which a print made by a command in a fresh process would pay every time. The parse
is therefore kept in the leaflets' cache (render_cache.py), written the first time and read in
a few milliseconds afterwards; its entry is named after the font file's size and time and
ReportLab's version. Without a usable entry the font is parsed, as before.

Registration happens once, on first use, under a lock (leaflets are built off the GUI thread).
ReportLab embeds only the glyphs a document uses (a subset), so a leaflet prints the same
everywhere. IPAexGothic has one weight: <b> and <i> map to the same face; emphasis is drawn
instead (see style.Emphasis).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kyodo_desk import paths
from kyodo_desk.domain.errors import UserError
from kyodo_desk.leaflets import render_cache

if TYPE_CHECKING:
    from reportlab.pdfbase.ttfonts import TTFont

FONT_NAME = "IPAexGothic"

log = logging.getLogger(__name__)

_lock = threading.Lock()
_registered = False
# Not in the cache: the file's bytes (read again: the subset is cut from them) and the scale
# function ReportLab makes of unitsPerEm (made again by `_scale`).
_NOT_CACHED = ("_ttf_data", "_pdfScale")


def ensure_registered() -> str:
    """Register the font if this process has not yet; return its ReportLab name."""
    global _registered
    if _registered:
        return FONT_NAME
    with _lock:
        if _registered:
            return FONT_NAME
        from reportlab.lib.fonts import addMapping
        from reportlab.pdfbase import pdfmetrics

        if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
            path = paths.font_path()
            if not path.is_file():
                raise UserError(
                    f"印刷用の日本語フォント {path} が見つかりません。"
                    "協働デスクを入れ直してください。"
                )
            pdfmetrics.registerFont(load_font(path))
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(FONT_NAME, bold, italic, FONT_NAME)
        _registered = True
    return FONT_NAME


def load_font(path: Path) -> TTFont:
    """The TTFont of *path*, from the cache when it holds this file's parse (see above)."""
    import reportlab
    from reportlab.pdfbase.ttfonts import TTFont

    info = path.stat()
    name = render_cache.entry_name("font", path.resolve(), info.st_size, info.st_mtime_ns,
                                   reportlab.Version)
    cached = render_cache.read(name)
    if isinstance(cached, dict):
        try:
            return _font_from(cached, path)
        except Exception as exc:  # an entry of another layout: parse instead
            log.warning("font cache %s not usable (%s): parsing the font", name, exc)
    font = TTFont(FONT_NAME, str(path))
    render_cache.write(name, {k: v for k, v in vars(font.face).items() if k not in _NOT_CACHED})
    return font


def _font_from(face_state: dict[str, Any], path: Path) -> TTFont:
    """A TTFont as `TTFont(FONT_NAME, path)` makes it, its face's parse taken from the cache."""
    from fnmatch import fnmatch
    from weakref import WeakKeyDictionary

    from reportlab import rl_config
    from reportlab.pdfbase.ttfonts import TTEncoding, TTFont, TTFontFace

    face = TTFontFace.__new__(TTFontFace)
    face.__dict__.update(face_state)
    face._ttf_data = path.read_bytes()
    face._pdfScale = _scale(face.unitsPerEm)
    font = TTFont.__new__(TTFont)
    # What TTFont.__init__ sets beside the face (tests/leaflets/test_fonts.py compares them).
    font.fontName = FONT_NAME
    font.face = face
    font.encoding = TTEncoding()
    font.state = WeakKeyDictionary()
    font._asciiReadable = rl_config.ttfAsciiReadable
    font.shapable = not any(fnmatch(FONT_NAME, glob) for glob in rl_config.unShapedFontGlob)
    return font


def _scale(units_per_em: int) -> Callable[[float], float]:
    """ReportLab's font units → PDF's 1/1000 em, computed as TTFontFile.extractInfo does."""
    if units_per_em == 1000:
        return lambda x: x
    factor = 1000 / units_per_em
    return lambda x: x * factor
