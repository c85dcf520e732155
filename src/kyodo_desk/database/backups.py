"""Daily copies of the embedded database (日次バックアップ), kept grandfather-father-son.

At the first start of each day that opens the SQLite file for work (`open_database` with
migrate=True: the window and every command that writes), the file is copied with SQLite's
online backup API (`sqlite_files.backup_to`: a consistent snapshot, checked by PRAGMA
quick_check, readable by the user only) to

    <folder>/kyodo-desk.backup-YYYYMMDD-HHMMSS.sqlite3

where *folder* is `backups` beside the database file (in the data folder for the default
database) or, when the administrator sets `[backup] folder` in config.toml, that folder's
subfolder named after this computer — so that the counters sharing one file share never prune
each other's copies. The live file is never the target: a folder that holds it is refused.

Which copies are kept (at most 7 + 4 + 12 = 23 files; one copy often counts twice):

- 日次 (daily): the first copy of each of the 7 most recent days on which a copy was made;
- 週次 (weekly): the first copy of each of the 4 most recent ISO weeks (Monday to Sunday) in
  which a copy was made — Monday's, or that of the first day the PC was on that week;
- 月次 (monthly): the first copy of each of the 12 most recent calendar months in which a copy
  was made — the 1st's, or that of the first day the PC was on that month.

Days are counted by the copies that exist, not by the calendar: a PC off over a weekend or a
holiday still keeps 7 daily copies, and a week or month with no copy at all is skipped. The
first copy of a period is its copy because it never changes once made. Copies made today are
never removed (another start may be writing one), and files not named like a copy are never
touched. A copy that cannot be made never stops the start: it is logged, and the message (in
Japanese) is returned for the window's status bar or the command's standard error.
"""

from __future__ import annotations

import logging
import platform
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kyodo_desk.database import sqlite_files
from kyodo_desk.domain.errors import UserError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

log = logging.getLogger(__name__)

KEEP_DAILY = 7
KEEP_WEEKLY = 4
KEEP_MONTHLY = 12
FOLDER_NAME = "backups"
FAILED = ("今日のバックアップを作成できませんでした（作業は続けられます。"
          "次に起動したときにもう一度作成します）。")


@dataclass(frozen=True)
class Copy:
    """One daily copy, and when it was made (from its name)."""

    path: Path
    made: datetime

    @property
    def day(self) -> date:
        return self.made.date()


@dataclass(frozen=True)
class DailyOutcome:
    """What the start did: the copy made (None: there was one for today already), the copies
    removed by the rotation, or the failure message shown once to the person."""

    made: Path | None = None
    removed: tuple[Path, ...] = ()
    failure: str | None = None


def copies_folder(database: Path, configured: Path | None = None) -> Path:
    """Where the daily copies of *database* go: `backups` beside it, or *configured* (the
    `[backup] folder` setting) / this computer's name."""
    if configured is None:
        return database.parent / FOLDER_NAME
    return configured / _computer_name()


def configured_copies_folder(database: Path) -> Path:
    """`copies_folder` as the settings choose it; a setting that cannot be read counts as
    none (the start reports it when it makes the day's copy)."""
    from kyodo_desk.config import backup_folder_setting

    try:
        return copies_folder(database, backup_folder_setting())
    except UserError:
        return copies_folder(database)


def _computer_name() -> str:
    name = re.sub(r"[^\w.-]", "_", platform.node()) or "this-pc"
    return name.strip(".") or "this-pc"


def copy_pattern(database: Path) -> re.Pattern[str]:
    """`<stem>.backup-YYYYMMDD-HHMMSS[-N]<suffix>`, the names of timestamped backups."""
    return re.compile(re.escape(database.stem) + r"\.backup-(\d{8}-\d{6})(?:-(\d+))?"
                      + re.escape(database.suffix) + "$")


def list_copies(database: Path, folder: Path) -> list[Copy]:
    """The copies of *database* in *folder*, oldest first; other files are left out."""
    pattern = copy_pattern(database)
    found: list[tuple[datetime, int, Path]] = []
    try:
        names = list(folder.iterdir())
    except OSError:
        return []
    for path in names:
        match = pattern.match(path.name)
        if match is None:
            continue
        try:
            made = datetime.strptime(match[1], "%Y%m%d-%H%M%S")
        except ValueError:  # a hand-renamed file: 20261340-…
            continue
        found.append((made, int(match[2] or 1), path))
    return [Copy(path, made) for made, _counter, path in sorted(found)]


