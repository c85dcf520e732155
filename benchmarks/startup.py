"""Time from running `kyodo-desk` to the window shown with its first search answered, beside
a bare PySide6 window with one search box and one table started in the same run.

Each run is a fresh process on an offscreen display, signed in as a counter-staff account
(the argon2 password check, ~0.1 s, is part of the figure); the app prints `ready` when the
contact list has been filled, and quits. The clock runs from spawning the process to that line.
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


def one_run(env: dict[str, str], command: list[str] | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(
        command or [sys.executable, "-m", "kyodo_desk", "--startup-probe"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("ready"):
            elapsed = time.perf_counter() - start
            proc.wait(timeout=30)
            return elapsed
    raise RuntimeError(f"kyodo-desk exited ({proc.wait()}) without becoming ready")


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
        warm, bare = [], []
        for _ in range(args.runs):  # taken in turns, so that both meet the same load
            warm.append(one_run(env))
            bare.append(one_run(env, [sys.executable, "-c", BARE_WINDOW]))
    app, baseline = statistics.median(warm), statistics.median(bare)
    print(f"first start: {first * 1000:.0f} ms")
    print(f"start, existing database ({args.runs} runs): median {app * 1000:.0f} ms, "
          f"min {min(warm) * 1000:.0f} ms, max {max(warm) * 1000:.0f} ms")
    print(f"a bare PySide6 window with a search box and a table: median {baseline * 1000:.0f} ms")
    print(f"the app takes {app / baseline:.1f}× the bare window (target ≤ 2×)")


if __name__ == "__main__":
    main()
