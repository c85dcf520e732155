"""The `kyodo-desk` command: the window by default; subcommands call the same services."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kyodo_desk import __version__
from kyodo_desk.cli_parser import (
    DEMO_COUNT,
    FISCAL_YEAR,
    RECORD_ID,
    RETENTION_YEARS,
    JapaneseArgumentParser,
    no_terminal_message,
    output_file,
    url_without_password,
)
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.permissions import ROLE_LABELS, Actor, Role

if TYPE_CHECKING:
    from datetime import date

    from sqlalchemy.engine import URL

    from kyodo_desk.database import Database
    from kyodo_desk.database.server_roles import RoleRights, ServerPlan
    from kyodo_desk.database.sqlite_files import DamagedDatabase

log = logging.getLogger("kyodo_desk")


def _database_option(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument(
        "--database", metavar="URL", default=default, type=url_without_password,
        help="データベースの URL（sqlite:///ファイル または postgresql://利用者@サーバー/DB名）。"
        "省略時は環境変数 KYODO_DATABASE_URL、設定ファイル、内蔵の SQLite の順。",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = JapaneseArgumentParser(
        prog="kyodo-desk",
        description="協働デスク — 市民サービスセンター・市民交流サロンの窓口業務アプリ。"
        "引数なしで画面を開きます。",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                        help="版を表示して終了する")
    _database_option(parser, None)
    # For benchmarks: quit as soon as the window is shown and has answered a search.
    parser.add_argument("--startup-probe", action="store_true", help=argparse.SUPPRESS)
    common = JapaneseArgumentParser(add_help=False)
    _database_option(common, argparse.SUPPRESS)  # also accepted after the subcommand
    commands = parser.add_subparsers(dest="command", metavar="サブコマンド")

    export = commands.add_parser("export", parents=[common], help="データを書き出す")
    export.add_argument(
        "what", metavar="対象",
        choices=["facilities", "events", "participants", "grants", "contacts", "groups"],
        help="facilities: 拠点施設の一覧、events: イベント一覧（オープンデータ）、"
        "participants: イベントの参加者一覧（--event で指定）、"
        "grants: 交付金の採択事業一覧・実施結果（--fiscal-year で年度を指定）、"
        "contacts: 団体・個人の連絡先の全件（無効にしたものも含む全項目と所属団体・構成員。"
        "拠点施設は含まない。個人情報のため職員用で、書き出したことは操作記録に残る）、"
        "groups: 市民活動団体一覧（団体一覧への掲載に同意した団体の、公開に同意した項目のみ。"
        "公開用）")
    export.add_argument(
        "--format", choices=["csv", "xlsx", "opendata"],
        help="csv（UTF-8 BOM付き）、xlsx、opendata（自治体標準オープンデータセットの CSV: "
        "公共施設一覧・イベント一覧）。省略時は facilities が csv、events が opendata、"
        "participants が xlsx（-o が .csv なら csv）、grants・contacts・groups は -o の拡張子"
        "（.xlsx か .csv）",
    )
    export.add_argument("--event", type=RECORD_ID, metavar="ID",
                        help="participants: イベントの番号（export events の NO 列）")
    export.add_argument("--from", dest="start", type=_iso_date, metavar="YYYY-MM-DD",
                        help="events: この日以降に開催日があるイベントだけを書き出す")
    export.add_argument("--to", dest="end", type=_iso_date, metavar="YYYY-MM-DD",
                        help="events: この日までに開催日があるイベントだけを書き出す")
    export.add_argument("--fiscal-year", type=FISCAL_YEAR, metavar="YYYY",
                        help="grants: 年度（2026 = 令和8年度、4月〜翌年3月）")
    export.add_argument("--district", metavar="地域",
                        help="groups: この地域の団体だけを書き出す（中央・東部・西部・南部・北部・"
                        "河辺・雄和・市外）")
    export.add_argument("-o", "--output", type=output_file, required=True, metavar="FILE",
                        help="書き出すファイル")

    db = commands.add_parser("db", parents=[common], help="データベースの管理")
    db_commands = db.add_subparsers(dest="db_command", metavar="操作", required=True)
    upgrade = db_commands.add_parser(
        "upgrade", parents=[common],
        help="データベースを最新の形式に更新する（SQLite は先にバックアップ）")
    upgrade.add_argument(
        "--owner-url", metavar="URL",
        help="PostgreSQL: 所有者のロールで更新する（postgresql://kyodo_owner@サーバー:5432/kyodo。"
        "パスワードは書かず、資格情報ストア・パスワードファイルから、なければ入力を求める）")
    init_server = db_commands.add_parser(
        "init-server",
        help="PostgreSQL サーバーに所有者と窓口用の2つのロールとデータベースを作り、権限を設定する"
        "（サーバーの管理者の URL で実行。もう一度実行しても既存のデータは消さず、権限を直す）")
    init_server.add_argument("--admin-url", required=True, metavar="URL",
                             help="サーバーの管理者の接続先（postgresql://postgres@サーバー:5432/"
                             "postgres。パスワードは書かず、必要なら入力を求める）")
    init_server.add_argument("--database", dest="database_name", default="kyodo", metavar="NAME",
                             help="作るデータベースの名前（省略時 kyodo）")
    init_server.add_argument("--owner-role", default="kyodo_owner", metavar="NAME",
                             help="表を持ち形式を更新するロール（省略時 kyodo_owner）")
    init_server.add_argument("--app-role", default="kyodo_app", metavar="NAME",
                             help="窓口の画面とコマンドが使うロール（省略時 kyodo_app）")
    init_server.add_argument("--passwords-stdin", action="store_true",
                             help="新しく作るロールのパスワードを標準入力から読む"
                             "（1行目 所有者、2行目 窓口用。スクリプト用）")
    init_server.add_argument("--locale", default="C.UTF-8",
                             help="新しいデータベースのロケール（省略時 C.UTF-8。UTF-8 のものを指定）")
    db_commands.add_parser("roles", parents=[common],
                           help="PostgreSQL のロールごとの権限（表・スキーマ・データベース）を表示する")
    backup = db_commands.add_parser(
        "backup", parents=[common],
        help="データベースをファイルにバックアップする（SQLite はその場で複製、PostgreSQL は "
        "pg_dump のカスタム形式。SQLite は毎日最初の起動でも自動で複製）")
    backup.add_argument("file", type=output_file, metavar="FILE", nargs="?",
                        help="バックアップ先のファイル（省略時は今のフォルダに日時付きの名前で作る）")
    restore = db_commands.add_parser(
        "restore", parents=[common],
        help="バックアップから SQLite のデータベースを復元する（今のデータは先に日時付きで保存。"
        "協働デスクを閉じてから実行）")
    restore.add_argument("file", type=Path, metavar="FILE", help="復元するバックアップのファイル")
    db_commands.add_parser("status", parents=[common], help="接続先と形式の版を表示する")

    leaflet = commands.add_parser("leaflet", parents=[common],
                                  help="印刷物（A4 の PDF）を作成する。--list で一覧")
    leaflet.add_argument("name", nargs="?", metavar="印刷物", help="印刷物の名前（--list で確認）")
    leaflet.add_argument("-o", "--output", type=output_file, metavar="FILE.pdf", help="書き出す PDF")
    leaflet.add_argument("--list", action="store_true", help="作成できる印刷物の一覧")
    leaflet.add_argument("--event", type=RECORD_ID, metavar="ID",
                         help="イベントの印刷物（event-…）を作るイベントの番号")
    leaflet.add_argument("--registration", type=RECORD_ID, metavar="ID",
                         help="受付票（event-receipt）を作る申込の番号")
    leaflet.add_argument("--programme", type=RECORD_ID, metavar="ID",
                         help="交付金の印刷物（grant-call・grant-score-sheets・grant-ranking）を"
                         "作る交付金の番号（指定せずに実行すると、登録されている交付金の番号を表示）")
    leaflet.add_argument("--fiscal-year", type=FISCAL_YEAR, metavar="YYYY",
                         help="採択事業一覧・実施結果（grant-results）の年度（2026 = 令和8年度）")
    leaflet.add_argument("--reviewer", metavar="NAME",
                         help="審査表（grant-score-sheets）に、この審査員の記録した点数を記入する")
    leaflet.add_argument("--contact", type=RECORD_ID, metavar="ID",
                         help="団体カルテ・個人カルテ（contact-record）を作る団体・個人の番号")
    leaflet.add_argument("--district", metavar="地域",
                         help="市民活動団体一覧（group-directory）をこの地域の団体だけで作る"
                         "（中央・東部・西部・南部・北部・河辺・雄和・市外）")
    leaflet.add_argument("--by", choices=["field", "district"],
                         help="市民活動団体一覧（group-directory）の並べ方: field 活動分野別"
                         "（省略時）、district 地域別")

    report = commands.add_parser("report", parents=[common],
                                 help="集計表・月報を作成する（相談の統計）")
    report.add_argument("what", metavar="対象", choices=["consultations"],
                        help="consultations: 相談の件数")
    report.add_argument(
        "--format", choices=["xlsx", "csv", "pdf"], default="xlsx",
        help="xlsx（年度の集計表、表ごとにシート）、csv（同じ表、UTF-8 BOM付き）、"
        "pdf（市民活動相談 月報、A4 1枚）")
    report.add_argument("--fiscal-year", type=FISCAL_YEAR, metavar="YYYY",
                        help="xlsx・csv の年度（2026 = 令和8年度、4月〜翌年3月）。省略時は今年度")
    report.add_argument("--month", metavar="YYYY-MM", help="pdf（月報）の月。省略時は今月")
    report.add_argument("--facility", metavar="CODE",
                        help="xlsx・csv を1つの施設だけで集計する（施設コード、例: east）")
    report.add_argument("--district", metavar="地域",
                        help="xlsx・csv を1つの地域の相談だけで集計する（中央・東部・西部・南部・"
                        "北部・河辺・雄和・市外・不明。相談者の地域、匿名なら記録した地域）")
    report.add_argument("-o", "--output", type=output_file, required=True, metavar="FILE",
                        help="書き出すファイル")

    user = commands.add_parser("user", parents=[common], help="アカウントの管理（管理者の権限で実行）")
    user_commands = user.add_subparsers(dest="user_command", metavar="操作", required=True)
    add = user_commands.add_parser("add", parents=[common], help="アカウントを作成する")
    add.add_argument("login", metavar="ログイン名", help="ログイン名（半角英数字）")
    add.add_argument("--name", required=True, help="表示名（例: 秋田 花子）")
    add.add_argument("--role", required=True, choices=[r.value for r in Role],
                     help="counter_staff=窓口職員, advisor=アドバイザー, officer=協働担当, admin=管理者")
    add.add_argument("--facility", metavar="CODE",
                     help="所属施設のコード（east, west, south, north, central, kawabe, yuwa, salon）")
    add.add_argument("--password-stdin", action="store_true",
                     help="パスワードを標準入力の1行目から読む（スクリプト用）")
    set_role = user_commands.add_parser(
        "set-role", parents=[common],
        help="役割・所属施設を変える（開いている画面では次の操作でサインインし直しになる）")
    set_role.add_argument("login", metavar="ログイン名")
    set_role.add_argument("--role", required=True, choices=[r.value for r in Role],
                          help="counter_staff, advisor, officer, admin")
    set_role.add_argument("--facility", metavar="CODE", help="所属施設のコード。省略時は所属なし")
    user_commands.add_parser("list", parents=[common], help="アカウントの一覧")
    disable = user_commands.add_parser("disable", parents=[common], help="アカウントを無効にする")
    disable.add_argument("login", metavar="ログイン名")
    enable = user_commands.add_parser("enable", parents=[common], help="アカウントを有効に戻す")
    enable.add_argument("login", metavar="ログイン名")
    reset = user_commands.add_parser("reset-password", parents=[common],
                                     help="仮のパスワードを設定する（次回サインイン時に変更を求める）")
    reset.add_argument("login", metavar="ログイン名")
    reset.add_argument("--password-stdin", action="store_true",
                       help="パスワードを標準入力の1行目から読む")

    demo = commands.add_parser("demo", parents=[common],
                               help="研修・性能測定用の架空データを追加する")
    demo.add_argument("--contacts", type=DEMO_COUNT, default=0, metavar="N",
                      help="架空の団体・個人を N 件追加する")
    demo.add_argument("--consultations", type=DEMO_COUNT, default=0, metavar="N",
                      help="架空の相談記録を N 件追加する（過去5年度分。相談者の架空の連絡先と、"
                      "職員のいない施設には無効の架空アカウントも作る）")
    demo.add_argument("--events", action="store_true",
                      help="概要版のイベント（つむぎすと講座、フェスタなど）を申込つきで追加")
    demo.add_argument("--grants", action="store_true",
                      help="今年度の協働サポート交付金・地域づくり交付金を、各段階の案件つきで追加")
    demo.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)

    importing = commands.add_parser(
        "import", parents=[common],
        help="Excel・CSV の名簿を取り込む（すべての行を取り込めるときだけ、まとめて登録する）")
    importing.add_argument("what", metavar="対象",
                           choices=["contacts", "consultations", "applicants"],
                           help="contacts: 団体・個人の連絡先、consultations: 過去の相談記録、"
                           "applicants: イベントの申込者（Web フォームの書き出し。--event で指定）")
    importing.add_argument("file", type=Path, metavar="FILE",
                           help=".xlsx .xls .ods .csv .tsv（UTF-8 または Shift_JIS）")
    importing.add_argument("--sheet", metavar="NAME", help="読むシート（省略時は最初のシート）")
    importing.add_argument("--mapping", metavar="PRESET",
                           help="保存した取り込み設定（列の対応）の名前。省略時は見出しから推定")
    importing.add_argument("--event", type=RECORD_ID, metavar="ID", help="applicants: イベントの番号")
    importing.add_argument("--dry-run", action="store_true",
                           help="確かめるだけで登録しない（取り込めるかどうかと件数を表示）")
    importing.add_argument("--report", type=output_file, metavar="FILE.xlsx",
                           help="取り込めない行を理由つきで書き出す（直して、もう一度取り込める形）")

    audit = commands.add_parser("audit", parents=[common], help="操作記録の確認")
    audit_commands = audit.add_subparsers(dest="audit_command", metavar="操作", required=True)
    audit_commands.add_parser(
        "verify", parents=[common],
        help="操作記録のハッシュの鎖をたどり、削除・書き換え・追加された行を探す")
    contacts = commands.add_parser("contacts", parents=[common],
                                   help="連絡先の重複候補と統合（協働担当・管理者の業務）")
    contact_commands = contacts.add_subparsers(dest="contacts_command", metavar="操作",
                                               required=True)
    duplicates = contact_commands.add_parser(
        "duplicates", parents=[common],
        help="同じ人・団体らしい連絡先の組を、点数と理由つきで書き出す（個人情報: 取扱注意）")
    duplicates.add_argument("--format", choices=["csv", "xlsx"],
                            help="省略時は -o の拡張子（.xlsx か .csv）")
    duplicates.add_argument("-o", "--output", type=output_file, required=True, metavar="FILE",
                            help="書き出すファイル")
    unconfirmed = contact_commands.add_parser(
        "unconfirmed", parents=[common],
        help="確認から12か月を過ぎた団体（未確認を含む）を書き出す（取扱注意）")
    unconfirmed.add_argument("--format", choices=["csv", "xlsx"],
                             help="省略時は -o の拡張子（.xlsx か .csv）")
    unconfirmed.add_argument("-o", "--output", type=output_file, required=True, metavar="FILE",
                             help="書き出すファイル")
    merge = contact_commands.add_parser(
        "merge", parents=[common],
        help="2件の連絡先を1件にまとめる（相談・申込・出席・交付金案件・所属を残す側へ移し、"
        "もう一方は「統合済み」として残す。画面の「統合を取り消す」で戻せる）")
    merge.add_argument("--keep", type=RECORD_ID, required=True, metavar="ID", help="残す連絡先の番号")
    merge.add_argument("--merge", dest="merge_id", type=RECORD_ID, required=True, metavar="ID",
                       help="残す側へまとめる連絡先の番号")
    disclose = contact_commands.add_parser(
        "disclose", parents=[common],
        help="本人・団体の開示請求に応じて、保有するすべての情報（登録内容、所属、相談記録の内容、"
        "申込と出席、交付金案件、操作履歴）を1つのPDFにする（管理者の権限。取扱注意。記録に残る）")
    disclose.add_argument("--contact", type=RECORD_ID, required=True, metavar="ID",
                          help="開示する団体・個人の番号")
    disclose.add_argument("-o", "--output", type=output_file, required=True, metavar="FILE.pdf",
                          help="書き出すPDFファイル")
    disclose.add_argument("--reason", default="", metavar="TEXT",
                          help="開示請求の理由・受付番号など（操作記録とPDFに残る。個人情報は書かない）")
    erase = contact_commands.add_parser(
        "erase", parents=[common],
        help="削除・利用停止: 団体・個人の氏名・連絡先・メモと、その相談・申込の個人情報を消去する"
        "（管理者の権限。元に戻せません。日付・件数は残る。統合された記録も一緒に消去）")
    erase.add_argument("--contact", type=RECORD_ID, required=True, metavar="ID",
                       help="削除・利用停止する団体・個人の番号")
    erase.add_argument("--reason", required=True, metavar="TEXT",
                       help="申出の内容・受付番号など（操作記録に残る。氏名などの個人情報は書かない）")
    erase.add_argument("--yes", action="store_true", help="確認せずに実行する")
    contact_retention = contact_commands.add_parser(
        "retention", parents=[common],
        help="個人の保存年限: 年限のあいだ利用のない個人を匿名化し、終了から年限を過ぎたイベントの"
        "申込のメモを消去する（--dry-run で対象の件数と番号だけを表示。--years N で年限を設定）")
    contact_years = contact_retention.add_mutually_exclusive_group()
    contact_years.add_argument("--years", type=RETENTION_YEARS, metavar="N",
                               help="保存年限を N 年（1〜100）に設定する（匿名化はしない）")
    contact_years.add_argument("--forever", action="store_true",
                               help="保存年限を設けない（匿名化しない）")
    contact_retention.add_argument("--dry-run", action="store_true",
                                   help="匿名化せず、対象の件数と番号だけを表示する")
    contact_retention.add_argument("--yes", action="store_true", help="確認せずに実行する")
    contact_retention.add_argument("--today", type=_iso_date, metavar="YYYY-MM-DD",
                                   help=argparse.SUPPRESS)  # for tests

    consultations = commands.add_parser("consultations", parents=[common],
                                        help="相談記録の保存年限と匿名化（管理者の権限で実行）")
    consultation_commands = consultations.add_subparsers(dest="consultations_command",
                                                         metavar="操作", required=True)
    retention = consultation_commands.add_parser(
        "retention", parents=[common], help="保存年限を表示する（--years N で設定）")
    retention_choice = retention.add_mutually_exclusive_group()
    retention_choice.add_argument("--years", type=RETENTION_YEARS, metavar="N",
                                  help="保存年限を N 年（1〜100）に設定する")
    retention_choice.add_argument("--forever", action="store_true",
                                  help="保存年限を設けない（匿名化しない）")
    anonymise = consultation_commands.add_parser(
        "anonymise", parents=[common],
        help="保存年限を過ぎた相談記録を匿名化する（元に戻せません。件数は残ります）")
    anonymise.add_argument("--dry-run", action="store_true",
                           help="匿名化せず、対象の件数だけを表示する")
    anonymise.add_argument("--today", type=_iso_date, metavar="YYYY-MM-DD",
                           help=argparse.SUPPRESS)  # for tests: the day the retention counts from
    return parser


def _iso_date(text: str) -> date:
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日付「{text}」が読めません（例: 2026-11-25）") from None


def main(argv: list[str] | None = None) -> int:
    from kyodo_desk.logs import setup_logging

    args = build_parser().parse_args(argv)
    setup_logging()
    if args.command is None:
        from kyodo_desk.ui.qt_check import display_problem

        problem = display_problem()  # before Qt, which would abort with exit 250 and English
        if problem is not None:
            log.error("the window cannot open: %s", problem)
            print(problem, file=sys.stderr)
            return 1
        from kyodo_desk.ui.app import run_gui

        return run_gui(args.database, startup_probe=args.startup_probe)
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "export": _export,
        "db": _db,
        "demo": _demo,
        "user": _user,
        "leaflet": _leaflet,
        "report": _report,
        "consultations": _consultations,
        "contacts": _contacts,
        "import": _import,
        "audit": _audit,
    }
    from kyodo_desk.database.sqlite_files import DamagedDatabase

    try:
        if getattr(args, "output", None) is not None:
            from kyodo_desk.exports.tabular import check_output_target

            check_output_target(args.output)  # before any long query or rendering
        return handlers[args.command](args)
    except DamagedDatabase as exc:
        print(f"エラー: {exc.explained(_how_to_restore(args, exc))}", file=sys.stderr)
        return 2
    except UserError as exc:
        print(f"エラー: {exc.message}", file=sys.stderr)
        return 2
    except Exception:
        from kyodo_desk.paths import log_path

        log.exception("command failed: %s", argv)
        print(f"予期しないエラーが発生しました。詳細はログ {log_path()} を確認してください。",
              file=sys.stderr)
        return 1


def _audit(args: argparse.Namespace) -> int:
    """`audit verify`: exit 0 when the chain holds, 1 where it breaks."""
    from kyodo_desk.database.audit_chain import verify_log

    db = _open(args)
    try:
        verdict = verify_log(db, Actor.command_line())
    finally:
        db.dispose()
    for line in verdict.report():
        print(line, file=sys.stdout if verdict.intact else sys.stderr)
    return 0 if verdict.intact else 1


def _how_to_restore(args: argparse.Namespace, damage: DamagedDatabase) -> str:
    """The exact command that puts the newest intact backup back, for the same database."""
    import shlex
    import subprocess

    words = ["kyodo-desk"]
    if args.database:  # else `db restore` chooses the database just as this command did
        words += ["--database", args.database]
    words += ["db", "restore", str(damage.backup)]
    line = subprocess.list2cmdline(words) if sys.platform == "win32" else shlex.join(words)
    return ("協働デスクを閉じてから、次のコマンドでこのバックアップに戻せます"
            f"（今のファイルは日時付きの名前で残ります）:\n  {line}")


def _open(args: argparse.Namespace, *, migrate: bool = True) -> Database:
    from kyodo_desk.config import choose_database
    from kyodo_desk.database import open_database

    db = open_database(choose_database(args.database).url, migrate=migrate)
    if db.startup_notice:  # today's backup of the embedded file failed; the command goes on
        print(f"注意: {db.startup_notice}", file=sys.stderr)
        db.startup_notice = ""
    return db


def _export(args: argparse.Namespace) -> int:
    from kyodo_desk.exports.contacts import export_contacts
    from kyodo_desk.exports.events import export_events
    from kyodo_desk.exports.facilities import export_facilities
    from kyodo_desk.exports.grants import write_results
    from kyodo_desk.exports.participants import export_participants
    from kyodo_desk.services.date_style import load_date_style

    fmt = _export_format(args)
    actor = Actor.command_line()
    db = _open(args)
    try:
        if args.what == "events":
            count = export_events(db, actor, args.output, start=args.start, end=args.end)
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
    finally:
        db.dispose()
    print(f"{written}を {args.output} に書き出しました。")
    return 0


def _export_format(args: argparse.Namespace) -> str:
    """The format for what is exported; options that do not fit are refused before any file
    or database is touched."""
    if args.event is not None and args.what != "participants":
        raise UserError("--event は participants（参加者一覧）を書き出すときに指定します。")
    if (args.start or args.end) and args.what != "events":
        raise UserError("--from・--to は events（イベント一覧）を書き出すときに指定します。")
    if args.fiscal_year is not None and args.what != "grants":
        raise UserError("--fiscal-year は grants（交付金の採択事業一覧）を書き出すときに指定します。")
    if args.district is not None and args.what != "groups":
        raise UserError("--district は groups（市民活動団体一覧）を書き出すときに指定します。")
    if args.what == "grants":
        return _grants_format(args)
    if args.what == "groups":
        if args.format == "opendata":
            raise UserError("市民活動団体一覧は .xlsx か .csv で書き出します"
                            "（-o のファイル名を .xlsx か .csv にしてください）。")
        return _suffix_format(args, "市民活動団体一覧")
    if args.what == "contacts":
        if args.format == "opendata":
            raise UserError("連絡先一覧は個人情報のため、オープンデータの形式では書き出せません"
                            "（-o のファイル名を .xlsx か .csv にしてください）。")
        return _suffix_format(args, "連絡先一覧")
    if args.what == "events":
        if args.format not in (None, "opendata"):
            raise UserError("イベント一覧は --format opendata"
                            "（自治体標準オープンデータセットの CSV）で書き出します。")
        if args.start and args.end and args.start > args.end:
            raise UserError(f"--from {args.start} が --to {args.end} より後になっています。")
        return "opendata"
    if args.what == "participants":
        if args.event is None:
            raise UserError("参加者一覧は --event でイベントの番号を指定してください"
                            "（番号は export events で書き出した一覧の NO 列）。")
        if args.format == "opendata":
            raise UserError("参加者一覧は個人情報のため、オープンデータの形式では書き出せません"
                            "（--format xlsx か csv）。")
        return args.format or ("csv" if args.output.suffix.lower() == ".csv" else "xlsx")
    return args.format or "csv"


def _grants_format(args: argparse.Namespace) -> str:
    """The adopted-projects list is written as the -o file's suffix says (.xlsx or .csv)."""
    if args.fiscal_year is None:
        raise UserError("採択事業一覧は --fiscal-year 2026 のように年度を西暦で指定してください"
                        "（2026 = 令和8年度）。")
    return _suffix_format(args, "採択事業一覧")


