"""`kyodo-desk demo`: fictitious data for training and measuring (研修・性能測定用の架空データ)."""

from __future__ import annotations

import argparse
import sys

from kyodo_desk.cli.opening import opened


def run(args: argparse.Namespace) -> int:
    from kyodo_desk.services.demo import add_demo_consultations, add_demo_contacts

    with opened(args) as (db, actor):
        if args.contacts or not (args.consultations or args.events or args.grants or args.plans):
            added = add_demo_contacts(db, actor, args.contacts, seed=args.seed)
            print(f"架空の連絡先を {added} 件追加しました（{db.describe()}）。")
        if args.consultations:
            added = add_demo_consultations(db, actor, args.consultations,
                                           seed=args.seed, progress=_progress_line)
            print(f"架空の相談記録を {added} 件追加しました（{db.describe()}）。")
        if args.events:
            from kyodo_desk.services.demo.events import add_demo_events

            added = add_demo_events(db, actor)
            print(f"架空のイベントを {added} 件、申込つきで追加しました（{db.describe()}）。")
        if args.grants:
            from kyodo_desk.services.demo.grants import load_demo_grants

            added = load_demo_grants(db, actor)
            print(f"今年度の交付金2件に架空の案件 {added} 件を追加しました（{db.describe()}）。")
        if args.plans:  # after --grants, whose programme of this year it then reuses
            from kyodo_desk.services.demo.plans import add_demo_plans

            print(add_demo_plans(db, actor, seed=args.seed).message())
    return 0


def _progress_line(done: int, total: int) -> None:
    """A long fill says how far it is, on standard error, one line overwritten."""
    if total >= 50_000:
        print(f"\r{done:,} / {total:,} 件", end="\n" if done >= total else "",
              file=sys.stderr, flush=True)
