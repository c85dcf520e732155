"""取り込み設定 (mapping presets): a named column mapping kept in the shared database, so the
mapping a clerk made once for a register serves every counter and next year's file.

Kept as settings rows (`import_preset:<target>:<name>`, the preset's JSON); saving one is
audited like every setting (it holds headings and field names, no personal data).
"""

from __future__ import annotations

from sqlalchemy import select

from kyodo_desk.database import Database
from kyodo_desk.database.core import retry_on_contention
from kyodo_desk.domain.errors import NotFound, ValidationError
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.imports.mapping import MappingPreset, check_target
from kyodo_desk.models import Setting

PREFIX = "import_preset"
MAX_NAME = 40  # settings.key holds 100 characters with the prefix and the target


def _key(target: str, name: str) -> str:
    return f"{PREFIX}:{target}:{name}"


@retry_on_contention
def save_preset(db: Database, actor: Actor, preset: MappingPreset) -> None:
    """Keep *preset* under its name (replacing one of the same name and target)."""
    actor.require(Action.CREATE, Resource.CONTACTS)
    check_target(preset.target)
    name = preset.name.strip()
    if not name or len(name) > MAX_NAME:
        raise ValidationError.single(
            "name", f"取り込み設定の名前は1〜{MAX_NAME}文字で付けてください。")
    with db.writing(actor) as session:
        row = session.get(Setting, _key(preset.target, name))
        text = MappingPreset(name, preset.target, preset.columns).to_json()
        if row is None:
            session.add(Setting(key=_key(preset.target, name), value=text))
        else:
            row.value = text


def preset_names(db: Database, actor: Actor, target: str) -> list[str]:
    """The presets kept for *target*, by name."""
    actor.require(Action.READ, Resource.CONTACTS)
    check_target(target)
    start = _key(target, "")
    with db.reading(actor) as session:
        keys = session.scalars(select(Setting.key).where(Setting.key.startswith(start,
                                                                               autoescape=True)))
        return sorted(key.removeprefix(start) for key in keys)


def load_preset(db: Database, actor: Actor, target: str, name: str) -> MappingPreset:
    actor.require(Action.READ, Resource.CONTACTS)
    check_target(target)
    with db.reading(actor) as session:
        text = session.scalar(select(Setting.value).where(Setting.key == _key(target, name)))
    if text is None:
        raise NotFound(f"取り込み設定「{name}」はありません。")
    return MappingPreset.from_json(text)
