"""`kyodo-desk user`: the accounts, managed as the administrator (アカウントの管理)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from kyodo_desk.cli.arguments import no_terminal_message
from kyodo_desk.cli.opening import opened
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.permissions import ROLE_LABELS, Actor, Role

if TYPE_CHECKING:
    from kyodo_desk.database import Database


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    first = getpass.getpass("パスワード: ")
    if getpass.getpass("パスワード（確認）: ") != first:
        raise UserError("確認のパスワードが一致しません。")
    return first


def run(args: argparse.Namespace) -> int:
    from kyodo_desk.services import accounts

    if (args.user_command in ("add", "reset-password") and not args.password_stdin
            and (sys.stdin is None or not sys.stdin.isatty())):  # getpass would read a pipe, or end at its end
        raise UserError(no_terminal_message("パスワード", "--password-stdin"))
    with opened(args) as (db, actor):
        if args.user_command == "add":
            info = accounts.create_account(db, actor, accounts.AccountDraft(
                login=args.login, display_name=args.name, role=Role(args.role),
                facility_id=facility_id(db, actor, args.facility),
                password=_read_password(args.password_stdin)))
            print(f"アカウント {info.login}（{info.display_name}、{ROLE_LABELS[info.role]}）を作成しました。")
        elif args.user_command == "set-role":
            info = accounts.set_role(db, actor, args.login, Role(args.role),
                                     facility_id(db, actor, args.facility))
            print(f"アカウント {info.login} を{ROLE_LABELS[info.role]}"
                  f"（{info.facility_name or '所属なし'}）にしました。")
        elif args.user_command == "list":
            for a in accounts.list_accounts(db, actor):
                state = "" if a.active else "（無効）"
                print(f"{a.login}\t{a.display_name}\t{ROLE_LABELS[a.role]}\t{a.facility_name}{state}")
        elif args.user_command in ("disable", "enable"):
            info = accounts.set_active(db, actor, args.login, args.user_command == "enable")
            print(f"アカウント {info.login} を{'有効' if info.active else '無効'}にしました。")
        else:
            info = accounts.reset_password(db, actor, args.login,
                                           _read_password(args.password_stdin))
            print(f"アカウント {info.login} に仮のパスワードを設定しました。次回サインイン時に変更を求めます。")
    return 0


def facility_id(db: Database, actor: Actor, code: str | None) -> int | None:
    """The facility named by its code on the command line (None: no facility)."""
    from kyodo_desk.services.contacts import list_facilities

    if not code:
        return None
    codes = {f.code: f.id for f in list_facilities(db, actor)}
    if code not in codes:
        raise UserError(f"施設コード「{code}」はありません（{', '.join(codes)}）。")
    return codes[code]
