"""`kyodo-desk contacts`: duplicates and merging, disclosure, erasure and the people's
retention (連絡先の重複候補・統合・開示・削除・保存年限)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from kyodo_desk.cli.export import suffix_format
from kyodo_desk.cli.opening import opened


def _contacts_list(args: argparse.Namespace, export: Callable[..., int], what: str,
                   counted: str) -> int:
    """Writes one of the contacts' lists to -o, in the format its suffix names."""
    fmt = suffix_format(args, what)
    with opened(args) as (db, actor):
        count = export(db, actor, fmt, args.output)
    print(f"{counted.format(count)}を {args.output} に書き出しました。")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.contacts_command == "disclose":
        return _disclose(args)
    if args.contacts_command == "erase":
        return _erase(args)
    if args.contacts_command == "retention":
        return _retention(args)
    if args.contacts_command == "duplicates":
        from kyodo_desk.exports.duplicates import export_duplicates

        return _contacts_list(args, export_duplicates, "重複候補の一覧", "重複候補 {} 組")
    if args.contacts_command == "unconfirmed":
        from kyodo_desk.exports.contacts import export_unconfirmed

        return _contacts_list(args, export_unconfirmed, "確認から12か月を過ぎた団体の一覧",
                              "確認から12か月を過ぎた団体 {} 件")
    from kyodo_desk.services.contacts.merge import merge_by_id

    with opened(args) as (db, actor):
        result = merge_by_id(db, actor, keep_id=args.keep, merge_id=args.merge_id)
    print(result.summary)
    return 0


def _disclose(args: argparse.Namespace) -> int:
    """`contacts disclose`: everything held about one contact, as the PDF handed to them."""
    from kyodo_desk import leaflets
    from kyodo_desk.exports.tabular import replaced_atomically
    from kyodo_desk.services.date_style import load_date_style

    with opened(args) as (db, actor):
        load_date_style(db, actor)  # dated as the window would print it
        pdf = leaflets.render("contact-disclosure", db, actor, contact_id=args.contact,
                              reason=args.reason)
    with replaced_atomically(args.output) as temp:
        temp.write_bytes(pdf)
    print(f"番号 {args.contact} の保有個人情報の開示を {args.output} に書き出しました"
          f"（{len(pdf) // 1024} KB。取扱注意: 本人に渡すまで管理してください）。")
    return 0


def _confirmed(question: str, yes: bool) -> bool:
    """Asks on a terminal unless *yes*; a pipe or a script is taken as agreed."""
    if yes or not sys.stdin.isatty():
        return True
    return input(f"{question} [y/N]: ").strip().lower() in ("y", "yes")


def _erase(args: argparse.Namespace) -> int:
    """`contacts erase`: 削除・利用停止 of one contact (services/contacts/erasure.py)."""
    from kyodo_desk.services.contacts.erasure import erase_contact, erasure_preview

    with opened(args) as (db, actor):
        preview = erasure_preview(db, actor, args.contact)
        merged = f"・統合された記録 {len(preview.merged_ids)} 件" if preview.merged_ids else ""
        question = (f"番号 {preview.contact_id}「{preview.name}」の個人情報（相談 "
                    f"{preview.consultations} 件・申込 {preview.registrations} 件{merged}を含む）"
                    "を消去します。元に戻せません。よろしいですか？")
        if preview.erased_on is None and not _confirmed(question, args.yes):
            print("中止しました（何も変更していません）。")
            return 1
        result = erase_contact(db, actor, args.contact, args.reason)
    print(result.summary)
    return 0


def _retention(args: argparse.Namespace) -> int:
    """`contacts retention`: the people's retention (services/contact_retention.py)."""
    from datetime import date

    from kyodo_desk.domain.dates import full_date
    from kyodo_desk.services import contact_retention as retention
    from kyodo_desk.services.date_style import load_date_style
    from kyodo_desk.services.retention import retention_cutoff

    with opened(args) as (db, actor):
        load_date_style(db, actor)
        if args.years is not None or args.forever:
            years = retention.set_retention_years(db, actor,
                                                  None if args.forever else args.years)
            print(f"個人の連絡先の保存年限: {years} 年" if years is not None
                  else "個人の連絡先の保存年限: 設けない（匿名化しません）")
            return 0
        years = retention.retention_years(db, actor)
        if years is None:
            print("個人の連絡先の保存年限が設定されていないため、匿名化する個人はありません"
                  "（設定: kyodo-desk contacts retention --years N）。")
            return 0
        today = args.today or date.today()
        since = full_date(retention_cutoff(today, years))
        people = retention.inactive_people(db, actor, today)
        sign_ups = retention.expired_sign_up_count(db, actor, today)
        what = (f"保存年限 {years} 年: {since}から利用のない個人 {len(people)} 件、"
                f"最終開催日が{since}より前のイベントの申込のメモ {sign_ups} 件")
        if args.dry_run:
            print(f"{what}が対象です（--dry-run のため変更していません）。")
            if people:
                print("対象の番号: " + "、".join(str(n) for n in people))
            return 0
        if (people or sign_ups) and not _confirmed(f"{what}を匿名化します。元に戻せません。"
                                                   "よろしいですか？", args.yes):
            print("中止しました（何も変更していません）。")
            return 1
        result = retention.anonymise_inactive(db, actor, today)
    print(f"保存年限 {years} 年: 個人 {result.people} 件を匿名化し、申込 {result.sign_ups} 件の"
          "メモを消去しました（日付・件数は残っています）。")
    return 0
