"""How fast a one-page facility guide (拠点施設のご案内) comes out, against the route a city
office takes today (a word-processor table converted by LibreOffice).

(a) fresh process: `python -c` imports kyodo_desk.leaflets, opens a copy of a seeded SQLite
    database, renders the guide (font loading included) and writes the file. Two clocks: one
    started by the script's first line (time.perf_counter), and the wall time of the whole
    subprocess (interpreter start-up included).
(a') the leaflet engine alone in a fresh process: the same page from the facilities' data
    handed over as JSON (what the database would give), so neither SQLAlchemy nor a database
    driver is imported; this is ReportLab, the font and the page, from the first line.
(b) warm: the same render again inside one running process (the app's case after the first).
(c) the PDF's size.
(d) LibreOffice: the same facility table as a Flat ODF text document (.fodt), converted with
    `soffice --headless --convert-to pdf` and a fresh profile each run, if it is installed.
(e) the command a person types, `kyodo-desk leaflet facility-guide -o x.pdf`, each run a fresh
    process on the embedded database of a data folder (as installed: KYODO_DATA_DIR), beside
    LibreOffice's export of the same page taken in turns with it (so that both meet the same
    load): with a fresh profile each run, as in (d), and with one profile kept from run to run
    (what a person who already uses LibreOffice meets). The command's first run, which also
    writes the font cache (leaflets/fonts.py), is shown apart.

Targets: fresh < 300 ms, warm < 50 ms, PDF < 1 MB; the command ≥ 4× as fast as LibreOffice.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

TODAY = date(2026, 11, 24)

FRESH_SCRIPT = """
import time
t0 = time.perf_counter()
import json, sys
from datetime import date
import kyodo_desk.leaflets as leaflets
t_import = time.perf_counter()
from kyodo_desk.database import open_database
from kyodo_desk.domain.permissions import Actor
db = open_database(sys.argv[1])
t_db = time.perf_counter()
pdf = leaflets.render("facility-guide", db, Actor.command_line(), today=date(2026, 11, 24))
t_render = time.perf_counter()
with open(sys.argv[2], "wb") as f:
    f.write(pdf)
t_end = time.perf_counter()
print(json.dumps({"total": t_end - t0, "import": t_import - t0, "database": t_db - t_import,
                  "render": t_render - t_db, "write": t_end - t_render}))
"""

ENGINE_SCRIPT = """
import time
t0 = time.perf_counter()
import json, sys
from dataclasses import dataclass
from datetime import date
from kyodo_desk.leaflets import catalog, facility_guide

@dataclass(frozen=True)
class Facility:
    name: str
    postal_code: str
    full_address: str
    phone: str
    email: str
    website: str
    facebook: str
    hours: str
    kind: str

with open(sys.argv[1], encoding="utf-8") as f:
    rows = [Facility(**row) for row in json.load(f)]
info = next(i for i in catalog() if i.name == "facility-guide")
pdf = facility_guide.build(rows, info=info, today=date(2026, 11, 24))
with open(sys.argv[2], "wb") as f:
    f.write(pdf)
assert "sqlalchemy" not in sys.modules
print(json.dumps({"total": time.perf_counter() - t0}))
"""


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def make_template(folder: Path) -> Path:
    """A migrated database with the seed's 8 facilities, as a first start leaves it."""
    from kyodo_desk.database import open_database

    path = folder / "template.sqlite3"
    open_database(f"sqlite:///{path}").dispose()
    return path


def fresh_runs(template: Path, folder: Path, runs: int, env: dict[str, str]) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {"wall": []}
    for i in range(runs):
        copy = folder / f"run-{i}.sqlite3"
        shutil.copyfile(template, copy)
        out = folder / f"run-{i}.pdf"
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", FRESH_SCRIPT, f"sqlite:///{copy}", str(out)],
                              capture_output=True, text=True, env=env, check=True)
        results["wall"].append(time.perf_counter() - start)
        for key, value in json.loads(done.stdout.strip().splitlines()[-1]).items():
            results.setdefault(key, []).append(value)
    return results


