"""Who may do what (権限): roles, the permission table, and the acting account.

The table is the one written in the README; services check it before touching data, so a
hidden button is never the only guard.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from kyodo_desk.domain.errors import UserError


class Role(enum.StrEnum):
    COUNTER_STAFF = "counter_staff"  # 窓口職員
    ADVISOR = "advisor"  # 市民交流サロンアドバイザー
    OFFICER = "officer"  # 市民協働担当
    ADMIN = "admin"  # 管理者


ROLE_LABELS = {
    Role.COUNTER_STAFF: "窓口職員",
    Role.ADVISOR: "アドバイザー",
    Role.OFFICER: "協働担当",
    Role.ADMIN: "管理者",
}


class Action(enum.StrEnum):
    READ = "read"
    CREATE = "create"
    CHANGE = "change"
    DELETE = "delete"


class Resource(enum.StrEnum):
    FACILITIES = "facilities"  # 拠点施設
    DISTRICTS = "districts"  # 地域と町名 (the town table that suggests a record's 地域)
    CONTACTS = "contacts"  # 団体・個人
    # 重複の確認と統合: the registry-wide duplicates list and merging (reading is listing the
    # pairs, changing is merging and undoing a merge)
    DUPLICATES = "duplicates"
    CONSULTATIONS = "consultations"  # 相談記録 (personal information)
    TOPICS = "topics"  # 相談の分野 (the list the consultation form offers)
    ACTIVITY_FIELDS = "activity_fields"  # 活動分野 (the list the group registry offers)
    EVENTS = "events"  # イベント
    REGISTRATIONS = "registrations"  # イベントの申込・出席 (taking sign-ups, and 出席 at the door)
    GRANT_CASES = "grant_cases"  # 交付金案件
    # 地域まちづくり計画: the plans, their actions and each year's 実施状況 (PDCA); service
    # centers keep their districts' plans with the 地域づくり組織
    PLANS = "plans"
    # 指針の方向への対応づけ: which topics, event kinds and programmes count toward each of the
    # guideline's five directions in the yearly report
    DIRECTIONS = "directions"
    ACCOUNTS = "accounts"  # アカウント
    AUDIT_LOG = "audit_log"  # 操作記録


class Scope(enum.Enum):
    NONE = "×"
    OWN_FACILITY = "自施設"
    ALL = "全施設"
    # Reading only: every facility's records may be listed and counted, with the personal
    # fields masked, but no record may be opened (件数のみ).
    COUNT_ONLY = "件数のみ"


_S, _O, _A, _C = Scope.NONE, Scope.OWN_FACILITY, Scope.ALL, Scope.COUNT_ONLY

# (read, create, change, delete) per resource and role.
PERMISSIONS: dict[Resource, dict[Role, tuple[Scope, Scope, Scope, Scope]]] = {
    Resource.FACILITIES: {
        Role.COUNTER_STAFF: (_A, _S, _S, _S), Role.ADVISOR: (_A, _S, _S, _S),
        Role.OFFICER: (_A, _S, _S, _S), Role.ADMIN: (_A, _A, _A, _A),
    },
    Resource.DISTRICTS: {
        Role.COUNTER_STAFF: (_A, _S, _S, _S), Role.ADVISOR: (_A, _S, _S, _S),
        Role.OFFICER: (_A, _S, _S, _S), Role.ADMIN: (_A, _S, _A, _S),
    },
    Resource.CONTACTS: {
        Role.COUNTER_STAFF: (_A, _A, _A, _A), Role.ADVISOR: (_A, _A, _A, _A),
        Role.OFFICER: (_A, _A, _A, _A), Role.ADMIN: (_A, _A, _A, _A),
    },
    Resource.DUPLICATES: {
        Role.COUNTER_STAFF: (_S, _S, _S, _S), Role.ADVISOR: (_S, _S, _S, _S),
        Role.OFFICER: (_A, _S, _A, _S), Role.ADMIN: (_A, _S, _A, _S),
    },
    Resource.CONSULTATIONS: {
        Role.COUNTER_STAFF: (_O, _O, _O, _S), Role.ADVISOR: (_O, _O, _O, _S),
        Role.OFFICER: (_A, _A, _A, _S), Role.ADMIN: (_C, _S, _S, _A),
    },
    Resource.TOPICS: {
        Role.COUNTER_STAFF: (_A, _S, _S, _S), Role.ADVISOR: (_A, _S, _S, _S),
        Role.OFFICER: (_A, _S, _S, _S), Role.ADMIN: (_A, _A, _A, _S),
    },
    Resource.ACTIVITY_FIELDS: {
        Role.COUNTER_STAFF: (_A, _S, _S, _S), Role.ADVISOR: (_A, _S, _S, _S),
        Role.OFFICER: (_A, _S, _S, _S), Role.ADMIN: (_A, _A, _A, _S),
    },
    Resource.EVENTS: {
        Role.COUNTER_STAFF: (_A, _S, _S, _S), Role.ADVISOR: (_A, _S, _S, _S),
        Role.OFFICER: (_A, _A, _A, _A), Role.ADMIN: (_A, _A, _A, _A),
    },
    Resource.REGISTRATIONS: {
        Role.COUNTER_STAFF: (_A, _A, _A, _S), Role.ADVISOR: (_A, _A, _A, _S),
        Role.OFFICER: (_A, _A, _A, _A), Role.ADMIN: (_A, _A, _A, _A),
    },
    Resource.GRANT_CASES: {
        Role.COUNTER_STAFF: (_S, _S, _S, _S), Role.ADVISOR: (_A, _S, _S, _S),
        Role.OFFICER: (_A, _A, _A, _S), Role.ADMIN: (_A, _A, _A, _A),
    },
    Resource.PLANS: {
        Role.COUNTER_STAFF: (_A, _A, _A, _S), Role.ADVISOR: (_A, _S, _S, _S),
        Role.OFFICER: (_A, _A, _A, _A), Role.ADMIN: (_A, _A, _A, _A),
    },
    Resource.DIRECTIONS: {
        Role.COUNTER_STAFF: (_A, _S, _S, _S), Role.ADVISOR: (_A, _S, _S, _S),
        Role.OFFICER: (_A, _S, _S, _S), Role.ADMIN: (_A, _A, _A, _A),
    },
    Resource.ACCOUNTS: {
        Role.COUNTER_STAFF: (_S, _S, _S, _S), Role.ADVISOR: (_S, _S, _S, _S),
        Role.OFFICER: (_S, _S, _S, _S), Role.ADMIN: (_A, _A, _A, _S),
    },
    Resource.AUDIT_LOG: {  # written by the system only; nobody changes or deletes it
        Role.COUNTER_STAFF: (_S, _S, _S, _S), Role.ADVISOR: (_S, _S, _S, _S),
        Role.OFFICER: (_S, _S, _S, _S), Role.ADMIN: (_A, _S, _S, _S),
    },
}

_ACTION_INDEX = {Action.READ: 0, Action.CREATE: 1, Action.CHANGE: 2, Action.DELETE: 3}
_ACTION_LABELS = {Action.READ: "閲覧", Action.CREATE: "登録", Action.CHANGE: "変更",
                  Action.DELETE: "削除"}
_RESOURCE_LABELS = {
    Resource.FACILITIES: "拠点施設", Resource.DISTRICTS: "地域と町名",
    Resource.CONTACTS: "団体・個人の連絡先",
    Resource.DUPLICATES: "重複の確認と統合",
    Resource.CONSULTATIONS: "相談記録", Resource.TOPICS: "相談の分野",
    Resource.ACTIVITY_FIELDS: "団体の活動分野",
    Resource.EVENTS: "イベント",
    Resource.REGISTRATIONS: "イベントの申込・出席", Resource.GRANT_CASES: "交付金案件",
    Resource.PLANS: "地域まちづくり計画", Resource.DIRECTIONS: "指針の方向への対応づけ",
    Resource.ACCOUNTS: "アカウント", Resource.AUDIT_LOG: "操作記録",
}


class PermissionDenied(UserError):
    """The signed-in account's role or facility does not allow this (権限がありません)."""


