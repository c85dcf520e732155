"""The `kyodo-desk` command: the window by default; subcommands call the same services.

One module per group of subcommands (`db`, `contacts`, `leaflet`, …), each with `run(args)`;
the arguments are declared in parser.py, and opening.py opens and closes the database for all.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING

from kyodo_desk.cli.parser import build_parser
from kyodo_desk.domain.errors import UserError

if TYPE_CHECKING:
    from kyodo_desk.database.sqlite_files import DamagedDatabase

__all__ = ["build_parser", "main"]

log = logging.getLogger("kyodo_desk")

# The module of each subcommand, imported only when it runs: the window's start loads none.
_MODULES = {
    "export": "export",
    "db": "db",
    "demo": "demo",
    "user": "user",
    "leaflet": "leaflet",
    "report": "report",
    "consultations": "consultations",
    "contacts": "contacts",
    "import": "importing",
    "audit": "audit",
    "events": "events",
    "door": "door",  # the offline door's window: no database
}


def main(argv: list[str] | None = None) -> int:
    from kyodo_desk.logs import setup_logging

    args = build_parser().parse_args(argv)
    setup_logging()
    if args.command is None:
        from kyodo_desk.ui.qt_check import display_problem

        problem = display_problem()  # before Qt, which would abort with exit 250 and English
        if problem is not None:
            log.error("the window cannot open: %s", problem)
            print(problem, file=sys.stderr)
            return 1
        from kyodo_desk.ui.app import run_gui

        return run_gui(args.database, startup_probe=args.startup_probe)
    from kyodo_desk.database.sqlite_files import DamagedDatabase

    try:
        if getattr(args, "output", None) is not None:
            from kyodo_desk.exports.tabular import check_output_target

            check_output_target(args.output)  # before any long query or rendering
        run: Callable[[argparse.Namespace], int] = import_module(
            f"{__name__}.{_MODULES[args.command]}").run
        return run(args)
    except DamagedDatabase as exc:
        print(f"エラー: {exc.explained(_how_to_restore(args, exc))}", file=sys.stderr)
        return 2
    except UserError as exc:
        print(f"エラー: {exc.message}", file=sys.stderr)
        return 2
    except Exception:
        from kyodo_desk.paths import log_path

        log.exception("command failed: %s", argv)
        print(f"予期しないエラーが発生しました。詳細はログ {log_path()} を確認してください。",
              file=sys.stderr)
        return 1


def _how_to_restore(args: argparse.Namespace, damage: DamagedDatabase) -> str:
    """The exact command that puts the newest intact backup back, for the same database."""
    import shlex
    import subprocess

    words = ["kyodo-desk"]
    if args.database:  # else `db restore` chooses the database just as this command did
        words += ["--database", args.database]
    words += ["db", "restore", str(damage.backup)]
    line = subprocess.list2cmdline(words) if sys.platform == "win32" else shlex.join(words)
    return ("協働デスクを閉じてから、次のコマンドでこのバックアップに戻せます"
            f"（今のファイルは日時付きの名前で残ります）:\n  {line}")