def facility_data(template: Path, folder: Path) -> Path:
    from kyodo_desk.database import open_database
    from kyodo_desk.domain.permissions import Actor
    from kyodo_desk.services import contacts

    db = open_database(f"sqlite:///{template}")
    try:
        rows = [{"name": f.name, "postal_code": f.postal_code, "full_address": f.full_address,
                 "phone": f.phone, "email": f.email, "website": f.website,
                 "facebook": f.facebook, "hours": f.hours, "kind": f.kind}
                for f in contacts.list_facilities(db, Actor.command_line())]
    finally:
        db.dispose()
    path = folder / "facilities.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return path


def engine_runs(data: Path, folder: Path, runs: int, env: dict[str, str]) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {"wall": [], "total": []}
    for i in range(runs):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", ENGINE_SCRIPT, str(data),
                               str(folder / f"engine-{i}.pdf")],
                              capture_output=True, text=True, env=env, check=True)
        results["wall"].append(time.perf_counter() - start)
        results["total"].append(json.loads(done.stdout.strip().splitlines()[-1])["total"])
    return results


def warm_runs(template: Path, folder: Path, runs: int) -> tuple[list[float], bytes]:
    from kyodo_desk import leaflets
    from kyodo_desk.database import open_database
    from kyodo_desk.domain.permissions import Actor

    copy = folder / "warm.sqlite3"
    shutil.copyfile(template, copy)
    db = open_database(f"sqlite:///{copy}")
    actor = Actor.command_line()
    pdf = leaflets.render("facility-guide", db, actor, today=TODAY)  # font, imports
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        pdf = leaflets.render("facility-guide", db, actor, today=TODAY)
        times.append(time.perf_counter() - start)
    db.dispose()
    return times, pdf


# --- the office route: a hand-written Flat ODF text document ---------------------------------

def facility_rows(template: Path) -> list[tuple[str, list[tuple[str, str]]]]:
    from kyodo_desk.database import open_database
    from kyodo_desk.domain.permissions import Actor
    from kyodo_desk.leaflets.style import facility_card

    db = open_database(f"sqlite:///{template}")
    try:
        from kyodo_desk.services import contacts

        cards = [facility_card(f) for f in contacts.list_facilities(db, Actor.command_line())]
    finally:
        db.dispose()
    return [(card.name, card.pairs) for card in cards]


def fodt(rows: list[tuple[str, list[tuple[str, str]]]]) -> str:
    """A one-page A4 document: title and a two-column table of the facilities."""
    cells = []
    for name, pairs in rows:
        details = "".join(f'<text:p text:style-name="Detail">{escape(k)}　{escape(v)}</text:p>'
                          for k, v in pairs)
        cells.append(
            '<table:table-row>'
            f'<table:table-cell table:style-name="Name" office:value-type="string">'
            f'<text:p text:style-name="NameText">{escape(name)}</text:p></table:table-cell>'
            f'<table:table-cell table:style-name="Cell" office:value-type="string">{details}'
            '</table:table-cell></table:table-row>')
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:font-face-decls>
  <style:font-face style:name="IPAexGothic" svg:font-family="IPAexGothic"/>
 </office:font-face-decls>
 <office:styles>
  <style:default-style style:family="paragraph">
   <style:text-properties style:font-name="IPAexGothic" style:font-name-asian="IPAexGothic"
    fo:font-size="9pt" style:font-size-asian="9pt" fo:language="ja" fo:country="JP"/>
  </style:default-style>
 </office:styles>
 <office:automatic-styles>
  <style:page-layout style:name="A4">
   <style:page-layout-properties fo:page-width="210mm" fo:page-height="297mm"
    fo:margin-top="14mm" fo:margin-bottom="17mm" fo:margin-left="16mm" fo:margin-right="16mm"/>
  </style:page-layout>
  <style:style style:name="Title" style:family="paragraph">
   <style:paragraph-properties fo:background-color="#1B6B8F" fo:padding="4mm"/>
   <style:text-properties fo:color="#FFFFFF" fo:font-size="22pt" style:font-size-asian="22pt"/>
  </style:style>
  <style:style style:name="Table" style:family="table">
   <style:table-properties style:width="178mm" fo:margin-top="4mm"/>
  </style:style>
  <style:style style:name="ColName" style:family="table-column">
   <style:table-column-properties style:column-width="53mm"/>
  </style:style>
  <style:style style:name="ColCell" style:family="table-column">
   <style:table-column-properties style:column-width="125mm"/>
  </style:style>
  <style:style style:name="Name" style:family="table-cell">
   <style:table-cell-properties fo:background-color="#1B6B8F" fo:padding="2mm"
    style:vertical-align="middle" fo:border-bottom="0.3pt solid #B9CDD6"/>
  </style:style>
  <style:style style:name="Cell" style:family="table-cell">
   <style:table-cell-properties fo:background-color="#F1F7FA" fo:padding="2mm"
    fo:border-bottom="0.3pt solid #B9CDD6"/>
  </style:style>
  <style:style style:name="NameText" style:family="paragraph">
   <style:text-properties fo:color="#FFFFFF" fo:font-size="10.5pt" style:font-size-asian="10.5pt"
    fo:font-weight="bold" style:font-weight-asian="bold"/>
  </style:style>
  <style:style style:name="Detail" style:family="paragraph">
   <style:text-properties fo:font-size="9pt" style:font-size-asian="9pt"/>
  </style:style>
  <style:master-page style:name="Standard" style:page-layout-name="A4"/>
 </office:automatic-styles>
 <office:master-styles>
  <style:master-page style:name="Standard" style:page-layout-name="A4"/>
 </office:master-styles>
 <office:body>
  <office:text>
   <text:p text:style-name="Title">市民協働・都市内地域分権の拠点施設</text:p>
   <table:table table:name="Facilities" table:style-name="Table">
    <table:table-column table:style-name="ColName"/>
    <table:table-column table:style-name="ColCell"/>
    {''.join(cells)}
   </table:table>
  </office:text>
 </office:body>
