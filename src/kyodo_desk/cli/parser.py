"""What the `kyodo-desk` command accepts (コマンドの引数): every subcommand, its options and
their help, read before anything is opened."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from kyodo_desk import __version__
from kyodo_desk.cli.arguments import (
    DEMO_COUNT,
    FISCAL_YEAR,
    RECORD_ID,
    RETENTION_YEARS,
    JapaneseArgumentParser,
    output_file,
    url_without_password,
)
from kyodo_desk.domain.permissions import Role

if TYPE_CHECKING:
    from datetime import date


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
        choices=["facilities", "events", "participants", "grants", "contacts", "groups", "plans"],
        help="facilities: 拠点施設の一覧、events: イベント一覧（オープンデータ。--format csv・xlsx "
        "で職員用の一覧）、"
        "participants: イベントの参加者一覧（--event で指定）、"
        "grants: 交付金の採択事業一覧・実施結果（--fiscal-year で年度を指定）、"
        "contacts: 団体・個人の連絡先の全件（無効にしたものも含む全項目と所属団体・構成員。"
        "拠点施設は含まない。個人情報のため職員用で、書き出したことは操作記録に残る）、"
        "groups: 市民活動団体一覧（団体一覧への掲載に同意した団体の、公開に同意した項目のみ。"
        "公開用）、plans: 地域まちづくり計画の実施状況（--fiscal-year で年度を指定。"
        "公表用: csv か html のページ一式）")
    export.add_argument(
        "--format", choices=["csv", "xlsx", "opendata", "html"],
        help="csv（UTF-8 BOM付き）、xlsx、opendata（自治体標準オープンデータセットの CSV: "
        "公共施設一覧・イベント一覧）。省略時は facilities が csv、events が opendata"
        "（-o が .xlsx なら xlsx。opendata はすべてのイベントによみが必要）、"
        "participants が xlsx（-o が .csv なら csv）、grants・contacts・groups は -o の拡張子"
        "（.xlsx か .csv）、plans は -o が .csv なら csv、ほかはフォルダに html",
    )
    export.add_argument("--event", type=RECORD_ID, metavar="ID",
                        help="participants: イベントの番号（export events の NO 列）")
    export.add_argument("--from", dest="start", type=_iso_date, metavar="YYYY-MM-DD",
                        help="events: この日以降に開催日があるイベントだけを書き出す")
    export.add_argument("--to", dest="end", type=_iso_date, metavar="YYYY-MM-DD",
                        help="events: この日までに開催日があるイベントだけを書き出す")
    export.add_argument("--fiscal-year", type=FISCAL_YEAR, metavar="YYYY",
                        help="grants・plans: 年度（2026 = 令和8年度、4月〜翌年3月）")
    export.add_argument("--district", metavar="地域",
                        help="groups: この地域の団体だけを書き出す（中央・東部・西部・南部・北部・"
                        "河辺・雄和・市外）")
    export.add_argument("-o", "--output", type=output_file, required=True, metavar="FILE",
                        help="書き出すファイル（plans の html は書き出すフォルダ）")

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
                         help="採択事業一覧・実施結果（grant-results）と計画の実施状況"
                         "（plan-report）の年度（2026 = 令和8年度）")
    leaflet.add_argument("--plan", type=RECORD_ID, metavar="ID",
                         help="地域まちづくり計画の実施状況（plan-report）を作る計画（版）の番号")
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
                                 help="集計表・月報を作成する（相談の統計、市民協働の推進状況）")
    report.add_argument("what", metavar="対象", choices=["consultations", "guideline"],
                        help="consultations: 相談の件数、guideline: 市民協働の推進状況（指針の5つの"
                        "方向の指標を前年度と比較。--format pdf か xlsx）")
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
    demo.add_argument("--plans", action="store_true",
                      help="東部・河辺の地域まちづくり計画を、直近3年度分のワークショップ・地域づくり"
                      "交付金の案件・実施状況と改定版つきで追加（2回目は足りない分だけを追加）")
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

    door = commands.add_parser(
        "door", help="当日受付パックを開き、ネットワークのない会場で出席確認をする（データベース不要）")
    door.add_argument("pack", metavar="PACKFILE", help="当日受付パック（.kyodo-door）")
    events = commands.add_parser("events", parents=[common], help="イベントの一括操作")
    event_commands = events.add_subparsers(dest="events_command", metavar="操作", required=True)
    fill_readings = event_commands.add_parser(
        "fill-readings", parents=[common],
        help="よみ（イベント名_カナ）が空のイベントすべてに、イベント名から作った候補のよみを入れる"
        "（イベント一覧のオープンデータに必要。1件ずつ操作記録に残る。違っていれば編集画面で直す）")
    fill_readings.add_argument("--dry-run", action="store_true",
                               help="変更せず、入れるよみを表示するだけにする")
    draw = event_commands.add_parser(
        "draw", parents=[common],
        help="抽選のイベントの抽選をする（抽選の申込締切の後に一度だけ。種・日時・実行者を記録し、"
        "当選は受付済、ほかは抽選順にキャンセル待ち。結果は leaflet lottery-result で印刷）")
    draw.add_argument("event_id", type=int, metavar="EVENT_ID", help="イベントの番号")
    draw.add_argument("--early", action="store_true",
                      help="抽選の申込締切の前でも抽選する（協働担当・管理者のみ。操作記録に残る）")
    verify_draw = event_commands.add_parser(
        "verify-draw", parents=[common],
        help="抽選を、記録された申込（受付番号・人数）・定員・種からやり直し、記録された当選・抽選順と"
        "一致するか確かめる（一致しなければ終了コード 1）")
    verify_draw.add_argument("event_id", type=int, metavar="EVENT_ID", help="イベントの番号")
    door_pack = event_commands.add_parser(
        "door-pack", parents=[common],
        help="ネットワークのない会場で受付するための当日受付パック（パスワードで暗号化）を作る"
        "（パスワードは2回たずねる。スクリプトでは環境変数 KYODO_DOOR_PASSWORD）")
    door_pack.add_argument("event_id", type=int, metavar="EVENT_ID", help="イベントの番号")
    door_pack.add_argument("--out", required=True, metavar="FILE",
                           help="パックの保存先（例: seminar.kyodo-door）")
    door_merge = event_commands.add_parser(
        "door-merge", parents=[common],
        help="会場で受付した記録（パックの隣の .kyodo-door-log）を取り込む。二度取り込んでも同じ")
    door_merge.add_argument("file", metavar="FILE", help="受付の記録、またはそのパック")
    door_conflicts = event_commands.add_parser(
        "door-conflicts", parents=[common], help="判断を待つ当日受付の記録（衝突）を表示する")
    door_conflicts.add_argument("event_id", type=int, metavar="EVENT_ID", help="イベントの番号")

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

