"""`kyodo-desk leaflet facility-guide` (and the other prints of the facilities alone) from a
quick read-only open: the same PDF as the full open makes, in a process that loads neither
SQLAlchemy nor the QR encoder once the leaflets' cache holds the font and the codes."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kyodo_desk import cli, leaflets
from kyodo_desk.database import open_database
from kyodo_desk.domain.dates import use_date_style
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services.date_style import DATE_STYLE_KEY, load_date_style

# What differs between two makings of the same PDF: the time it was made and its random ID.
_MADE = re.compile(rb"/(CreationDate|ModDate) \(D:[^)]*\)|/ID\s*\[<[0-9a-f]+><[0-9a-f]+>\]")

# The quick read is of the embedded database alone.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture(autouse=True)
def _date_style_as_it_was() -> Iterator[None]:
    yield
    use_date_style(None)


@pytest.mark.parametrize("name", leaflets.FACILITY_LEAFLETS)
def test_the_print_is_the_one_the_full_open_makes(database_url: str, tmp_path: Path,
                                                 name: str) -> None:
    db = open_database(database_url)
    try:
        from kyodo_desk.models import Setting

        with db.writing(Actor.command_line()) as session:  # not the default: must be read
            session.add(Setting(key=DATE_STYLE_KEY, value="西暦"))
        load_date_style(db, Actor.command_line())
        expected = leaflets.render(name, db, Actor.command_line())
    finally:
        db.dispose()
    use_date_style(None)
    target = tmp_path / "out.pdf"
    assert cli.main(["--database", database_url, "leaflet", name, "-o", str(target)]) == 0
    assert _MADE.sub(b"", target.read_bytes()) == _MADE.sub(b"", expected)


@SQLITE_ONLY
def test_a_fresh_process_loads_neither_sqlalchemy_nor_segno(database_url: str,
                                                           tmp_path: Path) -> None:
    code = ("import sys; from kyodo_desk.cli import main; "
            f"rc = main(['--database', {database_url!r}, 'leaflet', 'facility-guide', '-o', "
            f"{str(tmp_path / 'guide.pdf')!r}]); "
            "print(rc, sorted({m.split('.')[0] for m in sys.modules} & "
            "{'sqlalchemy', 'alembic', 'segno', 'psycopg', 'PySide6'}))")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.split("\n")[-2] for _ in range(2)]
    assert runs[0] == "0 ['segno']"  # the first print encodes the QR codes, and keeps them
    assert runs[1] == "0 []"
    assert (tmp_path / "guide.pdf").read_bytes().startswith(b"%PDF")