</office:document>
"""


def office_command() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_once(office: str, document: Path, folder: Path,
                     profile: Path | None = None) -> float:
    """Seconds for one `soffice --headless --convert-to pdf` of *document*; with a fresh
    profile unless *profile* (kept by the caller) is given."""
    fresh = profile is None
    profile = profile or Path(tempfile.gettempdir()) / f"kyodo-lo-profile-{uuid.uuid4().hex}"
    out = folder / f"lo-{uuid.uuid4().hex[:6]}"
    start = time.perf_counter()
    subprocess.run([office, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(out), str(document)],
                   capture_output=True, check=True, timeout=300)
    elapsed = time.perf_counter() - start
    if not (out / (document.stem + ".pdf")).is_file():
        raise RuntimeError("LibreOffice wrote no PDF")
    if fresh:
        shutil.rmtree(profile, ignore_errors=True)
    return elapsed


def libreoffice_runs(document: Path, folder: Path, runs: int) -> list[float] | None:
    office = office_command()
    if office is None:
        return None
    return [libreoffice_once(office, document, folder) for _ in range(runs)]


def command_once(env: dict[str, str], out: Path) -> float:
    """Seconds for one `kyodo-desk leaflet facility-guide -o out` in a fresh process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "kyodo_desk", "leaflet", "facility-guide",
                           "-o", str(out)], capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    if done.returncode != 0 or not out.is_file():
        raise RuntimeError(f"kyodo-desk leaflet failed: {done.stderr}")
    return elapsed


