"""The command line's frame in Japanese (コマンドの枠の日本語化) and the argument types that
refuse a wrong value while the command line is read, before any database is opened.

argparse builds its headings and every error through the module's gettext function `_`;
`JapaneseArgumentParser` swaps that function for `_japanese` while it reads arguments or
writes its help, which is what a gettext catalogue would do without shipping a .mo file. The
swap is undone afterwards, so other parsers in the same process (pytest's) keep theirs.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

# argparse's messages (Python 3.11–3.13) and their Japanese. A message not listed stays as
# argparse wrote it; tests/cli/test_wrong_use.py fails if a wrong use meets one.
_MESSAGES = {
    "usage: ": "使い方: ",
    "positional arguments": "引数",
    "options": "オプション",
    "show this help message and exit": "この説明を表示して終了する",
    "show program's version number and exit": "版を表示して終了する",
    "%(prog)s: error: %(message)s\n": "%(prog)s: エラー: %(message)s\n",
    "argument %(argument_name)s: %(message)s": "%(argument_name)s: %(message)s",
    "the following arguments are required: %s": "次の指定が必要です: %s",
    "one of the arguments %s is required": "%s のどれか1つを指定してください",
    "unrecognized arguments: %s": "知らない引数です: %s",
    "not allowed with argument %s": "%s と一緒には指定できません",
    "ignored explicit argument %r": "値 %r は指定できません",
    "expected one argument": "値を1つ指定してください",
    "expected at most one argument": "値は1つまでです",
    "expected at least one argument": "値を1つ以上指定してください",
    "expected %s argument": "値を %s 個指定してください",
    "expected %s arguments": "値を %s 個指定してください",
    "ambiguous option: %(option)s could match %(matches)s":
        "%(option)s だけでは決まりません（候補: %(matches)s）",
    "unexpected option string: %s": "ここでは使えないオプションです: %s",
    "invalid %(type)s value: %(value)r": "%(value)r は正しい値ではありません",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "%(value)r は選べません（選べるもの: %(choices)s）",
    "unknown parser %(parser_name)r (choices: %(choices)s)":
        "%(parser_name)r という操作はありません（選べるもの: %(choices)s）",
    "can't open '%(filename)s': %(error)s": "「%(filename)s」を開けません: %(error)s",
    "option %(option)s is deprecated": "オプション %(option)s は廃止予定です",
    "command %(parser_name)r is deprecated": "操作 %(parser_name)r は廃止予定です",
    "argument %(argument_name)s is deprecated": "引数 %(argument_name)s は廃止予定です",
}


def _japanese(message: str) -> str:
    return _MESSAGES.get(message, message)


def _japanese_n(singular: str, plural: str, n: int) -> str:
    return _japanese(singular if n == 1 else plural)


@contextmanager
def _in_japanese() -> Iterator[None]:
    """argparse's messages in Japanese for the duration (re-entrant: restores what it found)."""
    module: Any = argparse
    saved = module._, module.ngettext
    module._, module.ngettext = _japanese, _japanese_n
    try:
        yield
    finally:
        module._, module.ngettext = saved


class JapaneseArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage, headings and errors are Japanese; errors exit with 2.

    Subcommands made with add_subparsers() are of this class too (argparse uses the parent's).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # No abbreviations: `--contact` must not silently mean `--contacts`.
        kwargs.setdefault("allow_abbrev", False)
        with _in_japanese():
            super().__init__(*args, **kwargs)

    def parse_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                   namespace: argparse.Namespace | None = None) -> argparse.Namespace:
        with _in_japanese():  # its own "unrecognized arguments" is outside parse_known_args
            return super().parse_args(args, namespace)

    def parse_known_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                         namespace: argparse.Namespace | None = None,
                         ) -> tuple[argparse.Namespace, list[str]]:
        with _in_japanese():
            return super().parse_known_args(args, namespace)

    def format_usage(self) -> str:
        with _in_japanese():
            return super().format_usage()

    def format_help(self) -> str:
        with _in_japanese():
            return super().format_help()

    def error(self, message: str) -> NoReturn:
        with _in_japanese():
            super().error(message)


class Bounded:
    """An int type for argparse between *low* and *high* inclusive (範囲のある整数): a word, or
    a number out of range, is refused while parsing with what is allowed."""

    def __init__(self, low: int, high: int, what: str) -> None:
        self.low, self.high, self.what = low, high, what
        self.__name__ = what  # argparse names the type in its own messages

    def __call__(self, text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"「{text}」は{self.what}ではありません（{self.allowed()}）") from None
        if not self.low <= value <= self.high:
            raise argparse.ArgumentTypeError(f"{value} は{self.what}として扱えません"
                                             f"（{self.allowed()}）")
        return value

    def allowed(self) -> str:
        return f"{self.low:,}〜{self.high:,} の整数"


RECORD_ID = Bounded(1, 2**31 - 1, "番号")  # ids are PostgreSQL integers
FISCAL_YEAR = Bounded(1873, 9998, "年度")  # as the report and the era dates allow
RETENTION_YEARS = Bounded(1, 100, "保存年限")
DEMO_COUNT = Bounded(0, 10_000_000, "件数")


def output_file(text: str) -> Path:
    """A file to write (書き出すファイル): refused at once when a part of its folder is a
    file, since no folder can be made there (`-o report.pdf/x.pdf`)."""
    path = Path(text)
    for folder in path.parents:
        if folder.exists() or folder.is_symlink():
            if not folder.is_dir():
                raise argparse.ArgumentTypeError(
                    f"「{folder}」はファイルのため、その中に「{path.name}」は作れません。"
                    "書き出すフォルダとファイル名を確かめてください")
            break
    return path


def url_without_password(text: str) -> str:
    """A database URL given on the command line: one with a password written in it is refused
    (it would stay in the shell's history and the process list) without repeating it."""
    from kyodo_desk.config import url_has_password

    if url_has_password(text):
        raise argparse.ArgumentTypeError(
            "URL にはパスワードを書かないでください（コマンドの履歴やプロセスの一覧から読めて"
            "しまいます）。パスワードは OS の資格情報ストアか PostgreSQL のパスワードファイルに"
            "置くか、聞かれたときに入力します")
    return text


def no_terminal_message(what: str, option: str) -> str:
    """Why a prompt cannot be shown: standard input is not a terminal (a script, a pipe)."""
    return (f"{what}を入力できません（標準入力が端末ではありません）。"
            f"スクリプトからは {option} で標準入力から渡してください。")

