"""参加者名簿 (roster): the staff's list of an event's sign-ups: those holding seats in reading
order (よみ, then the name) under あ行・か行 … guides, those without a よみ last under よみなし
(受付番号, 氏名・団体名, よみ, 人数, 配慮事項, the booth at a fair, 状況), then the waitlist in
queue order (the order seats are offered in; before a lottery's draw, its applications
(抽選待ち) in 受付番号 order in a block of their own), on as many A4 pages as it needs, the header
row repeated on each. One list for the whole event, however many sessions: a sign-up holds
its seat for every one of them, and the 出席簿 is the list kept a session at a time. Where any
sign-up gave its 所属の区分 (市民協働ミーティング), a 区分 column, and the participants' mix
under the title. Where the event asks sign-up questions (申込時の質問), a 回答 column: each
answer under its question's number (問1), the questions written out above the lists, long
answers cut (the participants export holds them whole), so a row never outgrows a page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.platypus import CondPageBreak

from kyodo_desk.domain.dates import full_date, print_style
from kyodo_desk.domain.events import SEAT_HOLDING, RegistrationStatus
from kyodo_desk.domain.plans import SECTOR_LABELS, Sector
from kyodo_desk.domain.reading_order import with_guides
from kyodo_desk.leaflets import LeafletInfo, event_text, fitting
from kyodo_desk.leaflets.style import Kit

if TYPE_CHECKING:
    from kyodo_desk.domain.questions import Question
    from kyodo_desk.services.events.prints import EventPrintData
    from kyodo_desk.services.events.registrations import RegistrationInfo

TITLE = "参加者名簿"
NOT_GIVEN = "未回答"  # no 所属の区分 given
NONE_YET = "まだ申込はありません。"
NO_WAITLIST = "キャンセル待ちの方はいません。"
NO_APPLICATIONS = "抽選の申込はまだありません。"
BEFORE_DRAW = "抽選の前のため、まだ参加者はいません（申込は下の「抽選待ち」）。"
ANSWER_CHARS = 30  # of an answer (20 of them stay well under a page's height)


def party_count(regs: Sequence[RegistrationInfo]) -> str:
    """'3組 6名'."""
    return f"{len(regs)}組 {sum(r.party_size for r in regs)}名"


def sector_label(code: str) -> str:
    """「市民活動団体」 for its code; "" when none was given."""
    try:
        return SECTOR_LABELS[Sector(code)]
    except ValueError:
        return ""


def sector_mix(regs: Sequence[RegistrationInfo]) -> str:
    """「市民 12名・市民活動団体 5名・行政 2名・未回答 1名」: the people of *regs* by
    所属の区分, in the list's order, those without one last."""
    counts = {sector: sum(r.party_size for r in regs if r.sector == sector.value)
              for sector in Sector}
    parts = [f"{SECTOR_LABELS[sector]} {n}名" for sector, n in counts.items() if n]
    missing = sum(r.party_size for r in regs if not sector_label(r.sector))
    if missing:
        parts.append(f"{NOT_GIVEN} {missing}名")
    return "・".join(parts)


def build(data: EventPrintData, *, info: LeafletInfo, today: date) -> bytes:
    e = data.event
    department = event_text.department(e)
    as_of = f"{full_date(today, print_style())}現在"
    seated = data.with_status(SEAT_HOLDING)
    waiting = data.with_status(frozenset({RegistrationStatus.WAITLISTED}))
    applied = sorted(data.with_status(frozenset({RegistrationStatus.APPLIED})),
                     key=lambda r: r.queue_number)
    # Until the draw every sign-up is an application: its block is shown even while empty.
    applying = bool(applied) or (e.lottery_until is not None and e.lottery_drawn_at is None)
    applications = f"　抽選待ち {party_count(applied)}" if applying else ""
    capacity = "定員なし" if e.capacity is None else f"定員{e.capacity:,}名"
    sectors = any(sector_label(r.sector) for r in data.registrations)
    mix = [("所属の区分", sector_mix(seated))] if sectors and seated else []
    answered = _Answered(e.questions, data.answers) if e.questions else None
    asked = [("質問", answered.legend())] if answered else []

    def compose(kit: Kit) -> list[Any]:
        return [
            kit.title_band(department, TITLE, event_text.title_lines(e.title),
                           date_text=as_of),
            kit.spacer(6),
            kit.facts([("日時", event_text.sessions_text(e.sessions)),
                       ("会場", e.venue_name),
                       ("申込", f"参加者 {party_count(seated)}（{capacity}）　"
                               f"キャンセル待ち {party_count(waiting)}{applications}"), *mix,
                       *asked],
                      role="small"),
            # 参加者, not 受付済: the list holds every sign-up with seats, its 状況 saying
            # 受付済, 出席 or 欠席 (the status 受付済 is only the first of them).
            *list_heading(kit, f"参加者（{party_count(seated)}）"),
            _seated_table(kit, seated, booths=e.has_booths, sectors=sectors,
                          answers=answered) if seated
            else kit.para(BEFORE_DRAW if applied else NONE_YET, "body"),
            *list_heading(kit, f"キャンセル待ち（{party_count(waiting)}）"),
            _waiting_table(kit, waiting, sectors=sectors, answers=answered) if waiting
            else kit.para(NO_WAITLIST, "body"),
            *(_applications(kit, applied, sectors=sectors, answers=answered)
              if applying else []),
        ]

    return fitting.build(info, compose, scales=(1.0,),
                         decorate=lambda kit: kit.footer(f"{TITLE}　{e.title}", numbered=True),
                         subject=f"{TITLE}　{e.title}")


