@echo off
rem 協働デスク @VERSION@ - 閉域網用インストール（Windows）。ネットワークは使いません。
rem
rem   install.bat FOLDER
rem
rem FOLDER\venv にアプリを入れ、デスクトップにショートカットを作り、最後に kyodo-desk コマンドの
rem 場所を表示します。古い版の入った FOLDER を指定すると、アプリだけを入れ替えます。データと設定は
rem FOLDER の外（%LOCALAPPDATA%\kyodo-desk）にあり、そのまま残ります。データベースは次の起動時に、
rem バックアップを取ってから新しい版に合わせて更新されます。
rem The kit writes this file in CP932 with CRLF: a Japanese Windows' cmd reads batch files so.
setlocal EnableExtensions
set "KIT=%~dp0"
set "VERSION=@VERSION@"

if "%~1"=="" (
  echo 使い方: install.bat FOLDER（インストール先のフォルダー）
  exit /b 2
)
set "FOLDER=%~f1"
set "VENV=%FOLDER%\venv"

rem Python 3.11-3.13 through the py launcher first, then python on PATH.
set "PYTHON="
for %%v in (3.13 3.12 3.11) do (
  if not defined PYTHON (
    py -%%v -c "import venv" >nul 2>&1 && set "PYTHON=py -%%v"
  )
)
if not defined PYTHON (
  python -c "import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))" >nul 2>&1 && set "PYTHON=python"
)
if not defined PYTHON (
  echo エラー: Python 3.11～3.13 が見つかりません。python.org の Windows 用インストーラーで入れてください。
  exit /b 1
)

echo キットの内容を確認しています（SHA256SUMS）…
powershell -NoProfile -ExecutionPolicy Bypass -Command "$bad = 0; Get-Content -LiteralPath '%KIT%SHA256SUMS' | ForEach-Object { $h, $f = $_ -split '  ', 2; if ((Get-FileHash -Algorithm SHA256 -LiteralPath (Join-Path '%KIT%' $f)).Hash -ne $h.ToUpper()) { $bad = 1; Write-Host $f } }; exit $bad"
if errorlevel 1 (
  echo エラー: キットのファイルが壊れているか欠けています。zip を展開し直してください。
  exit /b 1
)

if not exist "%FOLDER%" mkdir "%FOLDER%"
if exist "%VENV%.old" rmdir /s /q "%VENV%.old"
if exist "%VENV%" (
  move "%VENV%" "%VENV%.old" >nul || (
    echo エラー: 以前の版を置き換えられません。協働デスクを閉じてからやり直してください。
    exit /b 1
  )
  echo 以前の版を置き換えます（データと設定はそのまま残ります）。
)

echo %FOLDER% にインストールしています…
%PYTHON% -m venv "%VENV%" || goto restore
rem Only the kit's wheels: no pip configuration of this PC (an index, find-links, constraints).
set "PIP_CONFIG_FILE=nul"
set "PIP_FIND_LINKS="
set "PIP_CONSTRAINT="
set "PIP_DISABLE_PIP_VERSION_CHECK=1"
set "PIP_NO_INPUT=1"
"%VENV%\Scripts\python.exe" -m pip install --quiet --no-index --find-links "%KIT%wheels" "kyodo-desk==%VERSION%" || goto restore
if exist "%VENV%.old" rmdir /s /q "%VENV%.old"

rem The shortcut starts pythonw: the window without a console behind it.
powershell -NoProfile -ExecutionPolicy Bypass -Command "$s = (New-Object -ComObject WScript.Shell).CreateShortcut([Environment]::GetFolderPath('Desktop') + '\協働デスク.lnk'); $s.TargetPath = '%VENV%\Scripts\pythonw.exe'; $s.Arguments = '-m kyodo_desk'; $s.WorkingDirectory = '%FOLDER%'; $s.Description = '協働デスク'; $s.Save()"
if errorlevel 1 (
  > "%USERPROFILE%\Desktop\協働デスク.bat" echo @start "" "%VENV%\Scripts\pythonw.exe" -m kyodo_desk
  echo デスクトップに起動用の 協働デスク.bat を作りました。
) else (
  echo デスクトップにショートカット 協働デスク を作りました。
)
echo インストールが完了しました。kyodo-desk コマンド:
echo %VENV%\Scripts\kyodo-desk.exe
exit /b 0

:restore
if exist "%VENV%" rmdir /s /q "%VENV%"
if exist "%VENV%.old" move "%VENV%.old" "%VENV%" >nul
echo エラー: インストールできませんでした。以前の状態に戻しました。
exit /b 1
