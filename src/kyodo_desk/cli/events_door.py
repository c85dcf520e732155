"""`kyodo-desk events door-pack | door-merge | door-conflicts`: the offline door (当日受付パック)
from the command line. The password is asked twice (or taken from KYODO_DOOR_PASSWORD, for
scripts) and never printed."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from kyodo_desk.cli.opening import opened

PASSWORD_VARIABLE = "KYODO_DOOR_PASSWORD"
COMMANDS = frozenset({"door-pack", "door-merge", "door-conflicts"})


def run(args: argparse.Namespace) -> int:
    return {"door-pack": _pack, "door-merge": _merge,
            "door-conflicts": _conflicts}[args.events_command](args)


def _password(*, twice: bool) -> str:
    import getpass

    from kyodo_desk.domain.errors import UserError

    given = os.environ.get(PASSWORD_VARIABLE)
    if given:
        return given
    first = getpass.getpass("当日受付パックのパスワード: ")
    if twice and getpass.getpass("当日受付パックのパスワード（確認）: ") != first:
        raise UserError("確認のパスワードが一致しません。")
    return first


def _pack(args: argparse.Namespace) -> int:
    from kyodo_desk.services.events.door_crypto import check_password
    from kyodo_desk.services.events.door_format import journal_path
    from kyodo_desk.services.events.door_pack import save_door_pack

    password = _password(twice=True)
    check_password(password)
    out = Path(args.out)
    with opened(args) as (db, actor):
        pack = save_door_pack(db, actor, args.event_id, out, password)
    print(f"当日受付パックを作りました: {out}（{pack.title}、申込 {len(pack.sign_ups)} 件）")
    print(f"受付した記録は {journal_path(out).name} に残ります。"
          "会場から戻ったら `kyodo-desk events door-merge` で取り込んでください。")
    return 0


def _merge(args: argparse.Namespace) -> int:
    from kyodo_desk.services.events.door_format import PACK_SUFFIX, journal_path
    from kyodo_desk.services.events.door_merge import merge_door_journal

    path = Path(args.file)
    if path.name.endswith(PACK_SUFFIX):  # the pack named: its journal beside it
        path = journal_path(path)
    password = _password(twice=False)
    with opened(args) as (db, actor):
        report = merge_door_journal(db, actor, path, password)
    print(report.message())
    if report.conflicts:
        print(f"`kyodo-desk events door-conflicts {report.event_id}` で一覧を表示できます。")
    return 0


def _conflicts(args: argparse.Namespace) -> int:
    from kyodo_desk.domain.dates import date_and_time, japan_time
    from kyodo_desk.services.events.door_merge import door_conflicts

    with opened(args) as (db, actor):
        found = door_conflicts(db, actor, args.event_id)
    if not found:
        print("判断を待つ当日受付の記録はありません。")
        return 0
    print(f"判断を待つ当日受付の記録 {len(found)} 件（アプリの申込一覧の「当日受付の衝突」で判断します）:")
    for c in found:
        counter = ""
        if c.counter_at is not None:
            counter = f"／窓口でも {date_and_time(japan_time(c.counter_at))}（{c.counter_by}）"
        print(f"  記録 {c.id}  {c.outcome_label}  {c.name}（{c.party_size}名）  "
              f"{date_and_time(japan_time(c.happened_at))}（{c.recorded_by}）{counter}")
    return 0
