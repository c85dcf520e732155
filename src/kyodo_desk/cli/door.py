"""`kyodo-desk door PACKFILE`: the offline door's window (当日受付の端末), with no database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def run(args: argparse.Namespace) -> int:
    from kyodo_desk.ui.qt_check import display_problem

    problem = display_problem()  # before Qt, as the main window's start does
    if problem is not None:
        print(problem, file=sys.stderr)
        return 1
    from kyodo_desk.ui.events.door_window import run_door

    return run_door(Path(args.pack))
