"""Opening the database: first start, and every way it can go wrong, as the user meets it."""

from __future__ import annotations

import os
import shutil
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from kyodo_desk import config
from kyodo_desk.database import StartupError, open_database, sqlite_files
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import Facility, Membership
from kyodo_desk.services import contacts as svc

SYSTEM = Actor.system()

JAPANESE = ("を", "ん", "。")


def facility_count(db) -> int:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        return session.scalar(select(func.count()).select_from(Facility))


def backups_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".backup-" in p.name)


@pytest.fixture
def sqlite_copy(template_databases: dict[str, str], tmp_path: Path) -> Path:
    """A migrated, seeded SQLite file (a copy of this run's template)."""
    target = tmp_path / "kyodo-desk.sqlite3"
    shutil.copyfile(template_databases["sqlite"], target)
    return target


# --- first start --------------------------------------------------------------------------------


def test_first_start_creates_the_file_in_the_data_folder_with_the_facilities() -> None:
    choice = config.choose_database()
    path = config.default_sqlite_path()
    assert choice.source == "default"
    assert path.parent == Path(os.environ["KYODO_DATA_DIR"])
    assert not path.parent.exists()

    db = open_database(choice.url)
    try:
        assert path.is_file()
        assert not db.read_only
        assert db.describe() == f"SQLite: {path}"
        assert facility_count(db) == 8
        assert len(svc.search_facilities(db, SYSTEM)) == 8
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        with pytest.raises(IntegrityError), db.writing(SYSTEM) as session:
            session.add(Membership(person_id=999_999, group_id=999_998, role=""))
    finally:
        db.dispose()

    reopened = open_database(choice.url)  # the second start finds the same data, not a copy
    try:
        assert facility_count(reopened) == 8
    finally:
        reopened.dispose()


# --- a damaged or foreign file ------------------------------------------------------------------


def _random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(8192))


def _text_file(path: Path) -> None:
    path.write_text("氏名,電話\n佐藤,018-000-0000\n" * 200, encoding="utf-8")


def _damaged_pages(path: Path) -> None:
    open_database(f"sqlite:///{path}").dispose()
    data = bytearray(path.read_bytes())
    data[4096:] = b"\xab" * (len(data) - 4096)  # the header survives, the pages do not
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("spoil", [_random_bytes, _text_file, _damaged_pages],
                         ids=["random-bytes", "text-file", "damaged-pages"])
def test_a_corrupt_file_is_explained_and_left_alone(spoil, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "kyodo-desk.sqlite3"
    spoil(path)
    for leftover in tmp_path.iterdir():
        if leftover != path:
            leftover.unlink()
    before = path.read_bytes()

    with pytest.raises(StartupError) as info:
        open_database(f"sqlite:///{path}")

    message = info.value.message
    assert str(path) in message
    assert "バックアップ" in message
    assert "壊れている" in message
    assert all(ch in message for ch in JAPANESE)
    assert path.read_bytes() == before
    assert backups_in(tmp_path) == []


def test_a_foreign_sqlite_file_is_refused_and_its_table_kept(tmp_path: Path) -> None:
    path = tmp_path / "other-app.sqlite3"
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount INTEGER)"))
        conn.execute(text("INSERT INTO ledger (amount) VALUES (42), (7)"))
    engine.dispose()

    with pytest.raises(StartupError) as info:
        open_database(url)

    assert "協働デスク以外のデータ" in info.value.message
    assert str(path) in info.value.message
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert inspect(conn).get_table_names() == ["ledger"]
            assert conn.execute(text("SELECT amount FROM ledger ORDER BY id")).scalars().all() \
                == [42, 7]
    finally:
        engine.dispose()
    assert backups_in(tmp_path) == []


