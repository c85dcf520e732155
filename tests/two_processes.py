"""Two separate processes racing each other on one database (races are tested with real
processes, never mocks): each side runs *target* and reports what it saw on a queue."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import Any

TIMEOUT = 120  # seconds; a hang (a lock never granted) fails the test instead of the run


def race(target: Callable[..., None], url: str, *args: Any) -> dict[int, Any]:
    """Run `target(url, side, *args, barrier, out)` in two spawned processes (side 0 and 1),
    which meet at the barrier before each round and put `(side, report)` on *out*; the two
    reports by side."""
    context = multiprocessing.get_context("spawn")
    barrier, out = context.Barrier(2), context.Queue()
    processes = [context.Process(target=target, args=(url, side, *args, barrier, out))
                 for side in (0, 1)]
    for p in processes:
        p.start()
    try:
        return dict(out.get(timeout=TIMEOUT * 2) for _ in processes)
    finally:
        for p in processes:
            p.join(30)
            if p.is_alive():
                p.kill()