def _suffix_format(args: argparse.Namespace, title: str) -> str:
    """xlsx or csv as the -o file's suffix says; a --format that disagrees is refused."""
    fmt = {".xlsx": "xlsx", ".csv": "csv"}.get(args.output.suffix.lower())
    if fmt is None:
        raise UserError(f"{title}は .xlsx か .csv のファイルに書き出します"
                        f"（-o {args.output.name} の拡張子を変えてください）。")
    if args.format not in (None, fmt):
        raise UserError(f"--format {args.format} と -o {args.output.name} の拡張子が合いません"
                        f"（{title}の形式は -o の拡張子で決まります）。")
    return fmt


def _sqlite_file(args: argparse.Namespace, command: str, postgresql_tool: str) -> Path:
    """The embedded database file, or a message pointing PostgreSQL users to their tool."""
    from kyodo_desk.config import choose_database
    from kyodo_desk.database import sqlite_files
    from kyodo_desk.database.core import parse_url

    url = parse_url(choose_database(args.database).url)
    path = sqlite_files.database_path(url)
    if url.get_backend_name() != "sqlite" or path is None:
        raise UserError(f"{command} は SQLite のデータベース用です。PostgreSQL は "
                        f"{postgresql_tool} を使ってください（README「バックアップ」）。")
    return path


