"""The embedded SQLite file: where it may live, how it is opened and checked, and its backups.

Every file made here (the database, every backup, the copy a restore keeps) is created readable
by the user only, and SQLite gives the database's -wal and -shm the database's own mode; such
files found open to others (an older version made them) are narrowed at every open. A file
found damaged is never written to: it is reported with the newest intact backup beside it.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import sqlite3
import stat
import sys
import tempfile
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from kyodo_desk.domain.dates import date_and_time
from kyodo_desk.domain.errors import StartupError, UserError
from kyodo_desk.paths import (
    PRIVATE_FILE,
    PRIVATE_FOLDER,
    is_data_folder,
    make_private_folder,
    narrow_to_owner,
)

if TYPE_CHECKING:  # SQLAlchemy loads with the engine: the checks here run without it
    from sqlalchemy import Connection, Engine
    from sqlalchemy.engine import URL, ExceptionContext

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 15_000
_NETWORK_FILESYSTEMS = {"nfs", "nfs4", "cifs", "smbfs", "smb3", "9p", "afs", "fuse.sshfs", "davfs"}
_SQLITE_HEADER = b"SQLite format 3\x00"
# SQLITE_CORRUPT and SQLITE_NOTADB: the primary result codes of every "damaged file" error.
_DAMAGE_CODES = frozenset({11, 26})
# What every start and sign-in reads, a few pages each: checking them at every open costs well
# under a millisecond however large the file, where PRAGMA quick_check of the whole file of
# 500 MB takes seconds (benchmarks/file_check.py).
_CHECKED_AT_OPEN = {"sqlite_master": "表の定義", "alembic_version": "形式の版",
                    "accounts": "アカウント", "facilities": "拠点施設", "settings": "設定",
                    "topics": "相談の分野"}


class DamagedDatabase(StartupError):
    """The SQLite file is damaged, or is no database at all; nothing has been written to it.

    It names the newest intact backup beside the file (or None), so that each front end offers
    it its own way: the command line with the exact restore command, the window with a button.
    """

    def __init__(self, path: Path, reason: str, backup: Path | None) -> None:
        self.path, self.reason, self.backup = path, reason, backup
        super().__init__(self.explained(
            "協働デスクを閉じてから、管理者がこのバックアップを kyodo-desk db restore で戻してください"
            "（今のファイルは日時付きの名前で残ります）。"))

    def __reduce__(self) -> tuple[type[DamagedDatabase], tuple[Path, str, Path | None]]:
        return DamagedDatabase, (self.path, self.reason, self.backup)  # across processes too

    def explained(self, how_to_restore: str) -> str:
        """The message, ending with *how_to_restore* when there is a backup to restore."""
        lines = [f"データベースファイル「{self.path}」は壊れているか、協働デスクのファイルでは"
                 f"ありません（{self.reason}）。ファイルには手を加えていません。"]
        if self.backup is None:
            lines.append("同じフォルダと日々のバックアップのフォルダに、正常なバックアップ"
                         "（*.backup-日時.sqlite3）が見つかりません。"
                         "別の場所に保存したバックアップがあれば、管理者に連絡して"
                         " kyodo-desk db restore で戻してください。")
        else:
            lines.append(f"最新の正常なバックアップ: {self.backup}（{backup_time(self.backup)}に作成）")
            lines.append(how_to_restore)
        return "\n".join(lines)


class _Problem(NamedTuple):
    reason: str  # for the person at the counter
    detail: str  # for the log
    not_sqlite: bool = False


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
    """Check the file and its folder before SQLite touches them; make a missing file.

    Failures become StartupErrors that say what to do; a damaged file, DamagedDatabase.
    """
    path = database_path(url)
    if path is None:
        return
    prepare_folder(path)
    if path.exists():
        _narrow_database_files(path)
        check_existing_file(path)
    else:
        _create_empty(path)


def prepare_folder(path: Path) -> None:
    """The database file's folder: not on a network share, made if missing, writable."""
    if is_network_path(path):
        raise StartupError(
            f"データベースファイル「{path}」はネットワーク上のフォルダにあります。\n"
            "SQLite のファイルを共有フォルダに置いて複数の窓口から使うと、データが壊れるおそれがあります。"
            "複数の窓口で使うときは PostgreSQL サーバーを指定してください（README「複数の窓口で使う」）。"
        )
    folder = path.parent
    try:
        make_private_folder(folder)
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
    if is_data_folder(folder):  # a folder chosen elsewhere keeps the permissions given to it
        narrow_to_owner(folder, PRIVATE_FOLDER)


