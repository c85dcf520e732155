"""The offline kit (閉域網用インストールキット): every wheel the app needs, install scripts, sums.

    python3 dev.py kit            # dist/kyodo-desk-<version>-offline.zip (Windows + Linux)

Run by dev.py with the project's .venv Python (for pip and `packaging`); needs the package index
once, to download. The kit holds, in one folder `kyodo-desk-<version>-offline/`:

    wheels/       the app's wheel and every dependency's wheels for each TARGET below
    install.sh    install.sh FOLDER   (Linux)   — no network: pip --no-index --find-links wheels
    install.bat   install.bat FOLDER  (Windows)
    README.md     the manual
    SHA256SUMS    sha256sum -c format, every file above

pip evaluates environment markers (`sys_platform == "win32"`, `python_version < "3.12"`) against
the Python that runs it, not against --platform/--python-version, so `pip download` alone misses
Windows-only dependencies (keyring → pywin32-ctypes) when run on Linux. `missing()` walks each
target's dependency tree with that target's markers and wheel tags; the build downloads what it
names until nothing is missing, and that walk is also the proof that each target is complete.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

try:
    from packaging.markers import default_environment
    from packaging.requirements import Requirement
    from packaging.tags import Tag, compatible_tags, cpython_tags
    from packaging.utils import canonicalize_name, parse_wheel_filename
    from packaging.version import Version
except ImportError:  # a bare venv: pip carries its own copy
    from pip._vendor.packaging.markers import default_environment  # type: ignore[no-redef]
    from pip._vendor.packaging.requirements import Requirement  # type: ignore[no-redef]
    from pip._vendor.packaging.tags import (  # type: ignore[no-redef,assignment]
        Tag,
        compatible_tags,
        cpython_tags,
    )
    from pip._vendor.packaging.utils import (  # type: ignore[no-redef,assignment]
        canonicalize_name,
        parse_wheel_filename,
    )
    from pip._vendor.packaging.version import Version  # type: ignore[no-redef,assignment]

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
PYTHONS = ("3.11", "3.12", "3.13")
# PySide6 6.11 is built for glibc 2.34 (Ubuntu 22.04, Debian 12, RHEL 9 and later): the kit's
# Linux floor. Older manylinux tags are listed too, as pip picks the best one each package has.
LINUX_PLATFORMS = (*(f"manylinux_2_{minor}_x86_64" for minor in range(34, 4, -1)),
                   "manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64")


@dataclass(frozen=True)
class Target:
    """One system and Python version the kit installs on (対象環境)."""

    system: str  # "windows" or "linux"
    python: str  # "3.12"

    @property
    def platforms(self) -> tuple[str, ...]:
        return ("win_amd64",) if self.system == "windows" else LINUX_PLATFORMS

    def markers(self) -> dict[str, str]:
        """The environment markers pip would see on that PC."""
        env: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
        full = f"{self.python}.0"
        env.update(python_version=self.python, python_full_version=full,
                   implementation_name="cpython", implementation_version=full,
                   platform_python_implementation="CPython", platform_release="",
                   platform_version="")
        if self.system == "windows":
            env.update(os_name="nt", sys_platform="win32", platform_system="Windows",
                       platform_machine="AMD64")
        else:
            env.update(os_name="posix", sys_platform="linux", platform_system="Linux",
                       platform_machine="x86_64")
        return env

    def tags(self) -> set[Tag]:
        """The wheel tags a CPython of that version on that system installs."""
        version = tuple(int(part) for part in self.python.split("."))
        interpreter = f"cp{version[0]}{version[1]}"
        return {*cpython_tags(version, platforms=self.platforms),
                *compatible_tags(version, interpreter, self.platforms)}

    def __str__(self) -> str:
        return f"{self.system}/Python {self.python}"


TARGETS = tuple(Target(system, python) for system in ("windows", "linux") for python in PYTHONS)


@dataclass(frozen=True)
class Wheel:
    path: Path
    name: str
    version: Version
    tags: frozenset[Tag]

    def requires(self) -> list[Requirement]:
        """Requires-Dist from the wheel's METADATA."""
        with zipfile.ZipFile(self.path) as archive:
            meta = next(n for n in archive.namelist()
                        if n.count("/") == 1 and n.endswith(".dist-info/METADATA"))
            message = Parser().parsestr(archive.read(meta).decode("utf-8"))
        return [Requirement(line) for line in message.get_all("Requires-Dist") or []]


def wheels_in(folder: Path) -> list[Wheel]:
    found = []
    for path in sorted(folder.glob("*.whl")):
        name, version, _build, tags = parse_wheel_filename(path.name)
        found.append(Wheel(path, str(name), version, frozenset(tags)))
    return found


