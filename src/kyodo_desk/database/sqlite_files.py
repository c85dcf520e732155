"""The embedded SQLite file: where it may live, how it is opened, and its backups."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, make_url
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


def _timestamped_name(source: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = source.with_name(f"{source.stem}.backup-{stamp}{source.suffix}")
    counter = 1
    while target.exists():
        counter += 1
        target = source.with_name(f"{source.stem}.backup-{stamp}-{counter}{source.suffix}")
    return target


def timestamped_backup(source: Path) -> Path:
    """A backup beside the file, named with the time: kyodo-desk.backup-20261125-093000.sqlite3."""
    return backup_to(source, _timestamped_name(source))


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def check_restorable(source: Path) -> str:
    """Refuse anything but an intact Kyodo Desk database this app knows; returns its revision."""
    from kyodo_desk.database import schema

    if not source.is_file():
        raise UserError(f"復元するファイル「{source}」がありません。ファイルの場所を確認してください。")
    with source.open("rb") as file:
        if file.read(16) != b"SQLite format 3\x00":
            raise UserError(f"「{source}」は SQLite のデータベースではありません。"
                            "kyodo-desk db backup で作ったバックアップを指定してください。")
    try:
        conn = _read_only(source)
        try:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check").fetchall()]
            tables = {row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            revision = (conn.execute("SELECT version_num FROM alembic_version").fetchone()
                        if "alembic_version" in tables else None)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise UserError(f"「{source}」は壊れているため復元できません（{exc}）。"
                        "別のバックアップを指定してください。") from exc
    if problems != ["ok"]:
        raise UserError(f"「{source}」は壊れているため復元できません（integrity_check: "
                        f"{'; '.join(problems[:3])}）。別のバックアップを指定してください。")
    if revision is None or "facilities" not in tables:
        raise UserError(f"「{source}」は協働デスクのデータベースではありません。"
                        "kyodo-desk db backup で作ったバックアップを指定してください。")
    version = str(revision[0])
    if version not in schema.known_revisions():
        newer = version.isdigit() and int(version) > int(schema.head_revision())
        raise UserError(
            f"「{source}」は{'新しい版の協働デスクで作られた' if newer else 'この版の協働デスクが知らない形式の'}"
            f"データベースです（形式の版 {version}、この版は {schema.head_revision()} まで）。"
            + ("協働デスクを更新してから復元してください。" if newer else "復元できません。"))
    return version


def _opens_cleanly(path: Path) -> bool:
    try:
        conn = _read_only(path)
        try:
            return conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return False


def restore_from(source: Path, target: Path) -> Path | None:
    """Put the database in *source* (a backup) in place of *target*; returns the safety copy.

    *source* is checked first (an intact Kyodo Desk database of a known revision); if it is
    refused, *target* is not touched. The current data is then copied beside *target* with a
    timestamped name, and *source* is copied in with SQLite's online backup API, in one
    transaction. Returns None only when there was no current database to keep.
    """
    check_restorable(source)
    if target.exists() and source.resolve() == target.resolve():
        raise UserError(f"「{source}」は今使っているデータベースそのものです。別のファイルを指定してください。")
    prepare_file(make_url(f"sqlite:///{target.as_posix()}"))
    safety: Path | None = None
    if not target.exists():
        _copy_in_place(source, target)
    elif _opens_cleanly(target):
        safety = timestamped_backup(target)
        _copy_pages(source, target)
    else:
        # The current file is damaged (often the reason to restore): keep its bytes as they
        # are, and replace the file rather than write pages into it.
        safety = _timestamped_name(target)
        shutil.copy2(target, safety)
        for suffix in ("-wal", "-shm"):
            side = target.with_name(target.name + suffix)
            if side.exists():
                shutil.copy2(side, safety.with_name(safety.name + suffix))
        _copy_in_place(source, target)
    return safety


def _copy_pages(source: Path, target: Path) -> None:
    src = _read_only(source)
    try:
        dst = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            src.backup(dst)
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise UserError(f"「{target}」に復元できませんでした（{exc}）。データは復元前のまま残っています。"
                        "協働デスクを閉じてから、もう一度実行してください。") from exc
    finally:
        src.close()


def _copy_in_place(source: Path, target: Path) -> None:
    """Build the copy under a temporary name beside *target*, then rename it into place."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}-", suffix=".restore", dir=target.parent)
    os.close(fd)
    temporary = Path(name)
    try:
        temporary.unlink()
        _copy_pages(source, temporary)
        for suffix in ("-wal", "-shm"):
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
