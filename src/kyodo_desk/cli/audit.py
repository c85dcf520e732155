"""`kyodo-desk audit`: checks of the audit log (操作記録の確認)."""

from __future__ import annotations

import argparse
import sys

from kyodo_desk.cli.opening import opened


def run(args: argparse.Namespace) -> int:
    """`audit verify`: exit 0 when the chain holds, 1 where it breaks."""
    from kyodo_desk.database.audit_chain import verify_log

    with opened(args) as (db, actor):
        verdict = verify_log(db, actor)
    for line in verdict.report():
        print(line, file=sys.stdout if verdict.intact else sys.stderr)
    return 0 if verdict.intact else 1
