"""The bundled Japanese font (IPAexGothic), registered with ReportLab once per process.

Loading the 6 MB TrueType file costs 50–80 ms and is repeated for every new `TTFont`, so it
happens once, on first use, under a lock (leaflets are built off the GUI thread). ReportLab
embeds only the glyphs a document uses (a subset), so a leaflet prints the same everywhere.
IPAexGothic has one weight: <b> and <i> map to the same face; emphasis is drawn instead
(see style.Emphasis).
"""

from __future__ import annotations

import threading

from kyodo_desk import paths
from kyodo_desk.domain.errors import UserError

FONT_NAME = "IPAexGothic"

_lock = threading.Lock()
_registered = False


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
        from reportlab.pdfbase.ttfonts import TTFont

        if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
            path = paths.font_path()
            if not path.is_file():
                raise UserError(
                    f"印刷用の日本語フォント {path} が見つかりません。"
                    "協働デスクを入れ直してください。"
                )
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(path)))
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(FONT_NAME, bold, italic, FONT_NAME)
        _registered = True
    return FONT_NAME
