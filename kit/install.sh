#!/bin/sh
# 協働デスク @VERSION@ — 閉域網用インストール（Linux）。ネットワークは使いません。
#
#   sh install.sh FOLDER
#
# FOLDER/venv にアプリを入れ、デスクトップに起動用のアイコンを作り、最後に kyodo-desk コマンドの
# 場所を表示します。古い版の入った FOLDER を指定すると、アプリだけを入れ替えます。データと設定は
# FOLDER の外（~/.local/share/kyodo-desk、~/.config/kyodo-desk）にあり、そのまま残ります。
# データベースは次の起動時に、バックアップを取ってから新しい版に合わせて更新されます。
set -eu

KIT=$(cd "$(dirname "$0")" && pwd)
VERSION=@VERSION@

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "使い方: sh install.sh FOLDER（インストール先のフォルダー）" >&2
  exit 2
fi

# Python 3.11–3.13: the versions the kit carries wheels for.
PYTHON=
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' 2>/dev/null &&
     "$candidate" -c 'import venv, ensurepip' 2>/dev/null; then
    PYTHON=$candidate
    break
  fi
done
if [ -z "$PYTHON" ]; then
  echo "エラー: Python 3.11～3.13（venv を含む）が見つかりません。" >&2
  echo "  Debian/Ubuntu: sudo apt install python3 python3-venv" >&2
  exit 1
fi

if command -v sha256sum >/dev/null 2>&1; then
  echo "キットの内容を確認しています（SHA256SUMS）…"
  if ! (cd "$KIT" && sha256sum --quiet -c SHA256SUMS); then
    echo "エラー: キットのファイルが壊れているか欠けています。zip を展開し直してください。" >&2
    exit 1
  fi
fi

mkdir -p "$1"
FOLDER=$(cd "$1" && pwd)
VENV=$FOLDER/venv

# An update: the old app is set aside and comes back if the new one fails to install.
if [ -e "$VENV" ]; then
  rm -rf "$VENV.old"
  mv "$VENV" "$VENV.old"
  echo "以前の版を置き換えます（データと設定はそのまま残ります）。"
fi
restore() {
  rm -rf "$VENV"
  if [ -e "$VENV.old" ]; then mv "$VENV.old" "$VENV"; fi
  echo "エラー: インストールできませんでした。以前の状態に戻しました。" >&2
  exit 1
}

echo "$("$PYTHON" -c 'import sys; print(sys.version.split()[0])') で $FOLDER にインストールしています…"
"$PYTHON" -m venv "$VENV" || restore
# Only the kit's wheels: no pip configuration of this PC (an index, find-links, constraints).
unset PIP_FIND_LINKS PIP_CONSTRAINT PIP_REQUIREMENT PIP_EXTRA_INDEX_URL PIP_INDEX_URL
PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 \
  "$VENV/bin/python" -m pip install --quiet --no-index --find-links "$KIT/wheels" \
  "kyodo-desk==$VERSION" || restore
rm -rf "$VENV.old"

COMMAND=$VENV/bin/kyodo-desk
# The desktop entry: the applications menu, and the desktop itself where the user has one.
entry() {
  cat <<EOF
[Desktop Entry]
Type=Application
Name=協働デスク
Comment=市民サービスセンター・市民交流サロンの窓口業務
Exec="$COMMAND"
Terminal=false
Categories=Office;
EOF
}
APPS=${XDG_DATA_HOME:-$HOME/.local/share}/applications
mkdir -p "$APPS"
entry >"$APPS/kyodo-desk.desktop"
chmod 755 "$APPS/kyodo-desk.desktop"
DESKTOP=$(xdg-user-dir DESKTOP 2>/dev/null || true)
[ -n "$DESKTOP" ] || DESKTOP=$HOME/Desktop
if [ -d "$DESKTOP" ] && [ "$DESKTOP" != "$HOME" ]; then
  entry >"$DESKTOP/kyodo-desk.desktop"
  chmod 755 "$DESKTOP/kyodo-desk.desktop"
  # GNOME starts a desktop file only once it is marked trusted.
  gio set "$DESKTOP/kyodo-desk.desktop" metadata::trusted true 2>/dev/null || true
  echo "デスクトップにアイコンを作りました: $DESKTOP/kyodo-desk.desktop"
fi
echo "アプリのメニューに登録しました: $APPS/kyodo-desk.desktop"
echo "インストールが完了しました。kyodo-desk コマンド:"
echo "$COMMAND"
