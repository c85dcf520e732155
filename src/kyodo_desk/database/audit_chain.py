"""The audit log's hash chain (操作記録の改ざん検知): each row sealed with the hash of the one
before it, so that a row removed, altered or slipped in is found (`kyodo-desk audit verify`).

A row's hash covers the previous row's hash and every field of its own (number, time, who,
what, which record, the changes), in one canonical JSON text. Rows are chained in the order of
their numbers, and that order must be the order in which they were committed: otherwise two
counters saving at once would each seal their rows onto the same predecessor. So a
transaction's audit rows are kept aside (`add`) and written when it commits (`_seal`), under
a lock that one transaction holds at a time (PostgreSQL: an advisory lock held until the
commit; SQLite: the write transaction's own lock), which draws their numbers and reads the
last hash. The lock is held from the commit's start to its end — a few milliseconds — never
while a user types or a long operation reads.

What the chain cannot do: someone who may write the database (the owner role, anyone with
the SQLite file) can recompute every hash after an edit, and removing the newest rows leaves
a shorter but consistent chain. The roles of the personal-data issue keep the window's own
login from either (it may only add rows); `verify` ends by printing the last row's number and
hash, which an administrator can note to detect a cut tail later.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, event, select, text
from sqlalchemy.orm import Session

from kyodo_desk.database.bulk import bulk_insert, next_numbers
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.models.accounts import AuditEntry

if TYPE_CHECKING:
    from kyodo_desk.database.core import Database

_PENDING = "kyodo_audit_chain_pending"
_LOCK_KEY = 0x4B594F4441  # "KYODA": one sealing transaction at a time (PostgreSQL)
_TABLE = AuditEntry.__table__
_READ_BATCH = 5000
START = ""  # the hash "before" the first row


_HEAD = ("account_id", "actor", "action", "table_name", "record_id")
_PACKED = 2000  # rows kept plain before they are packed


class _Pending:
    """The audit rows a transaction keeps until its commit: account_id, actor, action,
    table_name, record_id and the changes as JSON text, packed (pickled and compressed) a
    couple of thousand at a time. An import keeps 100,000 rows here: as dicts they took 3 KB
    each and the garbage collector's time to walk them, packed a few dozen bytes."""

    def __init__(self) -> None:
        self.packs: list[bytes] = []
        self.plain: list[tuple[Any, ...]] = []
        self.count = 0

    def add(self, entry: Mapping[str, Any]) -> None:
        self.plain.append((*(entry[key] for key in _HEAD),
                           json.dumps(entry["changes"], ensure_ascii=False)))
        self.count += 1
        if len(self.plain) == _PACKED:
            self.packs.append(zlib.compress(pickle.dumps(self.plain), 1))
            self.plain = []

    def batches(self) -> Iterator[list[tuple[Any, ...]]]:
        for pack in self.packs:
            yield pickle.loads(zlib.decompress(pack))  # packed by this process, never read in
        if self.plain:
            yield self.plain


def add(session: Session, entry: Mapping[str, Any]) -> None:
    """Keep *entry* (an audit row's values, without number, time or hash) to be written and
    sealed when *session*'s transaction commits; dropped if it rolls back."""
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = _Pending()
    pending.add(entry)


