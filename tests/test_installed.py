"""The package as a user installs it (a wheel, not the checkout) starts on an empty data folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from this checkout, installed into a folder outside it."""
    wheels = tmp_path_factory.mktemp("wheels")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w",
                    str(wheels), str(ROOT)], check=True)
    target = tmp_path_factory.mktemp("site")
    wheel = next(wheels.glob("kyodo_desk-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(target), str(wheel)], check=True)
    return target


def run_installed(site: Path, data: Path, *args: str,
                  stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site), "KYODO_DATA_DIR": str(data),
           "KYODO_CONFIG_DIR": str(data / "config"), "QT_QPA_PLATFORM": "offscreen",
           "KYODO_PROBE_SIGN_IN": "akita.admin:first-pass-1"}
    env.pop("KYODO_DATABASE_URL", None)
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True,
                          timeout=120, cwd=site, input=stdin)


def test_installed_package_ships_its_migrations_seed_and_font(installed: Path,
                                                              tmp_path: Path) -> None:
    result = run_installed(installed, tmp_path, "-c",
                           "from kyodo_desk import paths; "
                           "print(paths.db_dir()); print(paths.font_path())")
    db_dir, font = (Path(line) for line in result.stdout.split())
    assert db_dir.is_relative_to(installed) and (db_dir / "seed" / "facilities.json").exists()
    assert font.is_relative_to(installed) and font.stat().st_size > 1_000_000
    # The user manual (ヘルプ → 使い方, F1) beside the font, in resources/manual.
    assert (font.parent.parent / "manual" / "index.html").is_file()


def test_installed_app_starts_on_an_empty_data_folder_with_the_eight_facilities(
        installed: Path, tmp_path: Path) -> None:
    data = tmp_path / "new-user"
    # A new center: the administrator account is made on the command line, then the window
    # opens signed in as it.
    result = run_installed(installed, data, "-m", "kyodo_desk", "user", "add", "akita.admin",
                           "--name", "管理 花子", "--role", "admin", "--facility", "central",
                           "--password-stdin", stdin="first-pass-1\n")
    assert result.returncode == 0, result.stderr
    assert "akita.admin" in result.stdout
    result = run_installed(installed, data, "-m", "kyodo_desk", "--startup-probe")
    assert result.returncode == 0, result.stderr
    assert "rows=8" in result.stdout
    assert (data / "kyodo-desk.sqlite3").exists()
    out = tmp_path / "facilities.csv"
    result = run_installed(installed, data, "-m", "kyodo_desk", "export", "facilities",
                           "-o", str(out))
    assert result.returncode == 0, result.stderr
    rows = out.read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 1 + 8
    assert rows[1].startswith("東部市民サービスセンター,")
