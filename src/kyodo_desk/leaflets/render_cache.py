"""The leaflets' cache (印刷物のキャッシュ): results that cost a fresh process tens of
milliseconds and depend only on shipped files, kept in `cache/` of the data folder so that a
print made by a command (`kyodo-desk leaflet …`, a new process each time) does not pay again.

What is kept: the parse of the bundled font (fonts.py) and the QR codes of public web addresses
(style.qr_modules), never a person's data. Each entry's name carries everything its content
depends on, so a new font, library or Python makes new names rather than reading old content.
Entries are written with `marshal` (plain numbers, strings, tuples, lists and dicts; reading
one runs no code, unlike a pickle), whole or not at all. An entry that cannot be read or
written is ignored: the caller computes the value as if there were no cache.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import sys
from pathlib import Path
from typing import Any

from kyodo_desk import paths

log = logging.getLogger(__name__)


def cache_dir() -> Path:
    return paths.data_dir() / "cache"


def entry_name(kind: str, *depends_on: object) -> str:
    """A file name for a *kind* of entry that changes with everything in *depends_on* (and
    with the Python and marshal format that write it)."""
    key = "|".join(map(str, (*depends_on, sys.version_info[:2], marshal.version)))
    return f"{kind}-{hashlib.sha256(key.encode()).hexdigest()[:20]}.marshal"


def read(name: str) -> Any | None:
    """The entry *name*, or None if there is none (or none that can be read)."""
    path = cache_dir() / name
    try:
        return marshal.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError, EOFError, TypeError) as exc:
        log.warning("leaflet cache %s not readable (%s): computed again", path, exc)
        return None


def write(name: str, value: Any) -> None:
    """Keep *value* as the entry *name*; two processes writing it at once leave one whole."""
    path = cache_dir() / name
    temporary = path.with_name(f"{name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(marshal.dumps(value))
        os.replace(temporary, path)
    except (OSError, ValueError) as exc:
        log.info("leaflet cache %s not written (%s)", path, exc)
        temporary.unlink(missing_ok=True)