def test_a_foreign_postgresql_database_is_refused_and_its_table_kept(fresh_pg_url: str) -> None:
    engine = create_engine(fresh_pg_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE ledger (id serial PRIMARY KEY, amount integer)"))
        conn.execute(text("INSERT INTO ledger (amount) VALUES (42), (7)"))
    engine.dispose()

    with pytest.raises(StartupError) as info:
        open_database(fresh_pg_url)

    assert "協働デスク以外のデータ" in info.value.message
    assert "PostgreSQL" in info.value.message
    engine = create_engine(fresh_pg_url)
    try:
        with engine.connect() as conn:
            assert inspect(conn).get_table_names() == ["ledger"]
            assert conn.execute(text("SELECT amount FROM ledger ORDER BY id")).scalars().all() \
                == [42, 7]
    finally:
        engine.dispose()


# --- where the file may not be --------------------------------------------------------------------


def test_a_data_folder_that_cannot_be_created_is_named(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("KYODO_DATA_DIR", str(blocker / "data"))

    with pytest.raises(UserError) as info:
        open_database(config.choose_database().url)

    assert f"「{blocker / 'data'}」" in info.value.message
    assert "作成できません" in info.value.message
    assert "--database" in info.value.message
    assert blocker.read_text(encoding="utf-8") == ""


UNC_URLS = ["sqlite://///server/share/kyodo.sqlite3", r"sqlite:///\\server\share\kyodo.sqlite3"]


@pytest.mark.parametrize("url", UNC_URLS, ids=["slashes", "backslashes"])
def test_a_network_share_is_refused_with_a_pointer_to_postgresql(
        url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    root_server_existed = Path("/server").exists()

    with pytest.raises(UserError) as info:
        open_database(url)

    assert "ネットワーク" in info.value.message
    assert "PostgreSQL" in info.value.message
    assert "kyodo.sqlite3" in info.value.message
    assert list(tmp_path.iterdir()) == []
    assert Path("/server").exists() == root_server_existed


linux_mounts = pytest.mark.skipif(sys.platform == "win32",
                                  reason="network drives are asked of Windows, not /proc/mounts")


def _fake_mounts(monkeypatch: pytest.MonkeyPatch, *lines: str) -> None:
    """Pretend /proc/mounts lists these mounts (besides a local root)."""
    real_read_text = Path.read_text
    mounts = "\n".join(["/dev/sda1 / ext4 rw 0 0", *lines]) + "\n"

    def read_text(self: Path, *args, **kwargs) -> str:  # type: ignore[no-untyped-def]
        if str(self) == "/proc/mounts":
            return mounts
        return real_read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", read_text)


@linux_mounts
def test_a_folder_on_a_network_mount_is_refused(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    share = tmp_path.resolve() / "nas"
    _fake_mounts(monkeypatch, f"fileserver:/export {share} nfs4 rw 0 0")

    with pytest.raises(UserError) as info:
        open_database(f"sqlite:///{share}/kyodo/kyodo-desk.sqlite3")

    assert "PostgreSQL" in info.value.message
    assert not share.exists()


@linux_mounts
def test_a_local_folder_named_like_a_network_mount_is_allowed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path.resolve()
    _fake_mounts(monkeypatch, f"fileserver:/export {base / 'nas'} nfs4 rw 0 0")
    assert not sqlite_files.is_network_path(base / "nas-local" / "kyodo-desk.sqlite3")


@linux_mounts
def test_a_network_mount_with_a_space_in_its_path_is_recognised(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = tmp_path.resolve()
    _fake_mounts(monkeypatch, f"//nas/share {base}/共有\\040フォルダ cifs rw 0 0")
    assert sqlite_files.is_network_path(base / "共有 フォルダ" / "kyodo-desk.sqlite3")


@pytest.mark.parametrize("where", ["folder-is-a-file", "network-share"])
def test_every_refusal_to_open_is_a_startup_error(where: str, tmp_path: Path) -> None:
    if where == "folder-is-a-file":
        (tmp_path / "file").write_text("", encoding="utf-8")
        url = f"sqlite:///{tmp_path / 'file' / 'data' / 'kyodo-desk.sqlite3'}"
    else:
        url = UNC_URLS[0]
    with pytest.raises(StartupError):
        open_database(url)


# --- servers that do not answer -------------------------------------------------------------------


def test_an_unreachable_server_is_explained_within_seconds() -> None:
    started = time.monotonic()
    with pytest.raises(StartupError) as info:
        open_database("postgresql://postgres@127.0.0.1:1/nothing")
    assert time.monotonic() - started < 5

    message = info.value.message
    assert "データベースサーバー（127.0.0.1:1）" in message
    assert "「nothing」" in message
    assert "接続できません" in message
    assert "ネットワーク" in message
    assert "確認してください" in message
    assert "管理者" in message


def test_a_missing_postgresql_database_is_named(pg_server) -> None:  # type: ignore[no-untyped-def]
    if pg_server is None:
        pytest.skip("PostgreSQL tests need KYODO_TEST_PG_URL")
    missing = f"kyodo_test_{pg_server.run_id}_missing"
    with pytest.raises(StartupError) as info:
        open_database(pg_server.url_for(missing))
    assert f"「{missing}」" in info.value.message
    assert "接続できません" in info.value.message


def test_an_unsupported_database_is_refused() -> None:
    with pytest.raises(StartupError) as info:
        open_database("mysql://kyodo@db-server/kyodo")
    assert "mysql" in info.value.message
    assert "PostgreSQL" in info.value.message


# --- two counters starting at once ------------------------------------------------------------


def test_two_counters_opening_a_new_postgresql_database_at_once(pg_server) -> None:  # type: ignore[no-untyped-def]
    if pg_server is None:
        pytest.skip("PostgreSQL tests need KYODO_TEST_PG_URL")
    for _ in range(3):  # the race is short; try it a few times
        url = pg_server.create(f"kyodo_test_{pg_server.run_id}_{uuid.uuid4().hex[:8]}")
        start = threading.Barrier(2)
        results: list[object] = []

        def open_it(url: str = url, start: threading.Barrier = start,
                    results: list[object] = results) -> None:
            start.wait()
            try:
                results.append(open_database(url))
            except Exception as exc:
                results.append(exc)

        threads = [threading.Thread(target=open_it) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        try:
            assert not [r for r in results if isinstance(r, BaseException)], results
            assert len(results) == 2
            assert all(not db.read_only for db in results)  # type: ignore[attr-defined]
        finally:
            for db in results:
                if not isinstance(db, BaseException):
                    db.dispose()  # type: ignore[attr-defined]
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM facilities")).scalar() == 8
                assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
        finally:
            engine.dispose()
