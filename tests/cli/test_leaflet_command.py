from pathlib import Path

import pytest

from kyodo_desk import cli, leaflets


def test_list_names_every_leaflet(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["leaflet", "--list"]) == 0
    out = capsys.readouterr().out
    for info in leaflets.catalog():
        assert f"{info.name}\t{info.title}" in out


def test_a_leaflet_is_written_without_a_window(database_url: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "guide.pdf"
    assert cli.main(["--database", database_url, "leaflet", "facility-guide", "-o",
                     str(target)]) == 0
    assert target.read_bytes().startswith(b"%PDF")
    assert "facility-guide" in capsys.readouterr().out


def test_an_unknown_leaflet_is_refused_with_the_list(database_url: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--database", database_url, "leaflet", "nothing", "-o",
                     str(tmp_path / "x.pdf")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("エラー:") and "facility-guide" in err
    assert not (tmp_path / "x.pdf").exists()
