"""`kyodo-desk events`: work on the events as a whole (イベントの一括操作), for now filling the
readings that the イベント一覧 open data requires (fill-readings)."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import TYPE_CHECKING

from kyodo_desk.cli.opening import opened

if TYPE_CHECKING:
    from kyodo_desk.services.events import EventDetail


def run(args: argparse.Namespace) -> int:
    return _fill_readings(args)


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