def _db(args: argparse.Namespace) -> int:
    from kyodo_desk.database import sqlite_files

    if args.db_command == "backup":
        from kyodo_desk.config import choose_database
        from kyodo_desk.database import backups

        return backups.backup_command(choose_database(args.database).url, args.file)
    if args.db_command == "restore":
        path = _sqlite_file(args, "db restore", "pg_restore")
        safety = sqlite_files.restore_from(args.file, path)
        print(f"{args.file} から {path} に復元しました。")
        if safety is not None:
            print(f"復元前のデータは {safety} に保存しました。")
        return 0
    if args.db_command == "init-server":
        return _db_init_server(args)
    if args.db_command == "roles":
        return _db_roles(args)
    if args.db_command == "upgrade" and args.owner_url:
        from kyodo_desk.database import open_database

        db = open_database(_server_url(args.owner_url, "--owner-url"))
    elif args.db_command == "status":
        db = _open_for_status(args)
    else:
        db = _open(args, migrate=args.db_command == "upgrade")
    try:
        from kyodo_desk.database.schema import current_revision, head_revision

        if args.db_command == "upgrade" and not db.backend.is_sqlite and not db.read_only:
            from kyodo_desk.database.server_roles import refresh_grants

            for role in refresh_grants(db):  # the rights of tables a migration re-made
                print(f"窓口用のロール「{role}」の権限を設定し直しました。")
        with db.engine.connect() as conn:
            revision = current_revision(conn)
        print(f"接続先: {db.describe()}")
        print(f"形式の版: {revision}（この版の協働デスク: {head_revision()}）")
        if db.read_only:
            print(db.read_only_reason)
    finally:
        db.dispose()
    return 0