def copies_to_keep(copies: Iterable[Copy], today: date) -> set[Path]:
    """The copies the rotation keeps (see the module's docstring); *copies* in any order."""
    ordered = sorted(copies, key=lambda c: (c.made, c.path.name))
    first_of_day: dict[date, Copy] = {}
    for copy in ordered:
        first_of_day.setdefault(copy.day, copy)
    days = sorted(first_of_day, reverse=True)
    kept = {first_of_day[d].path for d in days[:KEEP_DAILY]}
    for period in (_iso_week, _month):
        first_of_period: dict[tuple[int, int], Copy] = {}
        for day in sorted(first_of_day):
            first_of_period.setdefault(period(day), first_of_day[day])
        newest = sorted(first_of_period, reverse=True)
        limit = KEEP_WEEKLY if period is _iso_week else KEEP_MONTHLY
        kept |= {first_of_period[p].path for p in newest[:limit]}
    kept |= {c.path for c in ordered if c.day >= today}  # today's: perhaps still being written
    return kept


def _iso_week(day: date) -> tuple[int, int]:
    year, week, _weekday = day.isocalendar()
    return year, week


def _month(day: date) -> tuple[int, int]:
    return day.year, day.month


def rotate(database: Path, folder: Path, today: date) -> tuple[Path, ...]:
    """Remove the copies the rotation no longer keeps; returns them."""
    copies = list_copies(database, folder)
    kept = copies_to_keep(copies, today)
    removed = []
    for copy in copies:
        if copy.path in kept:
            continue
        try:
            for suffix in ("", "-wal", "-shm"):
                copy.path.with_name(copy.path.name + suffix).unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove the old backup %s: %s", copy.path, exc)
            continue
        removed.append(copy.path)
    return tuple(removed)


def make_daily_copy(database: Path, folder: Path, now: datetime) -> DailyOutcome:
    """Copy *database* into *folder* unless a copy of *now*'s day is there; then rotate.

    Raises UserError (or DamagedDatabase) when the copy cannot be made; `daily_copy` turns
    that into the message shown once.
    """
    if folder.resolve() == database.parent.resolve():
        raise UserError(f"バックアップ先のフォルダ「{folder}」はデータベースファイルと同じフォルダです。"
                        "別のフォルダを設定してください。")
    made = None
    if not any(c.day == now.date() for c in list_copies(database, folder)):
        stamp = now.strftime("%Y%m%d-%H%M%S")
        target = folder / f"{database.stem}.backup-{stamp}{database.suffix}"
        counter = 1
        while target.exists():  # another start made a copy this very second
            counter += 1
            target = folder / f"{database.stem}.backup-{stamp}-{counter}{database.suffix}"
        made = sqlite_files.backup_to(database, target)
    return DailyOutcome(made=made, removed=rotate(database, folder, now.date()))


def daily_copy(database: Path, now: datetime | None = None) -> DailyOutcome:
    """The first start of the day's copy, into the folder the settings choose; never raises
    for a copy that fails: the outcome's *failure* says why, in Japanese (and it is logged)."""
    from kyodo_desk.config import backup_folder_setting

    started = time.perf_counter()
    folder: Path | None = None
    try:
        folder = copies_folder(database, backup_folder_setting())
        outcome = make_daily_copy(database, folder, now or datetime.now())
    except UserError as exc:
        log.error("the daily backup of %s into %s failed: %s", database, folder, exc.message)
        return DailyOutcome(failure=f"{FAILED}\n{exc.message}")
    except Exception as exc:  # a start never ends for a copy: say so, and keep going
        log.exception("the daily backup of %s into %s failed", database, folder)
        return DailyOutcome(failure=f"{FAILED}\n（{type(exc).__name__}: {exc}）")
    if outcome.made is not None:
        log.info("daily backup %s made in %.2f s; %d old copies removed", outcome.made,
                 time.perf_counter() - started, len(outcome.removed))
    return outcome


# --- `kyodo-desk db backup [FILE]` ----------------------------------------------------------------