def _best(wheels: list[Wheel], req: Requirement, target: Target, tags: set[Tag]) -> Wheel | None:
    """The wheel pip would take for *req* on *target*: the newest that fits, or None."""
    name = canonicalize_name(req.name)
    fitting = [w for w in wheels if w.name == name and w.tags & tags
               and req.specifier.contains(w.version, prereleases=True)]
    return max(fitting, key=lambda w: w.version, default=None)


def walk(folder: Path, roots: Iterable[str], target: Target) -> tuple[set[Path], list[Requirement]]:
    """What *target* installs of *roots* from the wheels in *folder*, following dependencies
    (with extras) under the target's markers: the wheels taken and the requirements no wheel
    fulfils."""
    wheels, tags, env = wheels_in(folder), target.tags(), target.markers()
    pending: list[tuple[Requirement, str]] = [(Requirement(r), "") for r in roots]
    seen: set[tuple[str, str]] = set()
    taken: set[Path] = set()
    lacking: list[Requirement] = []
    while pending:
        req, extra = pending.pop()
        if req.marker is not None and not req.marker.evaluate({**env, "extra": extra}):
            continue
        wheel = _best(wheels, req, target, tags)
        if wheel is None:
            if str(req) not in {str(r) for r in lacking}:
                lacking.append(req)
            continue
        taken.add(wheel.path)
        for wanted in ("", *sorted(req.extras)):
            if (wheel.name, wanted) not in seen:
                seen.add((wheel.name, wanted))
                pending.extend((dep, wanted) for dep in wheel.requires())
    return taken, lacking


def missing(folder: Path, roots: Iterable[str], target: Target) -> list[Requirement]:
    """The requirements no wheel in *folder* fulfils on *target*: empty when it installs there
    with --no-index."""
    return walk(folder, roots, target)[1]


def _without_marker(req: Requirement) -> str:
    bare = Requirement(str(req))
    bare.marker = None
    return str(bare)


def _pip(*args: str | Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", *map(str, args)],
                   check=True)


def download(folder: Path, requirements: list[str], target: Target, *, deps: bool) -> None:
    """pip download, binaries only, for *target* (markers aside, see the module's docstring)."""
    platforms = [arg for p in target.platforms for arg in ("--platform", p)]
    _pip("download", "--quiet", "--only-binary=:all:", *platforms,
         "--python-version", target.python, "--implementation", "cp",
         *([] if deps else ["--no-deps"]), "--dest", folder, *requirements)


def build_app_wheel(folder: Path) -> Path:
    _pip("wheel", "--quiet", "--no-deps", "--wheel-dir", folder, ROOT)
    version = project_version()
    return folder / f"kyodo_desk-{version}-py3-none-any.whl"


def project_version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"])


def gather(folder: Path, app: Path) -> None:
    """Fill *folder* (holding the app's wheel *app*) with every target's dependencies."""
    root = f"kyodo-desk=={project_version()}"
    for target in TARGETS:
        print(f"  {target}: 依存パッケージを集めています…", flush=True)
        download(folder, [str(app)], target, deps=True)
        for _ in range(10):
            lacking = missing(folder, [root], target)
            if not lacking:
                break
            names = [_without_marker(r) for r in lacking]
            try:
                download(folder, names, target, deps=False)
            except subprocess.CalledProcessError:
                print(f"  {target}: ホイールがないため作成します: {', '.join(names)}", flush=True)
                # No wheel on the index for the target (an sdist-only, pure-Python package):
                # built once here; a compiled one would stop the build below.
                _pip("wheel", "--quiet", "--no-deps", "--wheel-dir", folder, *names)
        else:
            raise SystemExit(f"{target}: 揃わない依存パッケージ: {lacking}")
        lacking = missing(folder, [root], target)
        if lacking:
            raise SystemExit(f"{target}: 揃わない依存パッケージ: {', '.join(map(str, lacking))}")


def render_scripts(dest: Path, version: str) -> None:
    """install.sh (LF, UTF-8) and install.bat (CRLF, CP932: a Japanese Windows' cmd reads a
    batch file in its ANSI code page) with the version filled in."""
    for name, encoding, newline in (("install.sh", "utf-8", "\n"), ("install.bat", "cp932", "\r\n")):
        text = (HERE / name).read_text("utf-8").replace("@VERSION@", version)
        (dest / name).write_bytes(text.replace("\n", newline).encode(encoding))
    (dest / "install.sh").chmod(0o755)