def _open_for_status(args: argparse.Namespace) -> Database:
    """`db status` only looks: a SQLite file that is not there is reported, not created (nor
    its folder), since a mistyped path would otherwise become a second, empty database; a
    refusal names where it looked."""
    from kyodo_desk.config import choose_database
    from kyodo_desk.database import sqlite_files
    from kyodo_desk.database.core import parse_url
    from kyodo_desk.domain.errors import StartupError

    url = parse_url(choose_database(args.database).url)
    path = sqlite_files.database_path(url) if url.get_backend_name() == "sqlite" else None
    if path is not None and not path.exists():
        raise UserError(
            f"データベースファイル「{path}」はありません（何も作成していません）。\n"
            "場所を確かめてください（--database、環境変数 KYODO_DATABASE_URL、設定ファイル "
            "config.toml の順に決まります）。この場所に新しく作るときは kyodo-desk db upgrade を"
            "実行します。")
    try:
        return _open(args, migrate=False)
    except StartupError as exc:
        if isinstance(exc, sqlite_files.DamagedDatabase):
            raise
        where = (f"SQLite: {path}" if path is not None else
                 f"PostgreSQL: {url.host or 'localhost'}:{url.port or 5432}/{url.database}")
        raise UserError(f"接続先: {where}\n{exc.message}") from exc


