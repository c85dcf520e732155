"""The database password: in the operating system's keyring, or else the PostgreSQL pass file.

Never in config.toml. The keyring entry is service "kyodo-desk", user name
"user@host:port/database". Without a usable keyring (a headless Linux PC, for instance) the
password goes into the user's PostgreSQL password file, which libpq reads by itself:
$PGPASSFILE, else %APPDATA%\\postgresql\\pgpass.conf on Windows, else ~/.pgpass (mode 0600).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kyodo_desk.domain.errors import UserError

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

log = logging.getLogger(__name__)

SERVICE = "kyodo-desk"


@dataclass(frozen=True)
class ServerKey:
    """Which server account a password belongs to."""

    host: str
    port: int
    name: str  # database
    user: str

    @property
    def username(self) -> str:
        """The keyring's user name for this account: user@host:port/database."""
        return f"{self.user}@{self.host}:{self.port}/{self.name}"

    def __str__(self) -> str:
        return self.username


# --- the keyring ---------------------------------------------------------------------------------

_KEYRING_LABELS = {
    "keyring.backends.Windows": "Windows の資格情報マネージャー",
    "keyring.backends.macOS": "macOS のキーチェーン",
    "keyring.backends.SecretService": "デスクトップのキーリング（Secret Service）",
    "keyring.backends.libsecret": "デスクトップのキーリング（libsecret）",
    "keyring.backends.kwallet": "KDE ウォレット（KWallet）",
}


def _usable_keyring() -> KeyringBackend | None:
    """The keyring backend if it keeps secrets safely; None for the fail, null or plain-text ones.

    Backends of priority below 1 are the placeholders (fail 0, null -1) and the plain-text
    file keyrings of keyrings.alt (0.5): a password in a plain file is what this module avoids.
    """
    try:
        import keyring
        from keyring.backends.chainer import ChainerBackend

        backend = keyring.get_keyring()
        first = backend
        if isinstance(backend, ChainerBackend):
            chained = list(backend.backends)
            if not chained:
                return None
            first = chained[0]
        if first.priority < 1:
            return None
        return backend
    except Exception as exc:  # a broken keyring set-up must never stop the app
        log.warning("keyring unavailable: %s", exc)
        return None


def keyring_label(backend: KeyringBackend) -> str:
    from keyring.backends.chainer import ChainerBackend

    if isinstance(backend, ChainerBackend) and backend.backends:
        backend = backend.backends[0]
    module = type(backend).__module__
    for prefix, label in _KEYRING_LABELS.items():
        if module.startswith(prefix):
            return label
    return f"OS の資格情報ストア（{type(backend).__name__}）"


def keyring_available() -> bool:
    return _usable_keyring() is not None


def password_store_label() -> str:
    """Where store_password would put a password now, in Japanese."""
    backend = _usable_keyring()
    return keyring_label(backend) if backend is not None else f"パスワードファイル {pgpass_path()}"


def load_password(key: ServerKey) -> str | None:
    """The password kept in the keyring, or None. The pass file is libpq's to read."""
    backend = _usable_keyring()
    if backend is None:
        return None
    try:
        return backend.get_password(SERVICE, key.username)
    except Exception as exc:  # locked keyring, no session bus...: libpq may still find one
        log.warning("could not read the password for %s from the keyring: %s", key, exc)
        return None


def store_password(key: ServerKey, password: str) -> str:
    """Keep *password* for *key*; returns where, in Japanese, to tell the administrator."""
    backend = _usable_keyring()
    if backend is not None:
        try:
            backend.set_password(SERVICE, key.username, password)
        except Exception as exc:
            log.warning("keyring refused the password for %s (%s); using the pass file", key, exc)
        else:
            return keyring_label(backend)
    path = write_pgpass_entry(key, password)
    return f"パスワードファイル {path}"


# --- the PostgreSQL password file ------------------------------------------------------------------


def pgpass_path() -> Path:
    """Where libpq looks: $PGPASSFILE, else the per-user default of the platform."""
    override = os.environ.get("PGPASSFILE")
    if override:
        return Path(override)
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home())) / "postgresql" / "pgpass.conf"
    return Path.home() / ".pgpass"


def pgpass_escape(value: str) -> str:
    """libpq's escaping for one field of the pass file: backslash before '\\' and ':'."""
    return value.replace("\\", "\\\\").replace(":", "\\:")


def pgpass_line(key: ServerKey, password: str) -> str:
    fields = (key.host, str(key.port), key.name, key.user, password)
    return ":".join(pgpass_escape(f) for f in fields)


def _split_pgpass(line: str) -> list[str]:
    """A pass-file line's fields, unescaped, as libpq reads them."""
    fields: list[str] = []
    current, escaped = "", False
    for ch in line:
        if escaped:
            current += ch
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ":" and len(fields) < 4:
            fields.append(current)
            current = ""
        else:
            current += ch
    fields.append(current)
    return fields


def write_pgpass_entry(key: ServerKey, password: str) -> Path:
    """Add or replace this account's line in the pass file, which ends up with mode 0600."""
    if "\n" in password or "\r" in password:
        raise UserError("パスワードに改行は使えません。")
    path = pgpass_path()
    try:
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(
            f"パスワードファイル「{path}」を読めません（{exc}）。ファイルを確認してください。"
        ) from exc
    wanted = [key.host, str(key.port), key.name, key.user]
    entry = pgpass_line(key, password)
    kept: list[str] = []
    replaced = False
    for line in lines:
        if line.strip() and not line.lstrip().startswith("#") and \
                _split_pgpass(line)[:4] == wanted:
            if not replaced:  # later duplicates go: libpq would only ever use the first
                kept.append(entry)
                replaced = True
            continue
        kept.append(line)
    if not replaced:
        kept.append(entry)
    lines = kept
    _write_private(path, "\n".join(lines) + "\n")
    return path


def _write_private(path: Path, text: str) -> None:
    """Write atomically (temporary file, then rename) with owner-only permissions."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    except OSError as exc:
        raise UserError(
            f"パスワードファイル「{path}」を作成できません（{exc.strerror}）。"
            "フォルダの権限を確認してください。"
        ) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, 0o600)  # libpq ignores a pass file others can read
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise UserError(
            f"パスワードファイル「{path}」に書き込めません（{exc.strerror}）。"
            "フォルダの権限を確認してください。"
        ) from exc
