"""The embedded SQLite file: where it may live, how it is opened, and its backups."""

from __future__ import annotations

import os
import re
import sqlite3
import sys
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL

from kyodo_desk.domain.errors import StartupError, UserError

BUSY_TIMEOUT_MS = 15_000
_NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smbfs", "smb3", "9p", "afs", "fuse.sshfs", "davfs"}


def database_path(url: URL) -> Path | None:
    """The file behind a sqlite URL; None for an in-memory database."""
    name = url.database
    if not name or name == ":memory:":
        return None
    return Path(name)


def is_network_path(path: Path) -> bool:
    """True for a UNC path, a mapped network drive, or a network filesystem mount."""
    text = str(path)
    if text.startswith(("\\\\", "//")):
        return True
    if sys.platform == "win32":
        import ctypes

        drive = os.path.splitdrive(os.path.abspath(text))[0] + "\\"
        drive_remote = 4
        return bool(ctypes.windll.kernel32.GetDriveTypeW(drive) == drive_remote)
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return False
    resolved = path.resolve()
    best, best_type = 0, ""
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        # /proc/mounts writes a space in a mount point as \040 (octal escapes).
        mount_point = Path(re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), parts[1]))
        if resolved.is_relative_to(mount_point) and len(mount_point.parts) > best:
            best, best_type = len(mount_point.parts), parts[2]
    return best_type in _NETWORK_FILESYSTEMS


def prepare_file(url: URL) -> None:
    """Check the file's folder before SQLite touches it, so failures get a useful message."""
    path = database_path(url)
    if path is None:
        return
    if is_network_path(path):
        raise StartupError(
            f"データベースファイル「{path}」はネットワーク上のフォルダにあります。\n"
            "SQLite のファイルを共有フォルダに置いて複数の窓口から使うと、データが壊れるおそれがあります。"
            "複数の窓口で使うときは PostgreSQL サーバーを指定してください（README「複数の窓口で使う」）。"
        )
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StartupError(
            f"データフォルダ「{folder}」を作成できません（{exc.strerror}）。\n"
            "フォルダの権限と空き容量を確認するか、--database で別の場所を指定してください。"
        ) from None
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise StartupError(
            f"データフォルダ「{folder}」に書き込めません。\n"
            "フォルダとファイルの権限を確認するか、--database で別の場所を指定してください。"
        )


def create_sqlite_engine(url: URL, *, write_option: str) -> Engine:
    """WAL, foreign keys, a busy timeout; write transactions start with BEGIN IMMEDIATE.

    With a deferred BEGIN, concurrent writers fail with "database is locked" instead of waiting.
    """
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's begin event issues BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if database_path(url) is not None:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:  # type: ignore[no-untyped-def]
        immediate = connection.get_execution_options().get(write_option)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def explain_open_failure(path: Path, detail: str) -> str:
    lowered = detail.lower()
    if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        return (
            f"データベースファイル「{path}」を開けません。壊れているか、協働デスクのファイルではありません。\n"
            "ファイルには手を加えていません。同じフォルダのバックアップ（*.backup-日時.sqlite3）を"
            "元の名前でコピーして戻すか、管理者に連絡してください。\n"
            f"（詳細: {detail}）"
        )
    if "locked" in lowered or "busy" in lowered:
        return (
            f"データベースファイル「{path}」は他のプログラムが使用中です。"
            "しばらく待ってから、もう一度開いてください。\n"
            f"（詳細: {detail}）"
        )
    return (
        f"データベースファイル「{path}」を開けません。フォルダの権限と空き容量を確認してください。\n"
        f"（詳細: {detail}）"
    )


def backup_to(source: Path, target: Path) -> Path:
    """Copy a live database consistently (SQLite's online backup), even while it is in use."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise UserError(f"バックアップ先「{target}」は既にあります。別の名前を指定してください。")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target


def timestamped_backup(source: Path) -> Path:
    """A backup beside the file, named with the time: kyodo-desk.backup-20261125-093000.sqlite3."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = source.with_name(f"{source.stem}.backup-{stamp}{source.suffix}")
    counter = 1
    while target.exists():
        counter += 1
        target = source.with_name(f"{source.stem}.backup-{stamp}-{counter}{source.suffix}")
    return backup_to(source, target)