def _server_url(raw: str, option: str) -> str:
    """A PostgreSQL URL given on the command line, with its password from the keyring, or
    typed at a prompt when the server asks for one; never one written in the URL itself."""
    from kyodo_desk.config import DatabaseSettings, url_has_password
    from kyodo_desk.database.core import parse_url
    from kyodo_desk.secrets import load_password

    if url_has_password(raw):
        raise UserError(f"{option} の URL にはパスワードを書かないでください（コマンドの履歴や"
                        "プロセスの一覧から読めてしまいます）。パスワードは OS の資格情報ストアか"
                        "PostgreSQL のパスワードファイルに置くか、聞かれたときに入力します。")
    url = parse_url(raw)
    if url.get_backend_name() != "postgresql" or not url.username:
        raise UserError(f"{option} には postgresql://ロール名@サーバー:5432/データベース名 の形で"
                        "PostgreSQL サーバーを指定してください。")
    kept = load_password(DatabaseSettings.from_url(url).key())
    if kept:
        url = url.set(password=kept)
    elif sys.stdin.isatty() and _server_wants_password(url):
        import getpass

        url = url.set(password=getpass.getpass(f"ロール「{url.username}」のパスワード: "))
    return url.render_as_string(hide_password=False)


def _server_wants_password(url: URL) -> bool:
    """Whether the server refuses *url* for want of a password (none in the pass file)."""
    from sqlalchemy.exc import OperationalError

    from kyodo_desk.database.core import create_engine_for

    engine = create_engine_for(url)
    try:
        with engine.connect():
            return False
    except OperationalError as exc:
        return "password" in str(exc.orig).lower()
    finally:
        engine.dispose()