def _canonical(changes: Any) -> str:
    return json.dumps(changes, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def row_hash(previous: str, row: Mapping[str, Any]) -> str:
    """The hash of one stored row (id, at, account_id, actor, action, table_name, record_id,
    changes) chained onto *previous*."""
    return _hash(previous, row["id"], row["at"], [row[key] for key in _HEAD],
                 _canonical(row["changes"]))


def _hash(previous: str, number: int, at: datetime, head: Sequence[Any], changes: str) -> str:
    fields = json.dumps([previous, number, _moment(at), *head], ensure_ascii=False,
                        separators=(",", ":"))
    return hashlib.sha256(f"{fields}\n{changes}".encode()).hexdigest()


def _moment(at: datetime) -> str:
    """A stored time as one text whatever the database gives back (SQLite: naive UTC)."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def last_hash(connection: Connection) -> str:
    stored = connection.execute(select(_TABLE.c.chain_hash).order_by(_TABLE.c.id.desc())
                                .limit(1)).scalar()
    return stored or START


@event.listens_for(Session, "before_commit")
def _seal(session: Session) -> None:
    session.flush()  # the commit's own flush would come after this hook, its rows unsealed
    pending: _Pending | None = session.info.pop(_PENDING, None)
    if pending is None:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    previous = last_hash(connection)
    at = datetime.now(UTC)
    numbers = iter(next_numbers(connection, _TABLE, pending.count))
    for batch in pending.batches():
        rows = []
        for kept in batch:
            number = next(numbers)
            changes = json.loads(kept[5])  # in the fields' order, which the log shows
            previous = _hash(previous, number, at, kept[:5], _canonical(changes))
            rows.append({**dict(zip(_HEAD, kept[:5], strict=True)), "id": number, "at": at,
                         "changes": changes, "chain_hash": previous})
        bulk_insert(connection, _TABLE, rows)


@event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    session.info.pop(_PENDING, None)


# --- verify ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Break:
    """One place where the chain does not hold: the row whose hash is not what its content
    and its predecessor's hash give, and the likeliest cause."""

    row_id: int
    cause: str  # altered | inserted | deleted_before | altered_or_inserted (the last row)

    def describe(self) -> str:
        return {
            "altered": f"操作記録 #{self.row_id} の内容が書き換えられています。",
            "altered_or_inserted": f"最後の操作記録 #{self.row_id} は書き換えられたか、"
                                   "後から書き加えられた行です。",
            "inserted": f"操作記録 #{self.row_id} は後から書き加えられた行"
                        "（または書き換えてハッシュを付け直した行）です。",
            "deleted_before": f"操作記録 #{self.row_id} の直前の行が削除されています。",
        }[self.cause]


@dataclass(frozen=True)
class Verdict:
    """What `verify` found: the rows read, the breaks, the last row's number and hash."""

    rows: int
    breaks: tuple[Break, ...]
    last_id: int | None
    last_hash: str

    @property
    def intact(self) -> bool:
        return not self.breaks

    def report(self) -> list[str]:
        """What `audit verify` prints, in Japanese."""
        lines = [b.describe() for b in self.breaks]
        lines.append(f"操作記録 {self.rows:,} 行を確かめました。" + (
            "改ざんは見つかりませんでした。" if self.intact
            else f"{len(self.breaks)} か所で鎖が切れています。"))
        if self.last_id is not None:
            lines.append(f"最後の行: #{self.last_id}（ハッシュ {self.last_hash}）。"
                         "この値を控えておくと、末尾の行が消されたときに分かります。")
        return lines


def verify_log(db: Database, actor: Actor) -> Verdict:
    """`kyodo-desk audit verify`: the whole log checked, for those who may read it."""
    actor.require(Action.READ, Resource.AUDIT_LOG)
    with db.reading(actor) as session:
        return verify(session.connection())


def verify(connection: Connection) -> Verdict:
    """Walk the whole log in order and report every break (each is reported once: the walk
    goes on from the hash a row holds)."""
    mismatched: list[tuple[int, int | None, bool]] = []  # row, previous row's id, hash None
    previous, previous_id, count = START, None, 0
    for row in _rows(connection):
        count += 1
        if row["chain_hash"] != row_hash(previous, row):
            mismatched.append((row["id"], previous_id, row["chain_hash"] is None))
        previous, previous_id = row["chain_hash"] or "", row["id"]
    return Verdict(count, tuple(_causes(mismatched, previous_id)), previous_id, previous)


def _causes(mismatched: list[tuple[int, int | None, bool]],
            last_id: int | None) -> Iterator[Break]:
    """Name each break. A row slipped in breaks twice: its own hash, and its successor's,
    which was made on the row before it. A removed row breaks its successor only; an altered
    row itself only. Two successive breaks are read as an insertion."""
    i = 0
    while i < len(mismatched):
        row_id, previous_id, unsealed = mismatched[i]
        following = mismatched[i + 1] if i + 1 < len(mismatched) else None
        if unsealed or (following is not None and following[1] == row_id):
            yield Break(row_id, "inserted")
            i += 2 if following is not None and following[1] == row_id else 1
            continue
        gap = previous_id is not None and row_id > previous_id + 1
        yield Break(row_id, "deleted_before" if gap
                    else "altered_or_inserted" if row_id == last_id else "altered")
        i += 1


def _rows(connection: Connection) -> Iterator[dict[str, Any]]:
    after = 0
    while True:
        batch = connection.execute(select(_TABLE).where(_TABLE.c.id > after)
                                   .order_by(_TABLE.c.id).limit(_READ_BATCH)).mappings().all()
        if not batch:
            return
        for row in batch:
            yield dict(row)
        after = batch[-1]["id"]


def seal_all(connection: Connection) -> int:
    """Chain every row from the first (migration 0014: the rows written before the chain).
    The caller has lifted the log's append-only guard. Returns how many rows."""
    previous, sealed, count = START, [], 0
    seal = (_TABLE.update().where(_TABLE.c.id == bindparam("row_id"))
            .values(chain_hash=bindparam("sealed")))
    for row in _rows(connection):  # each batch is read whole before the first update
        previous = row_hash(previous, row)
        sealed.append({"row_id": row["id"], "sealed": previous})
        if len(sealed) == _READ_BATCH:
            connection.execute(seal, sealed)
            count, sealed = count + len(sealed), []
    if sealed:
        connection.execute(seal, sealed)
    return count + len(sealed)
