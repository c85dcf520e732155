"""The offline kit (閉域網用インストールキット, kit/build.py and its install scripts).

The full build (600+ MB from the package index) is a manual check (README 「インストール（閉域網）」);
here the pieces: which wheels each target needs, the sums, the scripts as written into the kit,
and install.sh run for real on a kit holding a stand-in app wheel — no network, as at a counter.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("kit_build", ROOT / "kit" / "build.py")
assert _spec is not None and _spec.loader is not None
kit = importlib.util.module_from_spec(_spec)
sys.modules["kit_build"] = kit  # dataclasses look their module up by name
_spec.loader.exec_module(kit)

WIN312 = kit.Target("windows", "3.12")
WIN311 = kit.Target("windows", "3.11")
LINUX312 = kit.Target("linux", "3.12")
LINUX313 = kit.Target("linux", "3.13")


def make_wheel(folder: Path, name: str, version: str, tag: str = "py3-none-any", *,
               requires: tuple[str, ...] = (), modules: dict[str, str] | None = None,
               scripts: dict[str, str] | None = None) -> Path:
    """A wheel pip installs: METADATA, WHEEL, entry points and RECORD (without hashes)."""
    dist = f"{name.replace('-', '_')}-{version}"
    info = f"{dist}.dist-info"
    files = {f"{info}/METADATA": "Metadata-Version: 2.1\n"
             f"Name: {name}\nVersion: {version}\n"
             + "".join(f"Requires-Dist: {r}\n" for r in requires),
             f"{info}/WHEEL": f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: {tag}\n"}
    files.update(modules or {})
    if scripts:
        files[f"{info}/entry_points.txt"] = "[console_scripts]\n" + "".join(
            f"{k} = {v}\n" for k, v in scripts.items())
    files[f"{info}/RECORD"] = "".join(f"{n},,\n" for n in [*files, f"{info}/RECORD"])
    path = folder / f"{dist}-{tag}.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for member, text in files.items():
            archive.writestr(member, text)
    return path


def test_markers_are_the_targets_not_this_pcs(tmp_path: Path) -> None:
    """pip on Linux would skip keyring's Windows-only dependency; the kit's walk does not."""
    make_wheel(tmp_path, "app", "1.0", requires=(
        'winonly>=2; sys_platform == "win32"', 'backport; python_version < "3.12"',
        "lib[fast]"))
    make_wheel(tmp_path, "lib", "1.0", requires=('speedup; extra == "fast"',))
    assert [str(r) for r in kit.missing(tmp_path, ["app"], WIN311)] == [
        'speedup; extra == "fast"', 'backport; python_version < "3.12"',
        'winonly>=2; sys_platform == "win32"']
    assert [r.name for r in kit.missing(tmp_path, ["app"], LINUX312)] == ["speedup"]
    make_wheel(tmp_path, "speedup", "1.0")
    make_wheel(tmp_path, "winonly", "1.0")  # too old for >=2
    assert [r.name for r in kit.missing(tmp_path, ["app"], WIN312)] == ["winonly"]
    make_wheel(tmp_path, "winonly", "2.0")
    assert kit.missing(tmp_path, ["app"], WIN312) == []
    assert kit.missing(tmp_path, ["app"], LINUX312) == []


def test_a_compiled_wheel_fits_only_its_system_and_python(tmp_path: Path) -> None:
    make_wheel(tmp_path, "app", "1.0", requires=("fast",))
    make_wheel(tmp_path, "fast", "1.0", "cp312-cp312-win_amd64")
    make_wheel(tmp_path, "fast", "1.0", "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64")
    make_wheel(tmp_path, "qt", "1.0", "cp310-abi3-manylinux_2_34_x86_64")
    assert kit.missing(tmp_path, ["app"], WIN312) == []
    assert kit.missing(tmp_path, ["app"], LINUX312) == []
    assert [r.name for r in kit.missing(tmp_path, ["app"], LINUX313)] == ["fast"]
    assert [r.name for r in kit.missing(tmp_path, ["app"], WIN311)] == ["fast"]
    # abi3 from 3.10 on; glibc 2.34 is the kit's floor (PySide6 6.11).
    assert kit.missing(tmp_path, ["qt"], LINUX313) == []
    make_wheel(tmp_path, "newer", "1.0", "cp310-abi3-manylinux_2_35_x86_64")
    assert [r.name for r in kit.missing(tmp_path, ["newer"], LINUX313)] == ["newer"]


def test_the_walk_takes_what_pip_would_and_only_that(tmp_path: Path) -> None:
    make_wheel(tmp_path, "app", "1.0", requires=("lib<3", 'winonly; os_name == "nt"'))
    for version in ("1.0", "2.0", "3.0"):
        make_wheel(tmp_path, "lib", version)
    make_wheel(tmp_path, "winonly", "1.0")
    taken, lacking = kit.walk(tmp_path, ["app"], LINUX312)
    assert lacking == []
    assert sorted(p.name for p in taken) == ["app-1.0-py3-none-any.whl",
                                             "lib-2.0-py3-none-any.whl"]


def test_sums_are_what_sha256sum_checks(tmp_path: Path) -> None:
    (tmp_path / "wheels").mkdir()
    (tmp_path / "wheels" / "a.whl").write_bytes(b"wheel")
    (tmp_path / "install.sh").write_text("echo\n")
    sums = kit.write_sums(tmp_path)
    assert sums.read_text().splitlines() == [
        f"{kit.sha256(tmp_path / 'install.sh')}  install.sh",
        f"{kit.sha256(tmp_path / 'wheels' / 'a.whl')}  wheels/a.whl"]
    assert kit.check_sums(tmp_path) == []
    if shutil.which("sha256sum"):
        subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=tmp_path, check=True)
    (tmp_path / "wheels" / "a.whl").write_bytes(b"damaged")
    assert kit.check_sums(tmp_path) == ["wheels/a.whl"]


def test_scripts_carry_the_version_and_each_systems_encoding(tmp_path: Path) -> None:
    kit.render_scripts(tmp_path, "9.8.7")
    shell = (tmp_path / "install.sh").read_bytes()
    batch = (tmp_path / "install.bat").read_bytes()
    assert b"\r\n" not in shell and os.access(tmp_path / "install.sh", os.X_OK)
    assert batch.count(b"\r\n") == batch.count(b"\n")  # every line CRLF
    text = batch.decode("cp932")  # what a Japanese Windows' cmd reads
    assert 'set "VERSION=9.8.7"' in text and "@VERSION@" not in text
    assert "使い方: install.bat FOLDER" in text
    assert '--no-index --find-links "%KIT%wheels" "kyodo-desk==%VERSION%"' in text
    assert "VERSION=9.8.7" in shell.decode()


@pytest.fixture()
def stand_in_kit(tmp_path: Path) -> Path:
    """A kit as `dev.py kit` lays it out, its app a stand-in wheel that reports its version."""
    wheels = tmp_path / "wheels-src"
    wheels.mkdir()
    make_wheel(wheels, "kyodo-desk", "9.8.7",
               modules={"kit_probe.py": "def main():\n    print('kyodo-desk 9.8.7')\n"},
               scripts={"kyodo-desk": "kit_probe:main"})
    stage = tmp_path / "kyodo-desk-9.8.7-offline"
    stage.mkdir()
    kit.assemble(stage, wheels, "9.8.7")
    return stage


def _install(stage: Path, folder: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "LANG": "C.UTF-8",
           # An index that does not exist: any attempt to reach the network fails the install.
           "PIP_INDEX_URL": "http://127.0.0.1:9/simple"}
    return subprocess.run(["sh", str(stage / "install.sh"), str(folder)], env=env,
                          capture_output=True, text=True)


# Two venvs made and filled: 45–90 s, on one of the suite's two processes while the other goes on.
@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="install.sh is the Linux installer")
def test_install_sh_installs_and_an_update_keeps_the_data(stand_in_kit: Path,
                                                         tmp_path: Path) -> None:
    home, folder = tmp_path / "home", tmp_path / "app folder"
    (home / "Desktop").mkdir(parents=True)
    first = _install(stand_in_kit, folder, home)
    assert first.returncode == 0, first.stderr
    command = folder / "venv" / "bin" / "kyodo-desk"
    assert first.stdout.splitlines()[-1] == str(command)
    assert subprocess.run([command], capture_output=True, text=True).stdout == "kyodo-desk 9.8.7\n"
    for entry in (home / ".local/share/applications/kyodo-desk.desktop",
                  home / "Desktop/kyodo-desk.desktop"):
        assert f'Exec="{command}"' in entry.read_text()
    # The data folder (platformdirs) lies outside FOLDER: an update replaces the app only.
    data = home / ".local" / "share" / "kyodo-desk"
    data.mkdir(parents=True)
    (data / "kyodo-desk.sqlite3").write_bytes(b"the counter's records")
    (folder / "venv" / "left-by-the-old-version").touch()
    again = _install(stand_in_kit, folder, home)
    assert again.returncode == 0, again.stderr
    assert "以前の版を置き換えます" in again.stdout
    assert not (folder / "venv" / "left-by-the-old-version").exists()
    assert not (folder / "venv.old").exists()
    assert (data / "kyodo-desk.sqlite3").read_bytes() == b"the counter's records"
    assert subprocess.run([command], capture_output=True, text=True).returncode == 0


@pytest.mark.skipif(os.name != "posix", reason="install.sh is the Linux installer")
def test_install_sh_refuses_a_damaged_kit_and_a_missing_folder(stand_in_kit: Path,
                                                              tmp_path: Path) -> None:
    usage = subprocess.run(["sh", str(stand_in_kit / "install.sh")], capture_output=True,
                           text=True)
    assert usage.returncode == 2 and "使い方: sh install.sh FOLDER" in usage.stderr
    if not shutil.which("sha256sum"):
        pytest.skip("sha256sum is not installed")
    wheel = next((stand_in_kit / "wheels").glob("*.whl"))
    wheel.write_bytes(wheel.read_bytes() + b"x")
    damaged = _install(stand_in_kit, tmp_path / "app", tmp_path / "home")
    assert damaged.returncode == 1
    assert "キットのファイルが壊れているか欠けています" in damaged.stderr
    assert not (tmp_path / "app").exists()
