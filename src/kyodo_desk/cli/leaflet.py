"""`kyodo-desk leaflet`: the A4 prints as PDF (印刷物の作成). The prints of the facilities alone
come from a quick read of the embedded database that loads no SQLAlchemy."""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING

from kyodo_desk.cli.opening import opened
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.permissions import Actor

if TYPE_CHECKING:
    from datetime import date

    from kyodo_desk.database import Database

log = logging.getLogger("kyodo_desk")


def run(args: argparse.Namespace) -> int:
    from kyodo_desk import leaflets

    if args.list:
        for info in leaflets.catalog(every=True):
            print(f"{info.name}\t{info.title}\t{info.description}")
        return 0
    if not args.name or not args.output:
        raise UserError("印刷物の名前と -o FILE.pdf を指定してください（一覧は kyodo-desk leaflet --list）。")
    if args.reviewer and args.name != "grant-score-sheets":
        raise UserError("--reviewer は審査表（grant-score-sheets）を作るときに指定します。")
    if args.plan is not None and args.name != "plan-report":
        raise UserError("--plan は地域まちづくり計画の実施状況（plan-report）を作るときに指定します。")
    if (args.district is not None or args.by) and args.name != "group-directory":
        raise UserError("--district・--by は市民活動団体一覧（group-directory）を作るときに"
                        "指定します。")
    size = write_leaflet(args, args.name, event_id=args.event,
                         registration_id=args.registration, programme_id=args.programme,
                         fiscal_year=args.fiscal_year, reviewer=args.reviewer,
                         contact_id=args.contact, district=args.district, by=args.by,
                         plan_id=args.plan)
    print(f"{args.name} を {args.output} に書き出しました（{size // 1024} KB）。")
    return 0


def write_leaflet(args: argparse.Namespace, name: str, *, month: date | None = None,
                  event_id: int | None = None, registration_id: int | None = None,
                  programme_id: int | None = None, fiscal_year: int | None = None,
                  reviewer: str | None = None, contact_id: int | None = None,
                  district: str | None = None, by: str | None = None,
                  plan_id: int | None = None) -> int:
    """Make the leaflet *name* as the command line and write it to -o; its size in bytes."""
    from kyodo_desk import leaflets
    from kyodo_desk.exports.tabular import replaced_atomically
    from kyodo_desk.services.date_style import load_date_style

    pdf = _quick_leaflet(args, name) if name in leaflets.FACILITY_LEAFLETS else None
    if pdf is not None:
        with replaced_atomically(args.output) as temp:
            temp.write_bytes(pdf)
        return len(pdf)
    with opened(args) as (db, actor):
        load_date_style(db, actor)  # dated as the window would print it
        if _needs(name) == "programme":
            _check_programme(db, actor, programme_id, name)
        elif _needs(name) == "plan":
            from kyodo_desk.cli.plans import check_plan

            check_plan(db, actor, plan_id)
        pdf = leaflets.render(name, db, actor, month=month, event_id=event_id,
                              registration_id=registration_id, programme_id=programme_id,
                              fiscal_year=fiscal_year, reviewer=reviewer,
                              contact_id=contact_id, district=district, by=by,
                              plan_id=plan_id)
    with replaced_atomically(args.output) as temp:
        temp.write_bytes(pdf)
    return len(pdf)


def _quick_leaflet(args: argparse.Namespace, name: str) -> bytes | None:
    """A public leaflet of the facilities from a quick read-only open (no SQLAlchemy, no
    schema work: database/quick_read.py); None where only the full open will do."""
    import sqlite3

    from kyodo_desk import leaflets
    from kyodo_desk.config import choose_database
    from kyodo_desk.database.quick_read import quick_reader
    from kyodo_desk.domain.permissions import Action, Resource
    from kyodo_desk.services.date_style import DATE_STYLE_KEY, use_stored_date_style

    Actor.command_line().require(Action.READ, Resource.FACILITIES)  # as list_facilities does
    with quick_reader(choose_database(args.database).url) as reader:
        if reader is None:
            return None
        try:
            use_stored_date_style(reader.setting(DATE_STYLE_KEY))  # as load_date_style
            facilities = reader.facilities()
        except sqlite3.Error as exc:  # the full open explains what is wrong
            log.info("quick read failed (%s): full open", exc)
            return None
    return leaflets.render_facilities(name, facilities)


def _needs(name: str) -> str:
    from kyodo_desk import leaflets

    return next((i.needs for i in leaflets.catalog(every=True) if i.name == name), "")


def _check_programme(db: Database, actor: Actor, programme_id: int | None, name: str) -> None:
    """A grant print without --programme, or with a number no programme has, is refused with
    the programmes to choose from, since the command line has no list to pick from."""
    from kyodo_desk.domain.dates import fiscal_year_label
    from kyodo_desk.services.grants import list_programmes

    programmes = list_programmes(db, actor)
    if any(p.id == programme_id for p in programmes):
        return
    choices = "、".join(f"{p.id} {fiscal_year_label(p.fiscal_year)} {p.name}"
                       for p in programmes) or "まだありません"
    if programme_id is None:
        raise UserError(f"{name} を作るには --programme で交付金の番号を指定してください"
                        f"（登録されている交付金: {choices}）。")
    raise UserError(f"交付金の番号「{programme_id}」はありません（登録されている交付金: {choices}）。")