def _narrow_database_files(path: Path) -> None:
    """The database, its -wal, -shm and -journal and the backups beside it: the user's alone,
    as if made now (an older version, or a wide umask, may have let others read them)."""
    backup_prefix = f"{path.stem}.backup-"
    try:
        beside = [p for p in path.parent.iterdir()
                  if p.name.startswith((path.name, backup_prefix))]
    except OSError:
        beside = [path]  # the folder cannot be listed: the database at least
    for file in beside:
        if file.is_file():
            narrow_to_owner(file, PRIVATE_FILE)


def _create_empty(path: Path) -> None:
    """A new, empty database that only the user may read (SQLite's -wal and -shm follow it).

    It is made under a temporary name and linked into place: the file never exists with zero
    bytes, which `check_existing_file` refuses, and a file another start made meanwhile is kept.
    """
    fd, name = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".new", dir=path.parent)
    os.close(fd)
    temporary = Path(name)
    try:
        conn = sqlite3.connect(temporary)
        try:
            conn.execute("PRAGMA journal_mode = WAL")  # writes the first page, with its header
        finally:
            conn.close()
        try:
            if sys.platform == "win32":
                os.rename(temporary, path)  # a rename there never replaces a file
            else:
                os.link(temporary, path)
        except FileExistsError:
            pass
    finally:
        temporary.unlink(missing_ok=True)


def check_existing_file(path: Path) -> None:
    """Refuse a file that is not an intact-looking database, before anything writes to it.

    This runs at every open and stays fast however large the file: the 100-byte header against
    the file's size, and PRAGMA quick_check of the few tables every start reads. Damage elsewhere
    is found by `WholeFileCheck` (the window runs it once it is shown), by the check of every
    backup's copy, and by SQLite itself when a query reads a damaged page (`create_sqlite_engine`).
    """
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise StartupError(
            f"データベースファイル「{path}」はフォルダか特殊なファイルのため、開けません。\n"
            "--database でデータベースファイルの場所を指定してください。")
    problem = _header_problem(path, info.st_size) or _start_tables_problem(path)
    if problem is not None:
        raise damaged(path, problem.reason, problem.detail)


def _header_problem(path: Path, size: int) -> _Problem | None:
    """What the first 100 bytes (https://sqlite.org/fileformat.html) and the size show wrong."""
    if size == 0:
        return _Problem("空のファイル（0 バイト）です", "file is not a database (empty file)", True)
    with path.open("rb") as file:
        header = file.read(100)
    if not header.startswith(_SQLITE_HEADER[:len(header)]) or len(header) < len(_SQLITE_HEADER):
        return _Problem("SQLite のデータベースの見出しがありません",
                        "file is not a database (no SQLite header)", True)
    if len(header) < 100:
        return _Problem("ファイルが途中で切れています", f"truncated file ({size} bytes)")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1) or header[21:24] != b"\x40\x20\x20":
        return _Problem("ファイルの見出しが壊れています", "file is not a database (bad header)")
    pages = int.from_bytes(header[28:32], "big")
    # The page count in the header holds when it was written with the change counter it names;
    # a -wal or -journal beside the file may still hold pages that belong at its end.
    if header[24:28] == header[92:96] and size // page_size < pages and not _journal_beside(path):
        return _Problem(f"ファイルが途中で切れています（{pages:,} ページのうち "
                        f"{size // page_size:,} ページしかありません）",
                        f"database disk image is malformed (truncated: {size} bytes, "
                        f"{pages} pages of {page_size})")
    return None


