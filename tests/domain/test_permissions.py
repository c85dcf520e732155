"""Who may do what: the permission table, as the services and the README state it."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.permissions import (
    PERMISSIONS,
    ROLE_LABELS,
    Action,
    Actor,
    PermissionDenied,
    Resource,
    Role,
    Scope,
    permission_table_markdown,
)

README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- permission-table:start -->", "<!-- permission-table:end -->"
ACTIONS = (Action.READ, Action.CREATE, Action.CHANGE, Action.DELETE)
OWN, OTHER = 3, 4  # facility ids: the actor's and someone else's

CELLS = [
    pytest.param(resource, role, action, by_role[role][index],
                 id=f"{resource.value}-{role.value}-{action.value}")
    for resource, by_role in PERMISSIONS.items()
    for role in Role
    for index, action in enumerate(ACTIONS)
]


def member_of_staff(role: Role, facility_id: int | None = OWN) -> Actor:
    return Actor(7, "someone", "秋田 花子", role, facility_id)


def test_the_table_has_a_row_for_every_resource_and_role() -> None:
    assert set(PERMISSIONS) == set(Resource)
    for by_role in PERMISSIONS.values():
        assert set(by_role) == set(Role)
        assert all(len(cells) == 4 for cells in by_role.values())


@pytest.mark.parametrize(("resource", "role", "action", "scope"), CELLS)
def test_every_cell_of_the_table_is_honoured(resource: Resource, role: Role, action: Action,
                                             scope: Scope) -> None:
    staff = member_of_staff(role)
    assert staff.scope(action, resource) is scope
    if action is Action.READ:
        assert staff.may_count(resource) is (scope is not Scope.NONE)
    if scope is Scope.ALL:
        assert staff.may(action, resource)
        assert staff.may(action, resource, OWN)
        assert staff.may(action, resource, OTHER)
    elif scope is Scope.OWN_FACILITY:
        assert staff.may(action, resource, OWN)
        assert not staff.may(action, resource, OTHER)
        staff.require(action, resource, OWN)
        with pytest.raises(PermissionDenied):
            staff.require(action, resource, OTHER)
    else:
        assert not staff.may(action, resource)
        assert not staff.may(action, resource, OWN)
        assert not staff.may(action, resource, OTHER)
        with pytest.raises(PermissionDenied):
            staff.require(action, resource, OWN)


def test_an_account_without_a_facility_sees_no_facility_scoped_records_of_others() -> None:
    nowhere = member_of_staff(Role.COUNTER_STAFF, facility_id=None)
    assert not nowhere.may(Action.READ, Resource.CONSULTATIONS, OTHER)


def test_refusal_names_the_role_and_the_thing() -> None:
    staff = member_of_staff(Role.COUNTER_STAFF)
    with pytest.raises(PermissionDenied) as refused:
        staff.require(Action.CREATE, Resource.ACCOUNTS)
    message = refused.value.message
    assert "窓口職員" in message
    assert "アカウント" in message
    assert "登録" in message
    assert "管理者に依頼" in message
    assert isinstance(refused.value, UserError)  # shown to the user as a message, not a crash


def test_refusal_for_another_facility_says_so() -> None:
    advisor = member_of_staff(Role.ADVISOR)
    with pytest.raises(PermissionDenied) as refused:
        advisor.require(Action.CHANGE, Resource.CONSULTATIONS, OTHER)
    assert refused.value.message.startswith("アドバイザーのアカウントでは、他の施設の相談記録を変更できません。")


@pytest.mark.parametrize(("role", "resource", "action", "words"), [
    (Role.OFFICER, Resource.ACCOUNTS, Action.READ, ("協働担当", "アカウント", "閲覧")),
    (Role.ADMIN, Resource.AUDIT_LOG, Action.DELETE, ("管理者", "操作記録", "削除")),
    (Role.ADVISOR, Resource.EVENTS, Action.CREATE, ("アドバイザー", "イベント", "登録")),
    (Role.COUNTER_STAFF, Resource.GRANT_CASES, Action.READ, ("窓口職員", "交付金案件", "閲覧")),
    # Sign-ups and 出席 at the door: 受付 would name only the accepting of a sign-up.
    (Role.COUNTER_STAFF, Resource.REGISTRATIONS, Action.DELETE,
     ("窓口職員", "イベントの申込・出席", "削除")),
])
def test_each_role_and_thing_is_named_in_japanese(role: Role, resource: Resource,
                                                  action: Action, words: tuple[str, ...]) -> None:
    with pytest.raises(PermissionDenied) as refused:
        member_of_staff(role).require(action, resource)
    for word in words:
        assert word in refused.value.message
    assert "other" not in refused.value.message and "_" not in refused.value.message


def test_nobody_changes_or_deletes_the_audit_log() -> None:
    for role, action in itertools.product(Role, (Action.CREATE, Action.CHANGE, Action.DELETE)):
        assert not member_of_staff(role).may(action, Resource.AUDIT_LOG)
    assert not Actor.command_line().may(Action.DELETE, Resource.AUDIT_LOG)


@pytest.mark.parametrize("resource", list(Resource))
@pytest.mark.parametrize("action", ACTIONS)
def test_the_command_line_may_do_what_an_administrator_may(resource: Resource,
                                                           action: Action) -> None:
    cli, admin = Actor.command_line(), member_of_staff(Role.ADMIN)
    for facility_id in (None, OWN, OTHER):
        assert cli.may(action, resource, facility_id) == admin.may(action, resource, facility_id)


def test_readme_table_is_the_table_the_app_enforces() -> None:
    text = README.read_text(encoding="utf-8")
    assert text.count(START) == 1 and text.count(END) == 1
    between = text.split(START, 1)[1].split(END, 1)[0]
    assert between == "\n" + permission_table_markdown() + "\n"


def test_markdown_table_header_lists_every_role_label() -> None:
    header = permission_table_markdown().splitlines()[0]
    assert header == "| 対象 | 操作 | " + " | ".join(ROLE_LABELS[r] for r in Role) + " |"
