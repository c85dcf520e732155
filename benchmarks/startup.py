"""Time from running `kyodo-desk` to the window shown with its first search answered.

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


def one_run(env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kyodo_desk", "--startup-probe"],
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
        warm = [one_run(env) for _ in range(args.runs)]
    print(f"first start: {first * 1000:.0f} ms")
    print(f"start, existing database ({args.runs} runs): median {statistics.median(warm) * 1000:.0f} ms, "
          f"min {min(warm) * 1000:.0f} ms, max {max(warm) * 1000:.0f} ms  (target < 1500 ms)")


if __name__ == "__main__":
    main()
