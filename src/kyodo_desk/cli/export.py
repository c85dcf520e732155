"""`kyodo-desk export`: the lists written as CSV, xlsx or open data (データの書き出し)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from kyodo_desk.cli.opening import opened
from kyodo_desk.domain.errors import UserError

if TYPE_CHECKING:
    from kyodo_desk.exports.events import MissingReadings


def run(args: argparse.Namespace) -> int:
    from kyodo_desk.exports.contacts import export_contacts
    from kyodo_desk.exports.events import MissingReadings, export_events
    from kyodo_desk.exports.facilities import export_facilities
    from kyodo_desk.exports.grants import write_results
    from kyodo_desk.exports.participants import export_participants
    from kyodo_desk.services.date_style import load_date_style

    fmt = _export_format(args)
    with opened(args) as (db, actor):
        if args.what == "plans":  # says itself what it wrote (a file, or a folder of pages)
            from kyodo_desk.cli.plans import export_plans

            return export_plans(db, actor, fiscal_year=args.fiscal_year, fmt=args.format,
                                output=args.output)
        if args.what == "events":
            if fmt == "xlsx":
                load_date_style(db, actor)  # the workbook's 作成 date as prints are dated
            try:
                count = export_events(db, actor, args.output, start=args.start, end=args.end,
                                      fmt=fmt)
            except MissingReadings as missing:
                print(_missing_readings(args, missing), file=sys.stderr)
                return 1
            written = f"{count} 件のイベント"
        elif args.what == "participants":
            count = export_participants(db, actor, args.event, fmt, args.output)
            written = f"{count} 件の申込"
        elif args.what == "grants":
            count = write_results(db, actor, args.fiscal_year, args.output)
            written = f"{count} 件の採択事業"
        elif args.what == "groups":
            from kyodo_desk.exports.group_directory import export_group_directory

            load_date_style(db, actor)  # the workbook's 現在 date as prints are dated
            count = export_group_directory(db, actor, fmt, args.output, district=args.district)
            written = f"{count} 件の団体（市民活動団体一覧）"
        elif args.what == "contacts":
            load_date_style(db, actor)  # the workbook's 作成 date as prints are dated
            count = export_contacts(db, actor, fmt, args.output)
            written = f"{count} 件の連絡先（団体・個人）"
        else:
            count = export_facilities(db, actor, fmt, args.output)
            written = f"{count} 件の施設"
    print(f"{written}を {args.output} に書き出しました。")
    return 0


def _export_format(args: argparse.Namespace) -> str:
    """The format for what is exported; options that do not fit are refused before any file
    or database is touched."""
    if args.event is not None and args.what != "participants":
        raise UserError("--event は participants（参加者一覧）を書き出すときに指定します。")
    if (args.start or args.end) and args.what != "events":
        raise UserError("--from・--to は events（イベント一覧）を書き出すときに指定します。")
    if args.fiscal_year is not None and args.what not in ("grants", "plans"):
        raise UserError("--fiscal-year は grants（交付金の採択事業一覧）と plans（地域まちづくり計画の"
                        "実施状況）を書き出すときに指定します。")
    if args.format == "html" and args.what != "plans":
        raise UserError("--format html は plans（地域まちづくり計画の公表用ページ）を書き出すときに"
                        "指定します。")
    if args.district is not None and args.what != "groups":
        raise UserError("--district は groups（市民活動団体一覧）を書き出すときに指定します。")
    if args.what == "grants":
        return _grants_format(args)
    if args.what == "plans":
        if args.format not in (None, "csv", "html"):
            raise UserError("地域まちづくり計画の実施状況は --format csv か html で書き出します。")
        if args.fiscal_year is None:
            raise UserError("地域まちづくり計画の実施状況は --fiscal-year 2026 のように年度を西暦で"
                            "指定してください（2026 = 令和8年度）。")
        return args.format or ""
    if args.what == "groups":
        if args.format == "opendata":
            raise UserError("市民活動団体一覧は .xlsx か .csv で書き出します"
                            "（-o のファイル名を .xlsx か .csv にしてください）。")
        return suffix_format(args, "市民活動団体一覧")
    if args.what == "contacts":
        if args.format == "opendata":
            raise UserError("連絡先一覧は個人情報のため、オープンデータの形式では書き出せません"
                            "（-o のファイル名を .xlsx か .csv にしてください）。")
        return suffix_format(args, "連絡先一覧")
    if args.what == "events":
        if args.start and args.end and args.start > args.end:
            raise UserError(f"--from {args.start} が --to {args.end} より後になっています。")
        # The open-data file is a CSV: an .xlsx name can only mean the staff's workbook.
        return args.format or ("xlsx" if args.output.suffix.lower() == ".xlsx" else "opendata")
    if args.what == "participants":
        if args.event is None:
            raise UserError("参加者一覧は --event でイベントの番号を指定してください"
                            "（番号は export events で書き出した一覧の NO 列）。")
        if args.format == "opendata":
            raise UserError("参加者一覧は個人情報のため、オープンデータの形式では書き出せません"
                            "（--format xlsx か csv）。")
        return args.format or ("csv" if args.output.suffix.lower() == ".csv" else "xlsx")
    return args.format or "csv"


def _missing_readings(args: argparse.Namespace, missing: MissingReadings) -> str:
    """The refusal with every event that lacks its reading and the two ways to fill them."""
    import shlex
    import subprocess

    words = ["kyodo-desk"]
    if args.database:  # the same database as this command
        words += ["--database", args.database]
    words += ["events", "fill-readings"]
    line = subprocess.list2cmdline(words) if sys.platform == "win32" else shlex.join(words)
    listed = "\n".join(f"  番号 {number}  {title}" for number, title in missing.events)
    return (f"エラー: {missing.message}\n{listed}\n"
            "よみは、イベントの編集画面で「よみ」に入る候補を確かめて保存するか、次のコマンドで"
            "空のよみをまとめて候補で埋めてください（--dry-run を付けると、埋める内容を表示する"
            f"だけで変更しません）:\n  {line}")


def _grants_format(args: argparse.Namespace) -> str:
    """The adopted-projects list is written as the -o file's suffix says (.xlsx or .csv)."""
    if args.fiscal_year is None:
        raise UserError("採択事業一覧は --fiscal-year 2026 のように年度を西暦で指定してください"
                        "（2026 = 令和8年度）。")
    return suffix_format(args, "採択事業一覧")


def suffix_format(args: argparse.Namespace, title: str) -> str:
    """xlsx or csv as the -o file's suffix says; a --format that disagrees is refused."""
    fmt = {".xlsx": "xlsx", ".csv": "csv"}.get(args.output.suffix.lower())
    if fmt is None:
        raise UserError(f"{title}は .xlsx か .csv のファイルに書き出します"
                        f"（-o {args.output.name} の拡張子を変えてください）。")
    if args.format not in (None, fmt):
        raise UserError(f"--format {args.format} と -o {args.output.name} の拡張子が合いません"
                        f"（{title}の形式は -o の拡張子で決まります）。")
    return fmt

