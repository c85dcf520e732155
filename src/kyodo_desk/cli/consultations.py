"""`kyodo-desk consultations`: the consultation records' retention and their anonymising
(相談記録の保存年限と匿名化)."""

from __future__ import annotations

import argparse

from kyodo_desk.cli.opening import opened


def run(args: argparse.Namespace) -> int:
    from datetime import date

    from kyodo_desk.domain.dates import full_date
    from kyodo_desk.services import retention
    from kyodo_desk.services.date_style import load_date_style

    with opened(args) as (db, actor):
        load_date_style(db, actor)  # the cutoff written as the window writes a date
        if args.consultations_command == "retention":
            if args.years is not None or args.forever:
                retention.set_retention_years(db, actor, None if args.forever else args.years)
            years = retention.retention_years(db, actor)
            print(f"相談記録の保存年限: {years} 年" if years is not None
                  else "相談記録の保存年限: 設けない（匿名化しません）")
            return 0
        today = args.today or date.today()
        years = retention.retention_years(db, actor)
        if years is None:
            print("保存年限が設定されていないため、匿名化する相談記録はありません"
                  "（設定: kyodo-desk consultations retention --years N）。")
            return 0
        cutoff = retention.retention_cutoff(today, years)
        before = f"保存年限 {years} 年: 相談日が {full_date(cutoff)} より前の"
        if args.dry_run:
            count = retention.expired_count(db, actor, today)
            print(f"{before} {count} 件が匿名化の対象です（--dry-run のため変更していません）。")
            return 0
        count = retention.anonymise_expired(db, actor, today)
        print(f"{before} {count} 件を匿名化しました。")
    return 0
