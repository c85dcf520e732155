"""The leaflets' cache (render_cache.py): the font's parse and public QR codes, read back as
they were made; a ticket's code never kept; a broken entry ignored."""

from __future__ import annotations

from pathlib import Path

from reportlab.pdfbase.ttfonts import TTFont

from kyodo_desk import paths
from kyodo_desk.leaflets import fonts, render_cache
from kyodo_desk.leaflets.style import qr_modules


def _entries() -> list[Path]:
    folder = render_cache.cache_dir()
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_the_cached_font_is_the_parsed_font() -> None:
    parsed = fonts.load_font(paths.font_path())  # no entry yet: parsed, and kept
    assert [p.name[:5] for p in _entries()] == ["font-"]
    cached = fonts.load_font(paths.font_path())
    fresh = TTFont(fonts.FONT_NAME, str(paths.font_path()))
    for font in (parsed, cached):
        assert {k: v for k, v in vars(font).items() if k not in ("face", "encoding", "state")} \
            == {k: v for k, v in vars(fresh).items() if k not in ("face", "encoding", "state")}
        face = {k: v for k, v in vars(font.face).items() if k != "_pdfScale"}
        assert face == {k: v for k, v in vars(fresh.face).items() if k != "_pdfScale"}
        assert [font.face._pdfScale(v) for v in (0, 1, 2048, -37)] == \
            [fresh.face._pdfScale(v) for v in (0, 1, 2048, -37)]


def test_a_broken_entry_is_parsed_again() -> None:
    fonts.load_font(paths.font_path())
    (entry,) = _entries()
    entry.write_bytes(b"\x00 not marshal")
    font = fonts.load_font(paths.font_path())
    assert font.face.charWidths == TTFont(fonts.FONT_NAME, str(paths.font_path())).face.charWidths


def test_public_codes_are_kept_and_tickets_never() -> None:
    made = qr_modules.__wrapped__("https://example.jp/salon", public=True)
    assert [p.name[:3] for p in _entries()] == ["qr-"]
    assert qr_modules.__wrapped__("https://example.jp/salon", public=True) == made
    qr_modules.__wrapped__("KYODO-TICKET-123456", public=False)
    assert len(_entries()) == 1
    assert made == qr_modules.__wrapped__("https://example.jp/salon")  # the same code