def _db_init_server(args: argparse.Namespace) -> int:
    """`db init-server`: the two roles and the database, then what each counter PC needs."""
    from sqlalchemy import make_url

    from kyodo_desk.config import POSTGRESQL, DatabaseSettings, settings_lines, shell_line
    from kyodo_desk.database import server_roles
    from kyodo_desk.secrets import SERVICE

    plan = server_roles.ServerPlan(args.database_name, args.owner_role, args.app_role,
                                   args.locale)
    admin = make_url(_server_url(args.admin_url, "--admin-url"))
    try:
        plan = plan.checked()
        report = server_roles.init_server(admin, plan, _role_passwords(args, admin, plan))
    except server_roles.RoleSetupError as exc:
        raise UserError(exc.message) from exc
    for role in report.created_roles:
        print(f"ロール「{role}」を作成しました。")
    for role in report.existing_roles:
        print(f"ロール「{role}」は既にあります（パスワードは変えていません）。")
    for role in report.login_enabled:
        print(f"ロール「{role}」をログインできるようにしました。")
    print(f"データベース「{plan.database}」を作成しました（所有者「{plan.owner}」）。"
          if report.created_database else
          f"データベース「{plan.database}」は既にあります（所有者「{plan.owner}」。データは"
          "そのままです）。")
    if report.revision_before != report.revision_after:
        print(f"形式を {report.revision_before or '未作成'} から {report.revision_after} に"
              f"更新しました（所有者「{plan.owner}」として）。")
    else:
        print(f"形式の版: {report.revision_after}（最新です）")
    print(f"窓口用のロール「{plan.app}」の権限を設定しました: データの表は読み書き、"
          "操作記録（audit_log）は読み取りと追記だけ。表の作成・変更・削除はできません。")
    _print_matrix(report.matrix)
    host, port = admin.host or "localhost", admin.port or 5432
    app = DatabaseSettings(POSTGRESQL, host=host, port=port, name=plan.database, user=plan.app)
    owner = app.server_url().replace(f"//{plan.app}@", f"//{plan.owner}@", 1)
    print()
    print("各窓口の PC の設定ファイル config.toml に次の内容を書きます"
          "（管理 → データベースの接続設定… でも同じ設定ができます）:")
    for line in settings_lines(app):
        print(f"  {line}")
    print(f"（接続先の URL: {app.server_url().replace('+psycopg', '')}）")
    if host in ("localhost", "127.0.0.1", "::1"):
        print(f"  ※ host はほかの PC から見たこのサーバーの名前（{host} ではなく）にしてください。")
    print(f"窓口用のパスワードは、各 PC で次のコマンドを実行して OS の資格情報ストアに"
          f"保存します（聞かれたら「{plan.app}」のパスワードを入力）:")
    print(f"  {shell_line(['keyring', 'set', SERVICE, app.key().username])}")
    upgrade = ["kyodo-desk", "db", "upgrade", "--owner-url", owner.replace("+psycopg", "")]
    print("協働デスクを更新したあとの形式の更新は、所有者のロールで実行します:")
    print(f"  {shell_line(upgrade)}")
    return 0


def _role_passwords(args: argparse.Namespace, admin: URL,
                    plan: ServerPlan) -> Callable[[str], str]:
    """Where the password of a role init-server creates comes from: standard input (line 1
    the owner's, line 2 the app role's), else the keyring of this PC, else a prompt."""
    from kyodo_desk.secrets import ServerKey, load_password

    lines = ([sys.stdin.readline().rstrip("\r\n") for _ in range(2)]
             if args.passwords_stdin else [])

    def password_for(role: str) -> str:
        if lines:
            password = lines[0 if role == plan.owner else 1]
        else:
            key = ServerKey(admin.host or "localhost", admin.port or 5432, plan.database, role)
            password = load_password(key) or ""
            if not password:
                if not sys.stdin.isatty():
                    raise UserError(f"ロール「{role}」のパスワードを入力できません（端末がありません）。"
                                    "--passwords-stdin で標準入力から渡してください。")
                password = _read_role_password(role)
        if not password:
            raise UserError(f"ロール「{role}」のパスワードが空です。")
        return password

    return password_for


def _read_role_password(role: str) -> str:
    import getpass

    first = getpass.getpass(f"新しいロール「{role}」のパスワード: ")
    if getpass.getpass(f"新しいロール「{role}」のパスワード（確認）: ") != first:
        raise UserError("確認のパスワードが一致しません。")
    return first


def _print_matrix(matrix: list[RoleRights]) -> None:
    """The permission matrix (権限の一覧) as the server's catalogue answers it."""
    for rights in matrix:
        kind = "所有者" if rights.owner else "スーパーユーザー" if rights.superuser else "窓口用"
        print(f"ロール「{rights.role}」（{kind}）")
        print(f"  データベース: {' '.join(rights.database) or 'なし'}"
              f"　スキーマ public: {' '.join(rights.schema) or 'なし'}"
              f"　表の変更・削除（ALTER・DROP・DISABLE TRIGGER）: "
              f"{'できる' if rights.owner or rights.superuser else 'できない'}")
        groups = sorted(rights.tables.items(), key=lambda kv: len(kv[1]))
        for privileges, tables in groups:
            named = ("、".join(tables) if len(tables) <= 3 else
                     f"全 {len(tables)} 表" if len(groups) == 1 else f"その他の {len(tables)} 表")
            print(f"  {named}: {' '.join(privileges) or 'なし'}")


def _db_roles(args: argparse.Namespace) -> int:
    """`db roles`: each role's rights, read from the server's catalogue."""
    from kyodo_desk.database import server_roles

    db = _open(args, migrate=False)
    try:
        if db.backend.is_sqlite:
            raise UserError("db roles は PostgreSQL のデータベース用です（SQLite にはロールがありません）。")
        with db.engine.connect() as conn:
            matrix = server_roles.permission_matrix(conn, server_roles.roles_of(conn))
    finally:
        db.dispose()
    if len(matrix) == 1:
        print("窓口用のロールはありません（1つのロールが表を持ち、読み書きもする構成です。"
              "README「PostgreSQL roles」）。")
    _print_matrix(matrix)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from kyodo_desk.services.demo import add_demo_consultations, add_demo_contacts

    db = _open(args)
    try:
        if args.contacts or not (args.consultations or args.events or args.grants):
            added = add_demo_contacts(db, Actor.command_line(), args.contacts, seed=args.seed)
            print(f"架空の連絡先を {added} 件追加しました（{db.describe()}）。")
        if args.consultations:
            added = add_demo_consultations(db, Actor.command_line(), args.consultations,
                                           seed=args.seed, progress=_progress_line)
            print(f"架空の相談記録を {added} 件追加しました（{db.describe()}）。")
        if args.events:
            from kyodo_desk.services.demo.events import add_demo_events

            added = add_demo_events(db, Actor.command_line())
            print(f"架空のイベントを {added} 件、申込つきで追加しました（{db.describe()}）。")
        if args.grants:
            from kyodo_desk.services.demo.grants import load_demo_grants

            added = load_demo_grants(db, Actor.command_line())
            print(f"今年度の交付金2件と架空の案件 {added} 件を追加しました（{db.describe()}）。")
    finally:
        db.dispose()
    return 0


def _progress_line(done: int, total: int) -> None:
    """A long fill says how far it is, on standard error, one line overwritten."""
    if total >= 50_000:
        print(f"\r{done:,} / {total:,} 件", end="\n" if done >= total else "",
              file=sys.stderr, flush=True)


