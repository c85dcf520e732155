"""`-o FILE` replaces a regular file or takes a free name, and nothing else: a folder, a device
(/dev/null, a disk), a FIFO or a symbolic link is refused with the path named, and left as it was.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kyodo_desk import cli

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and device nodes")

COMMANDS = {
    "export": ["export", "facilities"],
    "leaflet": ["leaflet", "facility-guide"],
    "report": ["report", "consultations", "--format", "csv"],
}


@pytest.fixture
def url(template_databases: dict[str, str], tmp_path: Path) -> str:
    path = tmp_path / "db" / "kyodo-desk.sqlite3"
    path.parent.mkdir()
    shutil.copyfile(template_databases["sqlite"], path)
    return f"sqlite:///{path}"


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def run(capsys: pytest.CaptureFixture[str], url: str, command: str,
        target: Path) -> tuple[int, str, str]:
    code = cli.main(["--database", url, *COMMANDS[command], "-o", str(target)])
    printed, err = capsys.readouterr()
    return code, printed, err


def _folder(target: Path) -> Callable[[], bool]:
    target.mkdir()
    (target / "keep.txt").write_text("前のファイル", encoding="utf-8")
    return lambda: target.is_dir() and [p.name for p in target.iterdir()] == ["keep.txt"]


def _fifo(target: Path) -> Callable[[], bool]:
    os.mkfifo(target)
    return lambda: stat.S_ISFIFO(os.lstat(target).st_mode)


def _device(target: Path) -> Callable[[], bool]:
    """A node like /dev/null (character device 1,3), made where the test may make it."""
    try:
        os.mknod(target, 0o600 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs the administrator's rights")
    return lambda: stat.S_ISCHR(os.lstat(target).st_mode)


def _link_to_a_file(target: Path) -> Callable[[], bool]:
    elsewhere = target.with_name("kyodo-desk.sqlite3")
    elsewhere.write_bytes(b"another file's bytes")
    target.symlink_to(elsewhere)
    return lambda: (target.is_symlink() and target.readlink() == elsewhere
                    and elsewhere.read_bytes() == b"another file's bytes")


TARGETS = {"folder": _folder, "fifo": _fifo, "device": _device, "link": _link_to_a_file}


@posix_only
@pytest.mark.parametrize("kind", TARGETS)
@pytest.mark.parametrize("command", COMMANDS)
def test_anything_but_a_regular_file_is_refused_and_left_as_it_was(
        capsys: pytest.CaptureFixture[str], url: str, out: Path, command: str,
        kind: str) -> None:
    target = out / "一覧.csv"
    unchanged = TARGETS[kind](target)

    code, printed, err = run(capsys, url, command, target)

    assert code == 2
    assert err.startswith("エラー: ") and f"「{target}」" in err
    assert printed == ""
    assert unchanged()
    assert sorted(p.name for p in out.iterdir()) == sorted(
        {"一覧.csv", *(["kyodo-desk.sqlite3"] if kind == "link" else [])})


def test_a_regular_file_is_replaced_as_before(capsys: pytest.CaptureFixture[str], url: str,
                                              out: Path) -> None:
    target = out / "施設.csv"
    target.write_bytes(b"last month's list")

    code, _, err = run(capsys, url, "export", target)

    assert code == 0, err
    assert target.read_bytes().startswith("\ufeff名称,".encode())
    assert [p.name for p in out.iterdir()] == ["施設.csv"]


@posix_only
def test_a_fifo_that_takes_the_name_during_the_export_is_not_replaced(
        capsys: pytest.CaptureFixture[str], url: str, out: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from kyodo_desk.exports import facilities

    target = out / "施設.csv"
    plain_row = facilities.plain_row

    def row_then_fifo(facility):  # type: ignore[no-untyped-def]
        if not target.exists():
            os.mkfifo(target)  # another program claims the name while the rows are written
        return plain_row(facility)

    monkeypatch.setattr(facilities, "plain_row", row_then_fifo)
    code, _, err = run(capsys, url, "export", target)

    assert code == 2
    assert f"「{target}」" in err
    assert stat.S_ISFIFO(os.lstat(target).st_mode)
    assert [p.name for p in out.iterdir()] == ["施設.csv"]  # no half-written temporary file


def test_a_failed_export_keeps_the_old_file_whole(capsys: pytest.CaptureFixture[str],
                                                  url: str, out: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from kyodo_desk.exports import facilities

    target = out / "施設.csv"
    target.write_bytes(b"last month's list")

    def fails(_facility):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(facilities, "plain_row", fails)
    code, _, err = run(capsys, url, "export", target)

    assert code == 2
    assert f"「{target}」" in err
    assert target.read_bytes() == b"last month's list"
    assert [p.name for p in out.iterdir()] == ["施設.csv"]
