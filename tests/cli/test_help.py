import pytest

from kyodo_desk.cli import main


def test_help_lists_the_subcommands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for command in ("export", "db", "demo", "--database"):
        assert command in out
    assert "協働デスク" in out


def test_export_help_names_the_formats(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    out = capsys.readouterr().out
    assert "opendata" in out and "xlsx" in out and "csv" in out
