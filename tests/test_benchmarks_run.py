"""The benchmark scripts still run (on tiny data); their figures are read by people, not here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(script: str, *args: str) -> str:
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args],
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_search_benchmark_runs(tmp_path: Path) -> None:
    out = run("search.py", "--contacts", "300", "--keep", str(tmp_path))
    assert "SQLite: 80 keystrokes" in out
    for figure in ("LIKE '%…%' scan in list order", "first page of the second band",
                   "the true count"):
        assert figure in out


def test_startup_benchmark_runs() -> None:
    out = run("startup.py", "--runs", "1")
    for figure in ("to the sign-in, ready to type (1 runs)", "loading behind the sign-in",
                   "after the password", "with no one typing"):
        assert figure in out


def test_leaflet_benchmark_runs() -> None:
    out = run("leaflets.py", "--runs", "1", "--warm", "1", "--office-runs", "0")
    assert "warm" in out
    assert "(e) `kyodo-desk leaflet facility-guide -o x.pdf`, fresh process each (1 runs)" in out


def test_consultation_benchmark_runs(tmp_path: Path) -> None:
    out = run("consultations.py", "--count", "300", "--keep", str(tmp_path), "--only", "sqlite")
    assert "(4) scrolled 300 rows" in out


def test_event_benchmark_runs() -> None:
    out = run("events.py", "--only", "sqlite", "--sqlite-clients", "2", "--per-client", "10",
              "--seats", "5", "--checkins", "5")
    assert "confirmed 5 (must be 5)" in out and "errors seen: 0" in out


def test_grant_benchmark_runs() -> None:
    out = run("grants.py", "--only", "sqlite", "--years", "1", "--extra", "1", "--runs", "1")
    assert "one case with its timeline" in out


def test_file_check_benchmark_runs(tmp_path: Path) -> None:
    out = run("file_check.py", "--consultations", "300", "--keep", str(tmp_path), "--runs", "1")
    assert "quick_check" in out


def test_grant_race_benchmark_runs() -> None:
    out = run("grant_race.py", "--quick", "--only", "sqlite")
    assert "invariant violations: 0" in out and "unexpected errors: 0" in out


def test_duplicates_benchmark_runs() -> None:
    out = run("duplicates.py", "--contacts", "400", "--drafts", "16")
    assert "(a) likely_duplicates, 16 drafts" in out
    assert "deliberate duplicates found: 4 of 4" in out


def test_merge_benchmark_runs() -> None:
    out = run("merge.py", "--only", "sqlite", "--rows", "20", "--runs", "1")
    assert "— 20 rows" in out and "merge (1 runs)" in out and "baseline" in out


def test_import_read_benchmark_runs(tmp_path: Path) -> None:
    out = run("import_read.py", "--rows", "300", "--keep", str(tmp_path))
    assert "openpyxl read-only, xlsx" in out and "read_table, CP932 CSV" in out


def test_import_benchmarks_run() -> None:
    out = run("import_contacts.py", "--rows", "40", "--only", "sqlite")
    assert "plan (dry run)" in out and "新規 40件" in out
    out = run("import_consultations.py", "--rows", "40", "--only", "sqlite")
    assert "plan again (every row SAME)" in out


def test_many_counters_benchmark_runs(pg_server) -> None:  # type: ignore[no-untyped-def]
    if pg_server is None:
        pytest.skip("the many-counters benchmark needs a PostgreSQL server")
    out = run("many_counters.py", "--pg-url", pg_server.admin_url, "--counters", "4",
              "--processes", "2", "--seconds", "3", "--contacts", "300")
    assert "4 counters in 2 processes" in out and "errors seen: 0" in out
    assert "notices missed: 0" in out


def test_guideline_report_benchmark_runs() -> None:
    out = run("guideline_report.py", "--only", "sqlite", "--consultations", "3000",
              "--sign-ups", "300", "--cases", "40", "--runs", "1")
    assert "(a) the report, 令和8年度 beside 令和7年度" in out and "(b) baseline" in out


def test_door_merge_benchmark_runs() -> None:
    out = run("door_merge.py", "--only", "sqlite", "--checkins", "5", "--walk-ins", "1")
    assert "merge of 6 acts" in out and "applied 6, conflicts 0" in out
    assert "already merged 6, applied 0" in out and "baseline: 5 online check-ins" in out
