"""`events door-pack`, `door-merge` and `door-conflicts`, run as the IT officer runs them (the
password from KYODO_DOOR_PASSWORD, as a script gives it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kyodo_desk import cli
from kyodo_desk.services.events.door_format import journal_path
from kyodo_desk.services.events.door_offline import OfflineDoor, WalkIn
from kyodo_desk.services.events.registrations import SignUpDraft, sign_up
from tests.event_fixtures import make_event, person

PASSWORD = "door-password-1"


def test_pack_merge_and_conflicts_from_the_command_line(
        database_url: str, db, actor, tmp_path: Path,  # type: ignore[no-untyped-def]
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    event = make_event(db, actor.facility_id, capacity=1)
    reg = sign_up(db, actor, event.id, SignUpDraft(person(db, "山田太郎"))).registration
    monkeypatch.setenv("KYODO_DOOR_PASSWORD", PASSWORD)
    pack = tmp_path / "seminar.kyodo-door"
    assert cli.main(["--database", database_url, "events", "door-pack", str(event.id),
                     "--out", str(pack)]) == 0
    assert "申込 1 件" in capsys.readouterr().out
    door = OfflineDoor.open(pack, PASSWORD, "入口")
    door.check_in(event.sessions[0].id, reg.id)
    door.close()
    assert cli.main(["--database", database_url, "events", "door-merge", str(pack)]) == 0
    assert "1件を反映しました。" in capsys.readouterr().out
    assert cli.main(["--database", database_url, "events", "door-merge",
                     str(journal_path(pack))]) == 0
    assert "0件を反映しました。1件は取り込み済みでした。" in capsys.readouterr().out
    assert cli.main(["--database", database_url, "events", "door-conflicts",
                     str(event.id)]) == 0
    assert "判断を待つ当日受付の記録はありません。" in capsys.readouterr().out


def test_a_walk_in_left_without_a_seat_is_listed(
        database_url: str, db, actor, tmp_path: Path,  # type: ignore[no-untyped-def]
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    event = make_event(db, actor.facility_id, capacity=1)
    monkeypatch.setenv("KYODO_DOOR_PASSWORD", PASSWORD)
    pack = tmp_path / "seminar.kyodo-door"
    cli.main(["--database", database_url, "events", "door-pack", str(event.id),
              "--out", str(pack)])
    door = OfflineDoor.open(pack, PASSWORD, "入口 花子")
    door.walk_in(event.sessions[0].id, WalkIn("当日 一郎"))
    door.close()
    sign_up(db, actor, event.id, SignUpDraft(person(db, "窓口 太郎")))
    cli.main(["--database", database_url, "events", "door-merge", str(pack)])
    assert "1件は判断が必要です" in capsys.readouterr().out
    assert cli.main(["--database", database_url, "events", "door-conflicts",
                     str(event.id)]) == 0
    out = capsys.readouterr().out
    assert "満席  当日 一郎（1名）" in out and "（入口 花子）" in out


def test_a_short_password_is_refused_before_anything_is_made(
        database_url: str, db, actor, tmp_path: Path,  # type: ignore[no-untyped-def]
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    event = make_event(db, actor.facility_id)
    monkeypatch.setenv("KYODO_DOOR_PASSWORD", "short")
    pack = tmp_path / "seminar.kyodo-door"
    assert cli.main(["--database", database_url, "events", "door-pack", str(event.id),
                     "--out", str(pack)]) != 0
    assert "8文字以上" in capsys.readouterr().err and not pack.exists()
