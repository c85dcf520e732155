"""The public API the window and the command line use: the catalogue, `render`, the errors, and
a package that stays light to import and free of Qt."""

from __future__ import annotations

import ast
import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from kyodo_desk import leaflets
from kyodo_desk.domain.errors import UserError
from kyodo_desk.leaflets import LeafletDoesNotFit, LeafletInfo

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "kyodo_desk" / "leaflets"


def test_the_catalogue_lists_the_three_leaflets_in_order() -> None:
    infos = leaflets.catalog()
    assert [i.name for i in infos] == ["facility-guide", "summary-edition", "consultation-desk",
                                       "consultation-report", "group-directory"]
    assert [i.pages for i in infos][:4] == [1, 2, 1, 1]  # the directory: as many as it needs
    assert all(isinstance(i, LeafletInfo) and i.title and i.description for i in infos)
    with pytest.raises(dataclasses.FrozenInstanceError):
        infos[0].pages = 3  # type: ignore[misc]


def test_an_unknown_name_is_a_japanese_user_error_listing_the_names() -> None:
    with pytest.raises(UserError) as caught:
        leaflets.render("flyer", None, None)  # type: ignore[arg-type]
    assert not isinstance(caught.value, KeyError)
    message = str(caught.value)
    assert "「flyer」" in message
    for info in leaflets.catalog():
        assert info.name in message


def test_does_not_fit_is_a_user_error_naming_the_leaflet() -> None:
    info = leaflets.catalog()[0]
    error = LeafletDoesNotFit(info, 0.75)
    assert isinstance(error, UserError)
    assert f"「{info.title}」" in error.message and "A4判1枚" in error.message
    assert error.info is info


def test_importing_the_package_loads_neither_reportlab_nor_qt() -> None:
    code = ("import sys, kyodo_desk.leaflets as l; l.catalog(); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'reportlab', 'PySide6', "
            "'sqlalchemy'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def test_leaflets_import_neither_qt_nor_the_ui() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.name}: {n}" for n in names
                          if n.startswith(("PySide6", "shiboken6", "kyodo_desk.ui"))]
    assert offenders == []


def test_the_font_is_registered_once_per_process() -> None:
    from reportlab.pdfbase import pdfmetrics

    from kyodo_desk.leaflets import fonts

    name = fonts.ensure_registered()
    first = pdfmetrics.getFont(name)
    assert fonts.ensure_registered() == name
    assert pdfmetrics.getFont(name) is first
