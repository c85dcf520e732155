"""`kyodo-desk import`: lists from Excel or CSV taken in, every row or none (名簿の取り込み)."""

from __future__ import annotations

import argparse
import sys

from kyodo_desk.cli.opening import opened
from kyodo_desk.domain.errors import UserError

_SHOWN_PROBLEMS = 50  # the rest are in --report


def run(args: argparse.Namespace) -> int:
    """Plans the import, prints what is wrong (and writes --report), then imports all rows or
    none; the counts are printed last. 0 only when every row was (or would be) imported."""
    from kyodo_desk.services import imports
    from kyodo_desk.services.imports.presets import load_preset

    if args.report is not None and args.report.suffix.lower() != ".xlsx":
        raise UserError(f"--report は .xlsx のファイルに書き出します（{args.report.name}）。")
    if args.what == "applicants" and args.event is None:
        raise UserError("applicants の取り込みには --event でイベントの番号を指定してください。")
    with opened(args) as (db, actor):
        mapping = None
        if args.mapping:
            from kyodo_desk.imports.headers import find_header
            from kyodo_desk.imports.mapping import apply_preset
            from kyodo_desk.imports.tables import read_table

            preset = load_preset(db, actor, args.what, args.mapping)
            mapping = apply_preset(preset, find_header(read_table(args.file, args.sheet)).headings)
        source = imports.ImportSource(args.file, args.sheet, mapping, args.event)
        target = imports.target(args.what)
        plan = target.plan(db, actor, source)
        for problem in plan.problems[:_SHOWN_PROBLEMS]:
            column = f"「{problem.column}」" if problem.column else ""
            print(f"{problem.row}行目{column}: {problem.reason}", file=sys.stderr)
        if len(plan.problems) > _SHOWN_PROBLEMS:
            print(f"ほか {len(plan.problems) - _SHOWN_PROBLEMS:,} 件", file=sys.stderr)
        if args.report is not None and plan.problems:
            from kyodo_desk.exports.import_report import write_refused_rows

            written = write_refused_rows(plan, args.report)
            print(f"取り込めない {written:,} 行を理由つきで {args.report} に書き出しました。")
        counts = plan.counts
        asked = counts[imports.Outcome.ASK]
        if plan.problems or asked:
            if asked:
                print(f"既存の記録と同じかどうか確認が必要な行が {asked:,} 行あります"
                      "（画面の ファイル › 取り込み… で決めてください）。", file=sys.stderr)
            refused = counts[imports.Outcome.REFUSED]
            print(f"取り込めない行 {refused:,} 行・確認が必要な行 {asked:,} 行のため、"
                  "何も登録していません。")
            return 1
        if args.dry_run:
            print(f"すべての行を取り込めます（--dry-run のため登録していません）: "
                  f"新規 {counts[imports.Outcome.NEW]:,}件・既存に追記 "
                  f"{counts[imports.Outcome.FILL]:,}件・登録済み {counts[imports.Outcome.SAME]:,}件")
            return 0
        result = target.run(db, actor, plan)
        print(f"{args.file.name} を取り込みました: {result.summary}")
        return 0