def _consultations(args: argparse.Namespace) -> int:
    from datetime import date

    from kyodo_desk.domain.dates import full_date
    from kyodo_desk.services import retention
    from kyodo_desk.services.date_style import load_date_style

    actor = Actor.command_line()
    db = _open(args)
    try:
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
    finally:
        db.dispose()
    return 0


def _import(args: argparse.Namespace) -> int:
    """Plans the import, prints what is wrong (and writes --report), then imports all rows or
    none; the counts are printed last. 0 only when every row was (or would be) imported."""
    from kyodo_desk.services import imports
    from kyodo_desk.services.imports.presets import load_preset

    actor = Actor.command_line()
    if args.report is not None and args.report.suffix.lower() != ".xlsx":
        raise UserError(f"--report は .xlsx のファイルに書き出します（{args.report.name}）。")
    if args.what == "applicants" and args.event is None:
        raise UserError("applicants の取り込みには --event でイベントの番号を指定してください。")
    db = _open(args)
    try:
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
    finally:
        db.dispose()


_SHOWN_PROBLEMS = 50  # the rest are in --report


def _contacts_list(args: argparse.Namespace, export: Callable[..., int], what: str,
                   counted: str) -> int:
    """Writes one of the contacts' lists to -o, in the format its suffix names."""
    fmt = _suffix_format(args, what)
    db = _open(args)
    try:
        count = export(db, Actor.command_line(), fmt, args.output)
    finally:
        db.dispose()
    print(f"{counted.format(count)}を {args.output} に書き出しました。")
    return 0


def _contacts(args: argparse.Namespace) -> int:
    actor = Actor.command_line()
    if args.contacts_command == "disclose":
        return _contacts_disclose(args)
    if args.contacts_command == "erase":
        return _contacts_erase(args)
    if args.contacts_command == "retention":
        return _contacts_retention(args)
    if args.contacts_command == "duplicates":
        from kyodo_desk.exports.duplicates import export_duplicates

        return _contacts_list(args, export_duplicates, "重複候補の一覧", "重複候補 {} 組")
    if args.contacts_command == "unconfirmed":
        from kyodo_desk.exports.contacts import export_unconfirmed

        return _contacts_list(args, export_unconfirmed, "確認から12か月を過ぎた団体の一覧",
                              "確認から12か月を過ぎた団体 {} 件")
    from kyodo_desk.services.contacts.merge import merge_by_id

    db = _open(args)
    try:
        result = merge_by_id(db, actor, keep_id=args.keep, merge_id=args.merge_id)
    finally:
        db.dispose()
    print(result.summary)
    return 0


def _contacts_disclose(args: argparse.Namespace) -> int:
    """`contacts disclose`: everything held about one contact, as the PDF handed to them."""
    from kyodo_desk import leaflets
    from kyodo_desk.exports.tabular import replaced_atomically
    from kyodo_desk.services.date_style import load_date_style

    actor = Actor.command_line()
    db = _open(args)
    try:
        load_date_style(db, actor)  # dated as the window would print it
        pdf = leaflets.render("contact-disclosure", db, actor, contact_id=args.contact,
                              reason=args.reason)
    finally:
        db.dispose()
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


def _contacts_erase(args: argparse.Namespace) -> int:
    """`contacts erase`: 削除・利用停止 of one contact (services/contacts/erasure.py)."""
    from kyodo_desk.services.contacts.erasure import erase_contact, erasure_preview

    actor = Actor.command_line()
    db = _open(args)
    try:
        preview = erasure_preview(db, actor, args.contact)
        merged = f"・統合された記録 {len(preview.merged_ids)} 件" if preview.merged_ids else ""
        question = (f"番号 {preview.contact_id}「{preview.name}」の個人情報（相談 "
                    f"{preview.consultations} 件・申込 {preview.registrations} 件{merged}を含む）"
                    "を消去します。元に戻せません。よろしいですか？")
        if preview.erased_on is None and not _confirmed(question, args.yes):
            print("中止しました（何も変更していません）。")
            return 1
        result = erase_contact(db, actor, args.contact, args.reason)
    finally:
        db.dispose()
    print(result.summary)
    return 0


def _contacts_retention(args: argparse.Namespace) -> int:
    """`contacts retention`: the people's retention (services/contact_retention.py)."""
    from datetime import date

    from kyodo_desk.domain.dates import full_date
    from kyodo_desk.services import contact_retention as retention
    from kyodo_desk.services.date_style import load_date_style
    from kyodo_desk.services.retention import retention_cutoff

    actor = Actor.command_line()
    db = _open(args)
    try:
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
    finally:
        db.dispose()
    print(f"保存年限 {years} 年: 個人 {result.people} 件を匿名化し、申込 {result.sign_ups} 件の"
          "メモを消去しました（日付・件数は残っています）。")
    return 0


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    first = getpass.getpass("パスワード: ")
    if getpass.getpass("パスワード（確認）: ") != first:
        raise UserError("確認のパスワードが一致しません。")
    return first


def _user(args: argparse.Namespace) -> int:
    from kyodo_desk.services import accounts

    if (args.user_command in ("add", "reset-password") and not args.password_stdin
            and (sys.stdin is None or not sys.stdin.isatty())):  # getpass would read a pipe, or end at its end
        raise UserError(no_terminal_message("パスワード", "--password-stdin"))
    actor = Actor.command_line()
    db = _open(args)
    try:
        if args.user_command == "add":
            info = accounts.create_account(db, actor, accounts.AccountDraft(
                login=args.login, display_name=args.name, role=Role(args.role),
                facility_id=_facility_id(db, actor, args.facility),
                password=_read_password(args.password_stdin)))
            print(f"アカウント {info.login}（{info.display_name}、{ROLE_LABELS[info.role]}）を作成しました。")
        elif args.user_command == "set-role":
            info = accounts.set_role(db, actor, args.login, Role(args.role),
                                     _facility_id(db, actor, args.facility))
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
    finally:
        db.dispose()
    return 0


def _facility_id(db: Database, actor: Actor, code: str | None) -> int | None:
    """The facility named by its code on the command line (None: no facility)."""
    from kyodo_desk.services.contacts import list_facilities

    if not code:
        return None
    codes = {f.code: f.id for f in list_facilities(db, actor)}
    if code not in codes:
        raise UserError(f"施設コード「{code}」はありません（{', '.join(codes)}）。")
    return codes[code]


