"""Shrink to fit: build a leaflet; if it needs more pages than allowed, build it again with
the type scale reduced a step, down to SMALLEST; past that, LeafletDoesNotFit.

A build stops as soon as it starts a page beyond the allowance, so a hopeless attempt (200
facilities on one page) costs little. A flowable too big for any page (ReportLab's
LayoutError) counts as not fitting at that scale.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate
from reportlab.platypus.doctemplate import LayoutError

from kyodo_desk import __version__
from kyodo_desk.leaflets import LeafletDoesNotFit, LeafletInfo
from kyodo_desk.leaflets.style import (
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    PAGE_SIZE,
    Kit,
)

log = logging.getLogger(__name__)

SCALES: tuple[float, ...] = (1.0, 0.95, 0.9, 0.85, 0.8, 0.75)
SMALLEST = SCALES[-1]

# The scale that fitted, per leaflet and input: the same data renders again in one build.
_fitted: dict[tuple[str, Hashable], float] = {}
_fitted_lock = threading.Lock()

Compose = Callable[[Kit], Sequence[Flowable]]
Decorate = Callable[[Kit], Callable[[Any, Any], None]]
# Draws on a page once the whole document is laid out: (canvas, page number, pages).
Finish = Callable[[Kit], Callable[[Any, int, int], None]]


class _Overflow(Exception):
    """Raised inside a build when it starts a page beyond the allowance."""


class _LeafletDoc(BaseDocTemplate):
    def __init__(self, target: io.BytesIO, *, max_pages: int, font: str,
                 on_page: Callable[[Any, Any], None], **meta: Any) -> None:
        super().__init__(
            target, pagesize=PAGE_SIZE, leftMargin=MARGIN_X, rightMargin=MARGIN_X,
            topMargin=MARGIN_TOP, bottomMargin=MARGIN_BOTTOM, initialFontName=font,
            initialFontSize=9, creator=f"協働デスク {__version__}", lang="ja-JP",
            displayDocTitle=True, **meta,
        )
        self.max_pages = max_pages
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height,
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="body")
        self.addPageTemplates([PageTemplate("page", frames=[frame], onPage=self._page)])
        self._decorate = on_page

    def _page(self, canvas: Any, doc: Any) -> None:
        if self.page > self.max_pages:
            raise _Overflow
        self._decorate(canvas, doc)


def _finishing(draw: Callable[[Any, int, int], None]) -> type[Canvas]:
    """A canvas that holds its pages until the document ends, then lets *draw* add to each
    what only the whole document tells (page numbers counted per session: 「第2回 2/3」)."""

    class Finishing(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            held = self._held
            for number, state in enumerate(held, start=1):
                self.__dict__.update(state)
                draw(self, number, len(held))
                super().showPage()
            super().save()

    return Finishing


def build(info: LeafletInfo, compose: Compose, *, subject: str = "",
          decorate: Decorate | None = None, scales: Sequence[float] = SCALES,
          data_key: Hashable | None = None, finish: Finish | None = None) -> bytes:
    """The PDF of the story *compose* makes, at the largest scale that fits info.pages.

    *decorate* draws on every page (default: a footer with the title); a staff print's
    footer says 取扱注意. *finish* draws on every page again once all are laid out (what
    depends on the pages that follow). *data_key* stands for everything the story is made
    from; given, the scale found is remembered, and the same data is built again at once at
    that scale.
    """
    memo = (info.name, data_key) if data_key is not None else None
    known = _fitted.get(memo) if memo is not None else None
    if known is not None and known in scales:
        scales = [known, *(s for s in scales if s < known)]
    for scale in scales:
        kit = Kit(scale, staff_only=info.staff_only)
        story = list(compose(kit))
        target = io.BytesIO()
        doc = _LeafletDoc(
            target, max_pages=info.pages, font=kit.font,
            on_page=decorate(kit) if decorate is not None else kit.footer(info.title),
            title=info.title, author="秋田市", subject=subject or info.description,
        )
        try:
            if finish is not None:
                doc.build(story, canvasmaker=_finishing(finish(kit)))
            else:
                doc.build(story)
        except _Overflow:
            log.debug("%s: more than %d pages at scale %.2f", info.name, info.pages, scale)
            continue
        except LayoutError as exc:
            log.debug("%s: does not fit at scale %.2f: %s", info.name, scale, exc)
            continue
        if doc.page <= info.pages:
            if memo is not None:
                with _fitted_lock:
                    if len(_fitted) > 256:
                        _fitted.clear()
                    _fitted[memo] = scale
            return target.getvalue()
    raise LeafletDoesNotFit(info, scales[-1])
