"""Export of the facility list (拠点施設の一覧): CSV, xlsx, or the open-data layout."""

from __future__ import annotations

from pathlib import Path

from kyodo_desk.database import Database
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.exports import opendata
from kyodo_desk.exports.tabular import replaced_atomically, write_csv, write_xlsx
from kyodo_desk.services.contacts import FacilityDetail, list_facilities

FORMATS = ("csv", "xlsx", "opendata")
SHEET_TITLE = "拠点施設"

KIND_LABELS = {"center": "市民サービスセンター", "salon": "市民交流サロン"}

PLAIN_HEADER = (
    "名称", "よみ", "種別", "郵便番号", "住所", "電話番号", "E-mail", "ホームページ", "Facebook",
    "開館時間", "備考",
)
# Excel would drop a leading zero or read 010-0041 as a date.
PLAIN_TEXT_COLUMNS = frozenset({"郵便番号", "電話番号"})


def export_facilities(db: Database, actor: Actor, fmt: str, path: Path) -> int:
    """Write the active facilities to *path* in *fmt*; returns how many were written.

    *path* is replaced only when the whole file has been written; an unwritable path raises
    UserError naming it.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; expected one of {FORMATS}")
    facilities = list_facilities(db, actor)
    with replaced_atomically(Path(path)) as temp:
        if fmt == "opendata":
            write_csv(temp, opendata.public_facility_header(),
                      opendata.public_facility_rows(facilities))
        elif fmt == "csv":
            write_csv(temp, PLAIN_HEADER, (plain_row(f) for f in facilities))
        else:
            write_xlsx(temp, SHEET_TITLE, PLAIN_HEADER, (plain_row(f) for f in facilities),
                       text_columns=PLAIN_TEXT_COLUMNS)
    return len(facilities)


def plain_row(f: FacilityDetail) -> list[str]:
    return [
        f.name, f.reading, KIND_LABELS.get(f.kind, f.kind), f.postal_code, f.full_address,
        f.phone, f.email, f.website, f.facebook, f.opening_hours, f.notes,
    ]