_NO_PG_DUMP = (
    "pg_dump が見つかりません。PostgreSQL のクライアント（pg_dump）を入れて、コマンドの検索パス"
    "（PATH）から使えるようにしてから、もう一度実行してください。\n"
    "  Windows: PostgreSQL のインストーラーで「Command Line Tools」を選んで入れ、"
    "C:\\Program Files\\PostgreSQL\\<版>\\bin を環境変数 PATH に加える\n"
    "  Debian・Ubuntu: sudo apt install postgresql-client\n"
    "  Red Hat 系: sudo dnf install postgresql\n"
    "サーバーと同じか新しい版の pg_dump を使います。サーバー自身でのバックアップは "
    "README「Backups (バックアップ)」を見てください。")


def backup_command(raw_url: str, file: Path | None, now: datetime | None = None) -> int:
    """`db backup [FILE]`: the SQLite file copied, or the PostgreSQL database dumped with
    pg_dump (custom format); without FILE, into the current folder under a dated name.
    Prints what was written; refusals are UserErrors."""
    from kyodo_desk.database.core import parse_url

    url = parse_url(raw_url)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    path = sqlite_files.database_path(url)
    if url.get_backend_name() == "sqlite":
        if path is None:
            raise UserError("メモリー上のデータベースはバックアップできません。")
        if not path.exists():
            raise UserError(f"データベースファイル「{path}」がありません。")
        target = file or Path(f"{path.stem}.backup-{stamp}{path.suffix}")
        sqlite_files.backup_to(path, target)
        print(f"{path} を {target} にバックアップしました。")
        return 0
    target = file or Path(f"{url.database or 'kyodo'}-{stamp}.dump")
    dump_server(url, target)
    where = f"{url.host or 'localhost'}:{url.port or 5432}/{url.database}"
    print(f"PostgreSQL: {where} を {target} にバックアップしました"
          f"（pg_dump のカスタム形式、{target.stat().st_size:,} バイト）。")
    print(f"戻すときは、空のデータベースに: pg_restore --no-owner -d データベース名 {target}")
    return 0


def dump_server(url: URL, target: Path) -> Path:
    """pg_dump --format=custom of the database at *url* into the new file *target* (readable
    by the user only). The password, if the URL carries one (from the keyring), goes to
    pg_dump in its environment, never on its command line."""
    import os
    import shutil
    import subprocess
    import sys

    from kyodo_desk.paths import make_private_folder

    tool = shutil.which("pg_dump")
    if tool is None:
        raise UserError(_NO_PG_DUMP)
    try:
        make_private_folder(target.parent)
        os.close(sqlite_files.create_private_file(target))
    except FileExistsError:
        raise UserError(f"バックアップ先「{target}」は既にあります。別の名前を指定してください。") from None
    except OSError as exc:
        raise UserError(f"バックアップ先「{target}」に書き込めません（{exc.strerror or exc}）。"
                        "フォルダの権限と空き容量を確認してください。") from exc
    env = dict(os.environ, PGCONNECT_TIMEOUT=os.environ.get("PGCONNECT_TIMEOUT", "10"))
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False)
    command = [tool, "--format=custom", f"--file={target}", f"--dbname={conninfo}"]
    if not sys.stdin.isatty():
        command.append("--no-password")  # no one to answer a prompt: fail and say so
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True,
                              encoding="utf-8", errors="replace", check=False)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        raise UserError(_dump_failed(done.stderr))
    return target


def _dump_failed(stderr: str) -> str:
    """Why pg_dump failed, and what to do, from its messages (names of tables, never values)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    detail = "; ".join(lines[:3]) or "詳細なし"
    text = stderr.lower()
    if "version mismatch" in text:
        hint = ("pg_dump の版がサーバーより古いため、バックアップできません。"
                "サーバーと同じか新しい版の PostgreSQL クライアントを入れてください。")
    elif "permission denied" in text:
        hint = ("この接続の利用者には読めない表があります。表の所有者のロール（例: kyodo_owner）で "
                "--database postgresql://kyodo_owner@サーバー/kyodo を指定して実行してください。")
    elif "password" in text or "authentication" in text:
        hint = ("サーバーに接続できません（パスワード）。パスワードを資格情報ストアか PostgreSQL の"
                "パスワードファイルに保存するか、端末から実行して入力してください。")
    else:
        hint = "pg_dump がバックアップを作れませんでした。接続先とサーバーの状態を確認してください。"
    return f"{hint}\n（pg_dump: {detail}）"