def _files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            yield path


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_sums(folder: Path) -> Path:
    """SHA256SUMS in the format `sha256sum -c` reads: `<hex>  <path relative to folder>`."""
    sums = folder / "SHA256SUMS"
    lines = [f"{sha256(p)}  {p.relative_to(folder).as_posix()}"
             for p in _files(folder) if p != sums]
    sums.write_text("".join(f"{line}\n" for line in lines), "utf-8")
    return sums


def check_sums(folder: Path) -> list[str]:
    """The files whose sum differs from SHA256SUMS (or that are gone); empty when all match."""
    bad = []
    for line in (folder / "SHA256SUMS").read_text("utf-8").splitlines():
        digest, name = line.split("  ", 1)
        path = folder / name
        if not path.is_file() or sha256(path) != digest:
            bad.append(name)
    return bad


def assemble(stage: Path, wheels: Path, version: str) -> None:
    """The kit's folder: wheels, scripts, manual, sums."""
    shutil.copytree(wheels, stage / "wheels")
    render_scripts(stage, version)
    shutil.copy2(ROOT / "README.md", stage / "README.md")
    write_sums(stage)


def zip_folder(stage: Path, archive: Path) -> None:
    archive.unlink(missing_ok=True)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for path in _files(stage):
            info = zipfile.ZipInfo.from_file(path, f"{stage.name}/{path.relative_to(stage).as_posix()}")
            info.compress_type = zipfile.ZIP_DEFLATED
            # Wheels are zip files already: storing them again saves minutes for 1 % of size.
            if path.suffix == ".whl":
                info.compress_type = zipfile.ZIP_STORED
            with path.open("rb") as src, out.open(info, "w") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)


def pip_dry_run(wheels: Path, target: Target) -> set[Path]:
    """pip's own check that *target* installs from *wheels* with no index; the wheels it takes.

    pip evaluates markers for the Python running it, so from Linux it also takes the Linux-only
    dependencies for Windows (SecretStorage → cryptography): the kit carries those too, so that
    this check passes against the kit as well."""
    with tempfile.TemporaryDirectory() as scratch:
        platforms = [arg for p in target.platforms for arg in ("--platform", p)]
        report = Path(scratch) / "report.json"
        _pip("install", "--quiet", "--dry-run", "--no-index", "--find-links", wheels,
             *platforms, "--python-version", target.python, "--implementation", "cp",
             "--only-binary=:all:", "--target", Path(scratch) / "t", "--report", report,
             f"kyodo-desk=={project_version()}")
        taken = json.loads(report.read_text("utf-8"))["install"]
    return {Path(url2pathname(urlparse(item["download_info"]["url"]).path)) for item in taken}


def build(dist: Path, work: Path) -> Path:
    version = project_version()
    name = f"kyodo-desk-{version}-offline"
    wheels = work / "wheels"
    print("アプリのホイールを作成しています…", flush=True)
    # The app's wheel is rebuilt every time; the dependencies stay (pins change rarely).
    for old in wheels.glob("kyodo_desk-*.whl"):
        old.unlink()
    wheels.mkdir(parents=True, exist_ok=True)
    app = build_app_wheel(wheels)
    print("Windows と Linux（Python 3.11–3.13）の依存パッケージを集めています…", flush=True)
    gather(wheels, app)
    # Only what some target takes goes into the kit (a re-run may leave older pins behind).
    needed = sorted(set(_needed(wheels, f"kyodo-desk=={version}")).union(
        *(pip_dry_run(wheels, target) for target in TARGETS)))
    stage = work / name
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    kept = work / "kept"
    shutil.rmtree(kept, ignore_errors=True)
    kept.mkdir()
    for wheel in needed:
        os.link(wheel, kept / wheel.name)
    assemble(stage, kept, version)
    dist.mkdir(parents=True, exist_ok=True)
    archive = dist / f"{name}.zip"
    print("zip にまとめています…", flush=True)
    zip_folder(stage, archive)
    (dist / f"{name}.zip.sha256").write_text(f"{sha256(archive)}  {archive.name}\n", "utf-8")
    return archive


def _needed(folder: Path, root: str) -> list[Path]:
    """The wheels some target installs (older pins a re-run left behind are not)."""
    return sorted(set().union(*(walk(folder, [root], t)[0] for t in TARGETS)))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="dev.py kit", description=__doc__.split("\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "kit")
    args = parser.parse_args(argv)
    archive = build(args.dist, args.work)
    size = archive.stat().st_size / 1e6
    print(f"作成しました: {archive}（{size:.0f} MB）")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