def command_beside_office(template: Path, document: Path, folder: Path, runs: int,
                          office_runs: int) -> None:
    """(e): the command and LibreOffice's export of the same page, taken in turns."""
    data = folder / "command-data"
    data.mkdir()
    shutil.copyfile(template, data / "kyodo-desk.sqlite3")  # the embedded database's place
    env = {**os.environ, "KYODO_DATA_DIR": str(data), "KYODO_CONFIG_DIR": str(data / "config")}
    env.pop("KYODO_DATABASE_URL", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed (see main)
    first = command_once(env, folder / "command-first.pdf")
    office = office_command() if office_runs else None
    kept_profile = Path(tempfile.gettempdir()) / f"kyodo-lo-profile-{uuid.uuid4().hex}"
    if office is not None:  # the kept profile is made once, before any timing
        libreoffice_once(office, document, folder, kept_profile)
    ours: list[float] = []
    fresh: list[float] = []
    kept: list[float] = []
    try:
        for i in range(max(runs, office_runs if office else 0)):
            if i < runs:
                ours.append(command_once(env, folder / f"command-{i}.pdf"))
            if office is not None and i < office_runs:
                fresh.append(libreoffice_once(office, document, folder))
                kept.append(libreoffice_once(office, document, folder, kept_profile))
    finally:
        shutil.rmtree(kept_profile, ignore_errors=True)
    mine = statistics.median(ours)
    print(f"(e) `kyodo-desk leaflet facility-guide -o x.pdf`, fresh process each ({len(ours)} "
          f"runs): median {ms(mine)} (min {ms(min(ours))}, max {ms(max(ours))}); the first "
          f"run, which writes the font cache: {ms(first)}")
    if office is None:
        print("    LibreOffice: " + ("skipped (--office-runs 0)" if not office_runs else
                                      "not on PATH (apt-get install libreoffice-writer-nogui)")
              + ": the command's side only")
        return
    for label, times in (("a fresh profile each run", fresh),
                         ("one profile kept from run to run", kept)):
        theirs = statistics.median(times)
        print(f"    LibreOffice --headless --convert-to pdf, {label} ({len(times)} runs, taken in "
              f"turns): median {ms(theirs)} (min {ms(min(times))}); {theirs / mine:.1f}x the "
              f"command  target >= 4x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="fresh processes (default 7)")
    parser.add_argument("--warm", type=int, default=20, help="warm renders (default 20)")
    parser.add_argument("--office-runs", type=int, default=3,
                        help="LibreOffice conversions (default 3; 0 to skip)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = {**os.environ, "KYODO_DATA_DIR": str(folder / "data"),
               "KYODO_CONFIG_DIR": str(folder / "config")}
        env.pop("KYODO_DATABASE_URL", None)
        # As installed: pip compiles the modules' bytecode, so no run recompiles a changed one.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ.update({k: env[k] for k in ("KYODO_DATA_DIR", "KYODO_CONFIG_DIR")})
        template = make_template(folder)

        fresh = fresh_runs(template, folder, args.runs, env)
        med = {key: statistics.median(values) for key, values in fresh.items()}
        print(f"(a) fresh process, facility-guide ({args.runs} runs, median):")
        print(f"    wall time of the subprocess (interpreter start-up included): "
              f"{ms(med['wall'])}  (min {ms(min(fresh['wall']))}, "
              f"max {ms(max(fresh['wall']))})  target < 300 ms")
        print(f"    inside the process, from the script's first line: {ms(med['total'])} = "
              f"import kyodo_desk.leaflets {ms(med['import'])} + open database "
              f"(SQLAlchemy etc.) {ms(med['database'])} + render (ReportLab, font) "
              f"{ms(med['render'])} + write {ms(med['write'])}")

        engine = engine_runs(facility_data(template, folder), folder, args.runs, env)
        print(f"(a') the leaflet engine alone, fresh process, from the facilities' data "
              f"({args.runs} runs, median): wall {ms(statistics.median(engine['wall']))} "
              f"(min {ms(min(engine['wall']))}), from the first line "
              f"{ms(statistics.median(engine['total']))}  target < 300 ms")

        warm, pdf = warm_runs(template, folder, args.warm)
        print(f"(b) warm render in a running process ({args.warm} runs): median "
              f"{ms(statistics.median(warm))}, min {ms(min(warm))}, max {ms(max(warm))}"
              f"  target < 50 ms")
        print(f"(c) PDF size: {len(pdf) / 1024:.1f} KB  target < 1024 KB")

        document = folder / "facility-guide.fodt"
        document.write_text(fodt(facility_rows(template)), encoding="utf-8")
        office = libreoffice_runs(document, folder, args.office_runs) if args.office_runs else []
        if office is None:
            print("(d) LibreOffice (soffice/libreoffice) is not on PATH: the office route was "
                  "not measured (install it, e.g. apt-get install libreoffice-writer, and rerun)")
        elif not office:
            print("(d) LibreOffice route skipped (--office-runs 0)")
        else:
            lo = statistics.median(office)
            print(f"(d) LibreOffice --headless --convert-to pdf, fresh profile ({len(office)} "
                  f"runs): median {ms(lo)}, min {ms(min(office))}, max {ms(max(office))}; "
                  f"{lo / med['wall']:.1f}x the fresh ReportLab process, "
                  f"{lo / statistics.median(warm):.0f}x the warm render")

        command_beside_office(template, document, folder, args.runs, args.office_runs)


if __name__ == "__main__":
    main()