def list_heading(kit: Kit, title: str) -> list[Any]:
    """A section heading over a long list: a new page only when a few rows would not fit
    under it. (Kept with the whole list instead, a list that fits one page would leave the
    page before it empty.)"""
    heading = kit.section(title)
    heading.keepWithNext = False
    return [CondPageBreak(kit.pt(90)), heading]


def _seated_table(kit: Kit, regs: Sequence[RegistrationInfo], *, booths: bool,
                  sectors: bool, answers: _Answered | None) -> Any:
    header = ["受付番号", "氏名・団体名", "よみ", "人数", "配慮事項", "状況"]
    shares = [1.1, 3.0, 2.6, 0.7, 3.0, 0.9]
    align = [TA_RIGHT, TA_LEFT, TA_LEFT, TA_RIGHT, TA_LEFT, TA_CENTER]
    listed = with_guides(regs, lambda r: r.contact_reading, lambda r: r.contact_name)
    regs = [r for _, r in listed]
    rows = [[str(r.queue_number), r.contact_name, r.contact_reading, f"{r.party_size}名",
             r.notes, r.status_label] for r in regs]
    if booths:
        header.insert(5, "ブース")
        shares.insert(5, 0.8)
        align.insert(5, TA_CENTER)
        for row, r in zip(rows, regs, strict=True):
            row.insert(5, r.booth_number or "")
    if sectors:
        _add_sector_column(header, shares, align, rows, regs, at=3)
    if answers:
        answers.add_column(header, shares, align, rows, regs)
    # The guide rows go in last, so the columns added above line up with the sign-ups.
    guides: list[int] = []
    for offset, (guide, _) in enumerate(listed):
        if guide:
            guides.append(offset + len(guides))
            rows.insert(guides[-1], [guide, *[""] * (len(header) - 1)])
    return kit.list_table(header, rows, shares, align=align, guides=guides)


def _add_sector_column(header: list[str], shares: list[float], align: list[int],
                       rows: list[list[str]], regs: Sequence[RegistrationInfo], *,
                       at: int) -> None:
    """The 区分 column before column *at*; its width taken from the よみ (column *at* - 1)."""
    header.insert(at, "区分")
    shares[at - 1] -= 0.5
    shares.insert(at, 1.3)
    align.insert(at, TA_LEFT)
    for row, r in zip(rows, regs, strict=True):
        row.insert(at, sector_label(r.sector))


def _waiting_table(kit: Kit, regs: Sequence[RegistrationInfo], *, sectors: bool,
                   answers: _Answered | None, numbered: bool = True) -> Any:
    """The waitlist with its 順番; not *numbered*, the applications to a draw (no place yet:
    the 配慮事項 takes the 順番's width)."""
    rows = [[f"{r.waitlist_position}番", str(r.queue_number), r.contact_name, r.contact_reading,
             f"{r.party_size}名", r.notes] for r in regs]
    header = ["順番", "受付番号", "氏名・団体名", "よみ", "人数", "配慮事項"]
    shares = [0.7, 1.1, 3.0, 2.6, 0.7, 3.2]
    align = [TA_RIGHT, TA_RIGHT, TA_LEFT, TA_LEFT, TA_RIGHT, TA_LEFT]
    if not numbered:
        header, align, shares = header[1:], align[1:], [1.1, 3.0, 2.6, 0.7, 3.9]
        rows = [row[1:] for row in rows]
    if sectors:
        _add_sector_column(header, shares, align, rows, regs, at=header.index("よみ") + 1)
    if answers:
        answers.add_column(header, shares, align, rows, regs)
    return kit.list_table(header, rows, shares, align=align)


def _applications(kit: Kit, regs: Sequence[RegistrationInfo], *, sectors: bool,
                  answers: _Answered | None) -> list[Any]:
    """抽選待ち: the applications to a lottery not drawn yet, in 受付番号 order (none holds a
    seat or a place yet)."""
    heading = list_heading(kit, f"抽選待ち（{party_count(regs)}）")
    if not regs:
        return [*heading, kit.para(NO_APPLICATIONS, "body")]
    return [*heading, _waiting_table(kit, regs, sectors=sectors, answers=answers,
                                     numbered=False)]


def _cut(text: str, chars: int) -> str:
    text = " ".join(text.split())  # a multi-line answer on one line
    return text if len(text) <= chars else text[:chars - 1] + "…"


class _Answered:
    """The 回答 column: each sign-up's answers, one line a question under the question's
    number (「問1 はい」), the questions written out once above the lists (`legend`): a
    question repeated on every row would leave its answer no room."""

    def __init__(self, questions: Sequence[Question],
                 answers: Mapping[int, Mapping[int, str]]) -> None:
        self.questions, self.answers = questions, answers

    def text(self, registration_id: int) -> str:
        given = self.answers.get(registration_id, {})
        return "\n".join(f"問{n} {_cut(a, ANSWER_CHARS)}"
                         for n, q in enumerate(self.questions, start=1)
                         if (a := given.get(q.id or 0)))

    def legend(self) -> str:
        """「問1 食物アレルギーの有無　問2 参加する回」: what each number asks."""
        return "　".join(f"問{n} {q.prompt}" for n, q in enumerate(self.questions, start=1))

    def add_column(self, header: list[str], shares: list[float], align: list[int],
                   rows: list[list[str]], regs: Sequence[RegistrationInfo]) -> None:
        """The 回答 column after the 配慮事項; its width taken from the よみ and 配慮事項."""
        shares[header.index("よみ")] -= 0.6
        shares[header.index("配慮事項")] -= 0.6
        at = header.index("配慮事項") + 1
        header.insert(at, "回答")
        shares.insert(at, 3.0)
        align.insert(at, TA_LEFT)
        for row, r in zip(rows, regs, strict=True):
            row.insert(at, self.text(r.id))
