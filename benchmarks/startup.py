"""Time from running `kyodo-desk` to a searchable window, beside a bare PySide6 window with
one search box and one table started in the same run.

Each run is a fresh process on an offscreen display, signed in as a counter-staff account by
the start-up probe, which prints `shown` when the sign-in can be typed in, `opened` when the
database is open and the window's modules are loaded (done while a person types), and `ready`
when the window is up with its contact list filled; the process then quits. The clock runs
from spawning the process. Figures:
- to the sign-in: what the person waits for before typing (the target: ≤ 2× the bare window);
- loading behind the sign-in: a person who types for longer than this never waits for it;
- after the password: from the sign-in sent (database open) to the searchable window, with the
  argon2 password check (~0.1 s, slow on purpose) in it;
- with no one typing: spawn to searchable window when the password is sent at once.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The baseline: the least a Qt window with a search box and a table costs to start here.
BARE_WINDOW = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLineEdit, QTableWidget, QVBoxLayout, QWidget
app = QApplication(sys.argv[:1])
window = QWidget()
layout = QVBoxLayout(window)
layout.addWidget(QLineEdit())
layout.addWidget(QTableWidget(20, 5))
window.resize(1280, 800)
window.show()
QTimer.singleShot(0, lambda: (print("ready", flush=True), app.quit()))
app.exec()
"""


def one_run(env: dict[str, str], command: list[str] | None = None) -> dict[str, float]:
    """Seconds from spawning to each line the process printed (`shown`, `opened`, `ready`)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        command or [sys.executable, "-m", "kyodo_desk", "--startup-probe"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    assert proc.stdout is not None
    seen: dict[str, float] = {}
    for line in proc.stdout:
        seen.setdefault(line.split()[0], time.perf_counter() - start)
        if line.startswith("ready"):
            proc.wait(timeout=30)
            return seen
    raise RuntimeError(f"kyodo-desk exited ({proc.wait()}) without becoming ready")


def median_ms(runs: list[dict[str, float]], to: str, since: str | None = None) -> float:
    return statistics.median((r[to] - (r[since] if since else 0.0)) * 1000 for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "KYODO_DATA_DIR": data,
               "KYODO_CONFIG_DIR": str(Path(data) / "config")}
        env.pop("KYODO_DATABASE_URL", None)
        env["KYODO_PROBE_SIGN_IN"] = "bench:bench-password"
        subprocess.run([sys.executable, "-m", "kyodo_desk", "user", "add", "bench", "--name",
                        "測定", "--role", "counter_staff", "--facility", "east",
                        "--password-stdin"], env=env, input="bench-password\n", text=True,
                       check=True, capture_output=True)  # also creates and seeds the database
        first = one_run(env)
        warm: list[dict[str, float]] = []
        bare: list[dict[str, float]] = []
        for _ in range(args.runs):  # taken in turns, so that both meet the same load
            warm.append(one_run(env))
            bare.append(one_run(env, [sys.executable, "-c", BARE_WINDOW]))
    baseline = median_ms(bare, "ready")
    shown = median_ms(warm, "shown")
    print(f"first start (new database): {first['ready'] * 1000:.0f} ms to a searchable window")
    print(f"a bare PySide6 window with a search box and a table: median {baseline:.0f} ms")
    print(f"to the sign-in, ready to type ({args.runs} runs): median {shown:.0f} ms = "
          f"{shown / baseline:.1f}× the bare window (target ≤ 2×)")
    print(f"loading behind the sign-in (database, window modules): median "
          f"{median_ms(warm, 'opened', 'shown'):.0f} ms")
    after = median_ms(warm, "ready", "opened")
    print(f"after the password: median {after:.0f} ms to the searchable window "
          f"({after / baseline:.1f}× the bare window; argon2 check included)")
    print(f"with no one typing, spawn to searchable window: median "
          f"{median_ms(warm, 'ready'):.0f} ms")


if __name__ == "__main__":
    main()