@dataclass(frozen=True)
class Actor:
    """Who is acting: the signed-in account, or the command line (with the database's authority)."""

    account_id: int | None
    login: str
    name: str
    role: Role
    facility_id: int | None

    @classmethod
    def command_line(cls) -> Actor:
        return cls(None, "cli", "コマンドライン", Role.ADMIN, None)

    @classmethod
    def system(cls) -> Actor:
        return cls(None, "system", "システム", Role.ADMIN, None)

    def scope(self, action: Action, resource: Resource) -> Scope:
        return PERMISSIONS[resource][self.role][_ACTION_INDEX[action]]

    def may(self, action: Action, resource: Resource, facility_id: int | None = None) -> bool:
        """True if allowed; *facility_id* is the record's facility, for facility-scoped rights."""
        scope = self.scope(action, resource)
        if scope is Scope.ALL:
            return True
        if scope is Scope.OWN_FACILITY:
            return facility_id is None or facility_id == self.facility_id
        return False

    def may_count(self, resource: Resource) -> bool:
        """True if the actor may at least list and count the records (masked or not)."""
        return self.scope(Action.READ, resource) is not Scope.NONE

    def require(self, action: Action, resource: Resource, facility_id: int | None = None) -> None:
        if not self.may(action, resource, facility_id):
            scope = self.scope(action, resource)
            role, what = ROLE_LABELS[self.role], _RESOURCE_LABELS[resource]
            if scope is Scope.COUNT_ONLY:
                raise PermissionDenied(
                    f"{role}のアカウントでは、{what}は件数の集計だけができます（内容は開けません）。")
            where = "他の施設の" if scope is Scope.OWN_FACILITY else ""
            raise PermissionDenied(
                f"{role}のアカウントでは、{where}{what}を{_ACTION_LABELS[action]}できません。"
                "必要なときは管理者に依頼してください。"
            )


def permission_table_markdown() -> str:
    """The permission table as Markdown, for the README (kept equal to it by a test)."""
    roles = list(Role)
    lines = ["| 対象 | 操作 | " + " | ".join(ROLE_LABELS[r] for r in roles) + " |",
             "|---|---|" + "---|" * len(roles)]
    for resource, by_role in PERMISSIONS.items():
        for action, index in _ACTION_INDEX.items():
            cells = " | ".join(by_role[r][index].value for r in roles)
            lines.append(f"| {_RESOURCE_LABELS[resource]} | {_ACTION_LABELS[action]} | {cells} |")
    return "\n".join(lines)