def _leaflet(args: argparse.Namespace) -> int:
    from kyodo_desk import leaflets

    if args.list:
        for info in leaflets.catalog(every=True):
            print(f"{info.name}\t{info.title}\t{info.description}")
        return 0
    if not args.name or not args.output:
        raise UserError("印刷物の名前と -o FILE.pdf を指定してください（一覧は kyodo-desk leaflet --list）。")
    if args.reviewer and args.name != "grant-score-sheets":
        raise UserError("--reviewer は審査表（grant-score-sheets）を作るときに指定します。")
    if (args.district is not None or args.by) and args.name != "group-directory":
        raise UserError("--district・--by は市民活動団体一覧（group-directory）を作るときに"
                        "指定します。")
    size = _write_leaflet(args, args.name, event_id=args.event,
                          registration_id=args.registration, programme_id=args.programme,
                          fiscal_year=args.fiscal_year, reviewer=args.reviewer,
                          contact_id=args.contact, district=args.district, by=args.by)
    print(f"{args.name} を {args.output} に書き出しました（{size // 1024} KB）。")
    return 0


def _write_leaflet(args: argparse.Namespace, name: str, *, month: date | None = None,
                   event_id: int | None = None, registration_id: int | None = None,
                   programme_id: int | None = None, fiscal_year: int | None = None,
                   reviewer: str | None = None, contact_id: int | None = None,
                   district: str | None = None, by: str | None = None) -> int:
    """Make the leaflet *name* as the command line and write it to -o; its size in bytes."""
    from kyodo_desk import leaflets
    from kyodo_desk.exports.tabular import replaced_atomically
    from kyodo_desk.services.date_style import load_date_style

    actor = Actor.command_line()
    pdf = _quick_leaflet(args, name) if name in leaflets.FACILITY_LEAFLETS else None
    if pdf is not None:
        with replaced_atomically(args.output) as temp:
            temp.write_bytes(pdf)
        return len(pdf)
    db = _open(args)
    try:
        load_date_style(db, actor)  # dated as the window would print it
        if _needs(name) == "programme":
            _check_programme(db, programme_id, name)
        pdf = leaflets.render(name, db, actor, month=month, event_id=event_id,
                              registration_id=registration_id, programme_id=programme_id,
                              fiscal_year=fiscal_year, reviewer=reviewer,
                              contact_id=contact_id, district=district, by=by)
    finally:
        db.dispose()
    with replaced_atomically(args.output) as temp:
        temp.write_bytes(pdf)
    return len(pdf)


def _quick_leaflet(args: argparse.Namespace, name: str) -> bytes | None:
    """A public leaflet of the facilities from a quick read-only open (no SQLAlchemy, no
    schema work: database/quick_read.py); None where only the full open will do."""
    import sqlite3

    from kyodo_desk import leaflets
    from kyodo_desk.config import choose_database
    from kyodo_desk.database.quick_read import quick_reader
    from kyodo_desk.domain.permissions import Action, Resource
    from kyodo_desk.services.date_style import DATE_STYLE_KEY, use_stored_date_style

    Actor.command_line().require(Action.READ, Resource.FACILITIES)  # as list_facilities does
    with quick_reader(choose_database(args.database).url) as reader:
        if reader is None:
            return None
        try:
            use_stored_date_style(reader.setting(DATE_STYLE_KEY))  # as load_date_style
            facilities = reader.facilities()
        except sqlite3.Error as exc:  # the full open explains what is wrong
            log.info("quick read failed (%s): full open", exc)
            return None
    return leaflets.render_facilities(name, facilities)


def _needs(name: str) -> str:
    from kyodo_desk import leaflets

    return next((i.needs for i in leaflets.catalog(every=True) if i.name == name), "")


def _check_programme(db: Database, programme_id: int | None, name: str) -> None:
    """A grant print without --programme, or with a number no programme has, is refused with
    the programmes to choose from, since the command line has no list to pick from."""
    from kyodo_desk.domain.dates import fiscal_year_label
    from kyodo_desk.services.grants import list_programmes

    programmes = list_programmes(db, Actor.command_line())
    if any(p.id == programme_id for p in programmes):
        return
    choices = "、".join(f"{p.id} {fiscal_year_label(p.fiscal_year)} {p.name}"
                       for p in programmes) or "まだありません"
    if programme_id is None:
        raise UserError(f"{name} を作るには --programme で交付金の番号を指定してください"
                        f"（登録されている交付金: {choices}）。")
    raise UserError(f"交付金の番号「{programme_id}」はありません（登録されている交付金: {choices}）。")


def _report(args: argparse.Namespace) -> int:
    """相談の統計: the fiscal year's tables as xlsx or csv, or a month's report (月報) as PDF."""
    from datetime import date

    from kyodo_desk.domain.dates import fiscal_year_of, print_style, year_month
    from kyodo_desk.services.date_style import load_date_style

    actor = Actor.command_line()  # the administrator: counts every facility (件数のみ)
    if args.format == "pdf":
        if args.fiscal_year is not None or args.facility or args.district:
            raise UserError("月報（--format pdf）は --month 2026-11 のように月だけを指定してください。")
        month = _month(args.month) if args.month else date.today()
        size = _write_leaflet(args, "consultation-report", month=month)
        # The month as the report names it (the date style was read for the report).
        print(f"{year_month(month, print_style())}の月報を {args.output} に書き出しました"
              f"（{size // 1024} KB）。")
        return 0
    if args.month:
        raise UserError("--month は月報（--format pdf）用です。年度の集計表は --fiscal-year 2026 "
                        "のように年度を指定してください。")
    from kyodo_desk.exports.consultation_stats import export_fiscal_year

    year = args.fiscal_year if args.fiscal_year is not None else fiscal_year_of(date.today())
    if not 1873 <= year <= 9998:
        raise UserError(f"年度「{year}」は扱えません。2026（令和8年度）のように西暦で指定してください。")
    db = _open(args)
    try:
        load_date_style(db, actor)  # the table's 作成 date as the window would write it
        facility_id = _facility_id(db, actor, args.facility)
        written = export_fiscal_year(db, actor, year, args.format, args.output,
                                     facility_id=facility_id, district=args.district)
    finally:
        db.dispose()
    print(f"{written.heading}（{written.total} 件）を {args.output} に書き出しました。")
    return 0


def _month(text: str) -> date:
    """'2026-11' (or 2026/11) as the first day of that month; a UserError otherwise."""
    import re
    from datetime import date

    found = re.fullmatch(r"\s*(\d{4})[-/](\d{1,2})\s*", text)
    if found is None or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1873:
        raise UserError(f"月「{text}」が読めません。2026-11 のように年と月を指定してください。")
    return date(int(found.group(1)), int(found.group(2)), 1)
