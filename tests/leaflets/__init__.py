"""Leaflet tests read the PDFs back with poppler's tools (pdftotext, pdffonts, pdfinfo).

Without them the tests skip, except under CI, where .ci/run installs poppler-utils and a
missing tool is a failure.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

TOOLS = ("pdftotext", "pdffonts", "pdfinfo")


def need_poppler() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if not missing:
        return
    message = f"poppler-utils missing: {', '.join(missing)}"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI must have them: .ci/run installs poppler-utils)")
    pytest.skip(message)


def _run(tool: str, pdf: bytes, tmp_path: Path, *args: str) -> str:
    need_poppler()
    path = tmp_path / f"leaflet-{hashlib.sha1(pdf).hexdigest()[:12]}.pdf"
    if not path.exists():
        path.write_bytes(pdf)
    return subprocess.run([tool, *args, str(path), *(["-"] if tool == "pdftotext" else [])],
                          capture_output=True, text=True, check=True).stdout


def text_of(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text in reading order, as pdftotext gives it."""
    return _run("pdftotext", pdf, tmp_path, "-enc", "UTF-8")


def flat(text: str) -> str:
    """Text without any white space, so a phrase wrapped over lines still matches."""
    return re.sub(r"\s+", "", text)


def page_count(pdf: bytes, tmp_path: Path) -> int:
    info = _run("pdfinfo", pdf, tmp_path)
    return int(re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE).group(1))  # type: ignore[union-attr]


def fonts_of(pdf: bytes, tmp_path: Path) -> list[dict[str, str]]:
    """pdffonts' table: name, type and the emb/sub/uni columns, one dict per row."""
    lines = _run("pdffonts", pdf, tmp_path).splitlines()
    rows = []
    for line in lines[2:]:
        parts = line.split()
        if not parts:
            continue
        # name type [type...] encoding emb sub uni object ID
        rows.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4], "uni": parts[-3],
                     "line": line})
    return rows


def assert_fonts_embedded(pdf: bytes, tmp_path: Path) -> None:
    rows = fonts_of(pdf, tmp_path)
    assert rows, "the PDF lists no font at all"
    for row in rows:
        assert row["emb"] == "yes", f"font not embedded: {row['line']}"
        assert "Helvetica" not in row["name"], row["line"]
        assert row["name"].endswith("+IPAexGothic"), f"not the subset IPAexGothic: {row['line']}"


BAD_LINE_START = "、。」）・"
BAD_LINE_END = "「（"


def kinsoku_offences(text: str) -> list[str]:
    """Lines that start with 、。」）・ or end with 「（ (the Japanese line-breaking rules)."""
    return [line for line in text.splitlines()
            if line.strip() and (line.strip()[0] in BAD_LINE_START
                                 or line.strip()[-1] in BAD_LINE_END)]