def _journal_beside(path: Path) -> bool:
    for suffix in ("-wal", "-journal"):
        try:
            if path.with_name(path.name + suffix).stat().st_size > 0:
                return True
        except OSError:
            continue
    return False


def _start_tables_problem(path: Path) -> _Problem | None:
    try:
        conn = _read_only(path)
        try:
            tables = {row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")} | {"sqlite_master"}
            for table, label in _CHECKED_AT_OPEN.items():
                if table in tables:  # not all of them in an older or a new database
                    found = _quick_check(conn, table)
                    if found != ["ok"]:
                        return _Problem(f"「{label}」の部分に壊れた箇所があります",
                                        f"quick_check({table}): {'; '.join(found[:3])}")
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        if is_damage(exc):  # the table list itself could not be read
            return _Problem("「表の定義」の部分に壊れた箇所があります", str(exc))
        log.warning("could not check %s before opening it: %s", path, exc)  # opening says why
    return None


def is_damage(exc: BaseException) -> bool:
    """True for SQLite's "database disk image is malformed" and "file is not a database"."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _DAMAGE_CODES


def damaged(path: Path, reason: str, detail: str) -> DamagedDatabase:
    """The error for a damaged *path*, naming the newest intact backup beside it."""
    log.error("database file %s is damaged: %s", path, detail)
    return DamagedDatabase(path, reason, newest_intact_backup(path))


def newest_intact_backup(path: Path) -> Path | None:
    """The newest `<name>.backup-<date>-<time>.sqlite3` beside *path*, or among the daily
    copies (database/backups.py), that restore accepts.

    Tried newest first. A damaged file kept aside by an earlier restore carries the same kind of
    name, so each is checked (PRAGMA quick_check; a verdict is kept while the file is unchanged).
    """
    from kyodo_desk.database import backups

    pattern = backups.copy_pattern(path)
    stamped = []
    for folder in (path.parent, backups.configured_copies_folder(path)):
        try:
            stamped += [(m[1], int(m[2] or 1), p) for p in folder.iterdir()
                        if (m := pattern.match(p.name))]
        except OSError:
            continue
    for _stamp, _counter, candidate in sorted(stamped, reverse=True):
        try:
            info = candidate.stat()
        except OSError:
            continue
        if _is_restorable(candidate, info.st_size, info.st_mtime_ns):
            return candidate
    return None


@functools.lru_cache(maxsize=64)
def _is_restorable(candidate: Path, _size: int, _modified_ns: int) -> bool:
    try:
        check_restorable(candidate, thorough=False)
    except UserError:
        return False
    return True


def backup_time(backup: Path) -> str:
    """When a timestamped backup was made, from its name: 2026年11月25日 9:30."""
    found = re.search(r"\.backup-(\d{4})(\d\d)(\d\d)-(\d\d)(\d\d)", backup.name)
    if found is None:
        return "日時不明"
    year, month, day, hour, minute = (int(g) for g in found.groups())
    try:
        made = datetime(year, month, day, hour, minute)
    except ValueError:  # a hand-renamed file: 20261340-…
        return "日時不明"
    return date_and_time(made)


class WholeFileCheck:
    """PRAGMA quick_check of the whole file, on its own read-only connection; `stop` ends it.

    It reads every page (about 2 s for a file of 500 MB), so the window runs it in the
    background once it is shown; writers are not held up (WAL).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._stopped = False

    def run(self) -> DamagedDatabase | None:
        """The damage found; None when the file is intact, or the check was stopped."""
        try:
            conn = _read_only(self.path)
        except sqlite3.Error:
            return None  # the open at start explained what keeps the file from opening
        with self._lock:
            if self._stopped:
                conn.close()
                return None
            self._conn = conn
        try:
            found = _quick_check(conn)
        except sqlite3.Error:
            return None  # stopped, or the file could not be read just now: no verdict
        finally:
            with self._lock:
                self._conn = None
            conn.close()
        if found == ["ok"]:
            return None
        return damaged(self.path, "ファイル全体の点検で壊れた箇所が見つかりました",
                       f"quick_check: {'; '.join(found[:3])}")

    def stop(self) -> None:
        """End a running check at once (at quit), from any thread."""
        with self._lock:
            self._stopped = True
            if self._conn is not None:
                self._conn.interrupt()


def create_sqlite_engine(url: URL, *, write_option: str) -> Engine:
    """WAL, foreign keys, a busy timeout; write transactions start with BEGIN IMMEDIATE.

    With a deferred BEGIN, concurrent writers fail with "database is locked" instead of waiting.
    A query that meets a damaged page raises DamagedDatabase, which the person can act on.
    """
    from sqlalchemy import create_engine, event

    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    path = database_path(url)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's begin event issues BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if path is not None:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(write_option)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    if path is not None:
        @event.listens_for(engine, "handle_error")
        def _damaged(context: ExceptionContext) -> None:
            error = context.original_exception
            if is_damage(error):
                raise damaged(path, "SQLite がデータを読む途中で壊れた箇所を見つけました",
                              str(error)) from error

    return engine


def explain_open_failure(path: Path, error: BaseException | None, detail: str) -> StartupError:
    """Why SQLite could not open *path*, as a StartupError that says what to do."""
    lowered = detail.lower()
    if (error is not None and is_damage(error)) or "not a database" in lowered \
            or "malformed" in lowered:
        return damaged(path, "SQLite が開けないファイルです", detail)
    if "locked" in lowered or "busy" in lowered:
        return StartupError(
            f"データベースファイル「{path}」は他のプログラムが使用中です。"
            "しばらく待ってから、もう一度開いてください。\n"
            f"（詳細: {detail}）"
        )
    return StartupError(
        f"データベースファイル「{path}」を開けません。フォルダの権限と空き容量を確認してください。\n"
        f"（詳細: {detail}）"
    )


def backup_to(source: Path, target: Path) -> Path:
    """Copy a live database consistently (SQLite's online backup), even while it is in use.

    The copy never replaces a file, is readable by the user only, and counts as a backup only
    once it passes PRAGMA quick_check: a copy of a damaged database is removed again and the
    damage reported, so a damaged copy never poses as the newest intact backup.
    """
    check_existing_file(source)
    try:
        make_private_folder(target.parent)
        os.close(create_private_file(target))
    except FileExistsError:
        raise UserError(f"バックアップ先「{target}」は既にあります。別の名前を指定してください。") from None
    except OSError as exc:
        raise UserError(f"バックアップ先「{target}」に書き込めません（{exc.strerror or exc}）。"
                        "フォルダの権限と空き容量を確認してください。") from exc
    try:
        _online_copy(source, target)
        found = _whole_file_problems(target)
        if found != ["ok"]:
            raise damaged(source, "バックアップの点検で壊れた箇所が見つかりました",
                          f"quick_check of the copy {target}: {'; '.join(found[:3])}")
    except sqlite3.DatabaseError as exc:
        _remove_database(target)
        if is_damage(exc):
            raise damaged(source, "SQLite が壊れた箇所を見つけました", str(exc)) from exc
        raise UserError(f"「{source}」を「{target}」にバックアップできませんでした（{exc}）。"
                        "空き容量を確認して、もう一度実行してください。") from exc
    except BaseException:
        _remove_database(target)
        raise
    _tidy(target)
    return target


def _tidy(copy: Path) -> None:
    """Remove the empty -wal and the -shm that the copy's read-only check leaves behind, so
    that a backup is one file (nothing else has the new copy open)."""
    wal = copy.with_name(copy.name + "-wal")
    try:
        if wal.exists() and wal.stat().st_size == 0:
            wal.unlink()
            copy.with_name(copy.name + "-shm").unlink(missing_ok=True)
    except OSError:
        pass  # clutter at worst


def create_private_file(path: Path) -> int:
    """A new file only the user may read and write; refuses any existing name, a link too."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                 PRIVATE_FILE)
    if os.name == "posix":
        os.fchmod(fd, PRIVATE_FILE)  # whatever the umask took away from the owner
    return fd


def _whole_file_problems(path: Path) -> list[str]:
    conn = _read_only(path)
    try:
        return _quick_check(conn)
    finally:
        conn.close()


def _quick_check(conn: sqlite3.Connection, table: str | None = None) -> list[str]:
    """PRAGMA quick_check's findings (["ok"]: none), of the whole file or of one table and its
    indexes; SQLite's own damage error counts as one."""
    try:
        return [row[0] for row in conn.execute(
            f"PRAGMA quick_check({table})" if table else "PRAGMA quick_check")]
    except sqlite3.DatabaseError as exc:
        if not is_damage(exc):
            raise
        return [str(exc)]


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


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


def check_restorable(source: Path, *, thorough: bool = True) -> str:
    """Refuse anything but an intact Kyodo Desk database this app knows; returns its revision.

    *thorough* runs PRAGMA integrity_check (indexes against their tables too), as a restore
    does; without it, the faster quick_check.
    """
    from kyodo_desk.database import schema

    if not source.is_file():
        raise UserError(f"復元するファイル「{source}」がありません。ファイルの場所を確認してください。")
    header = _header_problem(source, source.stat().st_size)
    if header is not None and header.not_sqlite:
        raise UserError(f"「{source}」は SQLite のデータベースではありません（{header.reason}）。"
                        "kyodo-desk db backup で作ったバックアップを指定してください。")
    if header is not None:
        raise UserError(f"「{source}」は壊れているため復元できません（{header.reason}）。"
                        "別のバックアップを指定してください。")
    check = "integrity_check" if thorough else "quick_check"
    try:
        conn = _read_only(source)
        try:
            problems = [row[0] for row in conn.execute(f"PRAGMA {check}").fetchall()]
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
        raise UserError(f"「{source}」は壊れているため復元できません（{check}: "
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
    if _header_problem(path, path.stat().st_size) is not None:
        return False
    try:
        return _whole_file_problems(path) == ["ok"]
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
    prepare_folder(target)
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
        for suffix in ("", "-wal", "-shm"):
            side = target.with_name(target.name + suffix)
            if side.exists():
                _copy_private(side, safety.with_name(safety.name + suffix))
        _copy_in_place(source, target)
    return safety


def _online_copy(source: Path, target: Path) -> None:
    """SQLite's online backup of *source* into *target*, one consistent snapshot."""
    src = _read_only(source)
    try:
        dst = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _copy_pages(source: Path, target: Path) -> None:
    try:
        _online_copy(source, target)
    except sqlite3.Error as exc:
        raise UserError(f"「{target}」に復元できませんでした（{exc}）。データは復元前のまま残っています。"
                        "協働デスクを閉じてから、もう一度実行してください。") from exc


def _copy_in_place(source: Path, target: Path) -> None:
    """Build the copy under a temporary name beside *target*, then rename it into place.

    The temporary file is made readable by the user only, and so is the database it becomes.
    """
    fd, name = tempfile.mkstemp(prefix=f".{target.name}-", suffix=".restore", dir=target.parent)
    os.close(fd)
    temporary = Path(name)
    try:
        _copy_pages(source, temporary)  # SQLite takes the empty file as an empty database
        for suffix in ("-wal", "-shm"):
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        os.replace(temporary, target)
    finally:
        _remove_database(temporary)


def _copy_private(source: Path, target: Path) -> None:
    """Copy the bytes as they are into a new file that only the user may read."""
    with source.open("rb") as src, os.fdopen(create_private_file(target), "wb") as dst:
        shutil.copyfileobj(src, dst)
