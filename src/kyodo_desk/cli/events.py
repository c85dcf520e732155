"""`kyodo-desk events`: work on events from the command line (イベントの操作): the readings the
イベント一覧 open data requires (fill-readings), the lottery (draw, verify-draw) and the offline
door (door-pack, door-merge, door-conflicts: cli/events_door.py)."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import TYPE_CHECKING

from kyodo_desk.cli.opening import opened

if TYPE_CHECKING:
    from kyodo_desk.services.events import EventDetail


def run(args: argparse.Namespace) -> int:
    from kyodo_desk.cli import events_door as door

    if args.events_command in door.COMMANDS:
        return door.run(args)
    if args.events_command == "draw":
        return _draw(args)
    if args.events_command == "verify-draw":
        return _verify_draw(args)
    return _fill_readings(args)


def _draw(args: argparse.Namespace) -> int:
    """抽選: the draw of one event (services/events/lottery.py), its result said in 受付番号."""
    from kyodo_desk.services.events.lottery import draw_lottery

    with opened(args) as (db, actor):
        result = draw_lottery(db, actor, args.event_id, early=args.early)
    print(f"「{result.title}」の抽選をしました: {result.summary()}")
    print(f"抽選の種: {result.seed}")
    print("当選（受付番号）: " + ("、".join(str(e.queue_number) for e in sorted(
        result.drawn, key=lambda e: e.queue_number)) or "なし"))
    print("キャンセル待ち（順に受付番号）: "
          + ("、".join(str(e.queue_number) for e in result.waitlisted) or "なし"))
    print(f"抽選結果の印刷: kyodo-desk leaflet lottery-result --event {result.event_id}"
          "（職員用は lottery-result-staff）")
    return 0


def _verify_draw(args: argparse.Namespace) -> int:
    """抽選の検証: the draw made again from its recorded input and seed; 0 when it matches
    what is stored, 1 when it does not (for a script that checks)."""
    from kyodo_desk.services.events.lottery import verify_lottery

    with opened(args) as (db, actor):
        check = verify_lottery(db, actor, args.event_id)
    print(check.message())
    return 0 if check.matches else 1


def _fill_readings(args: argparse.Namespace) -> int:
    """Every empty よみ (イベント名_カナ) filled with the suggestion of its title, each event saved
    as the form saves it (events.update_event: the same checks, one audit entry per event);
    --dry-run says what would be filled and changes nothing."""
    from kyodo_desk.domain.errors import UserError
    from kyodo_desk.domain.readings import suggested_reading
    from kyodo_desk.services.events import list_events_for_export, update_event

    with opened(args) as (db, actor):
        lacking = [e for e in list_events_for_export(db, actor) if not e.title_reading]
        if not lacking:
            print("よみが空のイベントはありません。")
            return 0
        planned = [(e, suggested_reading(e.title)) for e in lacking]
        unread = [e for e, reading in planned if not reading]
        to_fill = [(e, reading) for e, reading in planned if reading]
        if args.dry_run:
            print(f"よみが空のイベント {len(lacking)} 件のうち {len(to_fill)} 件に、次のよみを入れます"
                  "（--dry-run のため変更していません）:")
            for e, reading in to_fill:
                print(f"  番号 {e.id}  {e.title} → {reading}")
            _say_unread(unread)
            return 0
        failed: list[str] = []
        filled = []
        for e, reading in to_fill:
            try:
                update_event(db, actor, e.id, e.version, replace(e.as_draft(),
                                                                 title_reading=reading))
            except UserError as exc:  # e.g. changed at a counter meanwhile: the rest go on
                failed.append(f"  番号 {e.id}  {e.title}: {exc.message}")
            else:
                filled.append(f"  番号 {e.id}  {e.title} → {reading}")
    if filled:
        print(f"よみが空のイベント {len(filled)} 件に候補のよみを入れました"
              "（違っていれば、イベントの編集画面で直してください）:")
        print("\n".join(filled))
    _say_unread(unread)
    if failed:
        print(f"次の {len(failed)} 件は保存できませんでした（もう一度実行するか、編集画面で"
              "入力してください）:")
        print("\n".join(failed))
        return 1
    return 0


def _say_unread(unread: list[EventDetail]) -> None:
    if unread:
        print(f"次の {len(unread)} 件はイベント名から候補を作れないため、編集画面で入力してください:")
        for e in unread:
            print(f"  番号 {e.id}  {e.title}")
