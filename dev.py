"""Set up a local environment and start the app or run the tests — the README's two commands.

    python3 dev.py start [kyodo-desk arguments]   # set up .venv, start 協働デスク (embedded SQLite)
    python3 dev.py test  [pytest arguments]       # set up .venv with test tools, ruff, mypy, pytest
    python3 dev.py kit                            # dist/kyodo-desk-<version>-offline.zip (閉域網用)
    python3 dev.py freeze                         # dist/kyodo-desk/ — one folder, Python inside

Uses only the standard library, so it runs on a fresh machine with Python 3.11+ (Windows too:
`py dev.py start`). The environment is reinstalled only when pyproject.toml changes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def _run(*args: str | Path) -> None:
    subprocess.run([str(a) for a in args], check=True, cwd=ROOT)


def ensure_env(extras: str) -> None:
    """Create .venv and install the app (editable) with the given extras, once per pyproject."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs on whatever Python is found
        sys.exit("協働デスクには Python 3.11 以上が必要です。")
    if not PYTHON.exists():
        print("仮想環境 .venv を作成しています…", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".installed-{extras or 'app'}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    print("依存パッケージをインストールしています（初回は数分かかります）…", flush=True)
    _run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    target = f".[{extras}]" if extras else "."
    _run(PYTHON, "-m", "pip", "install", "--quiet", "-e", target)
    stamp.write_text(digest)


# PyInstaller (GPL with the bootloader exception: the frozen app is not bound by it), in a venv of
# its own with the app installed from its wheel, so the shipped folders sit inside the package.
PYINSTALLER = ("pyinstaller==6.22.3", "pyinstaller-hooks-contrib==2026.10")


def freeze(rest: list[str]) -> int:
    """One folder (dist/kyodo-desk) holding Python, Qt and the app: on Windows, run there."""
    build = ROOT / "build" / "freeze"
    env = build / "venv"
    python = env / ("Scripts" if os.name == "nt" else "bin") / ("python.exe" if os.name == "nt" else "python")
    if not python.exists():
        venv.EnvBuilder(with_pip=True).create(env)
    print("PyInstaller とアプリを準備しています…", flush=True)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, *PYINSTALLER, str(ROOT)], check=True, cwd=ROOT)
    # The same version number again: reinstalled, so that today's sources are frozen.
    subprocess.run([*pip, "--force-reinstall", "--no-deps", str(ROOT)], check=True, cwd=ROOT)
    print("固めています（数分かかります）…", flush=True)
    return subprocess.call([str(python), "-m", "PyInstaller", "--noconfirm", "--clean",
                            "--distpath", str(ROOT / "dist"), "--workpath", str(build / "work"),
                            *rest, str(ROOT / "kit" / "kyodo-desk.spec")], cwd=ROOT)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"start", "test", "kit", "freeze"}:
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "start":
        ensure_env("")
        return subprocess.call([str(BIN / "kyodo-desk"), *rest], cwd=ROOT)
    if command == "kit":
        ensure_env("")
        return subprocess.call([str(PYTHON), str(ROOT / "kit" / "build.py"), *rest], cwd=ROOT)
    if command == "freeze":
        return freeze(rest)
    ensure_env("test")
    lint = subprocess.call([str(BIN / "ruff"), "check", "."], cwd=ROOT)
    print("型を検査しています（mypy）…", flush=True)
    # Files and strictness come from pyproject.toml; .mypy_cache makes a re-run take a second.
    types = subprocess.call([str(BIN / "mypy")], cwd=ROOT)
    # The whole suite on two worker processes (pytest-xdist): it is as long as a working day's
    # patience allows only that way. Naming tests or `-n` runs them as asked.
    spread = [] if rest else ["-n", "2"]
    tests = subprocess.call([str(PYTHON), "-m", "pytest", *spread, *rest], cwd=ROOT)
    return tests or lint or types


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
