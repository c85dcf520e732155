"""団体カルテ / 個人カルテ (a contact's whole history), for the staff: who the group or person is,
its path through the guideline's steps (チャレンジ → ステップアップ → パートナーシップ), then its
consultations, sign-ups and attendance, grant cases with stage and money, and memberships, on
as many A4 pages as they need. Personal data: 取扱注意 on every page.

What the printing account may not see is not on the paper either: a consultation it may not
open reads 「相談あり」, and a section it may not read is replaced by the sentence saying so.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.platypus import CondPageBreak, Flowable

from kyodo_desk.domain.dates import fiscal_year_label, full_date, print_style
from kyodo_desk.domain.grants import yen
from kyodo_desk.domain.labels import GROUP_TYPE_LABELS, KIND_LABELS
from kyodo_desk.domain.registry_text import registry_lines
from kyodo_desk.leaflets import LeafletInfo, fitting, grant_text
from kyodo_desk.leaflets.style import Kit, Sized

if TYPE_CHECKING:
    from kyodo_desk.services.contacts.record import ContactRecord, SignUpEntry, StepReached

NO_CONSULTATIONS = "相談の記録はありません。"
NO_SIGN_UPS = "イベントの申込はありません。"
NO_GRANT_CASES = "交付金案件はありません。"
NOT_YET = "まだ記録がありません"
STEPS_NOTE = ("歩みは記録から判定しています。各段階の日付は、その段階にあたる記録が初めてある日です"
              "（交付金は採択の日）。")


def day(d: date | None) -> str:
    return full_date(d, print_style()) if d is not None else ""


def build(record: ContactRecord, *, info: LeafletInfo, today: date) -> bytes:
    c = record.contact
    as_of = f"{day(today)}現在"
    footer = f"{record.title}　{c.name}"

    def compose(kit: Kit) -> list[Any]:
        story: list[Any] = [
            kit.title_band(grant_text.DEPARTMENT, record.title, c.name, date_text=as_of),
            kit.spacer(6),
            kit.facts(_facts(record), role="small"),
        ]
        if record.left_out:
            story += [kit.spacer(3), *[kit.para(f"※{line}", "note", color=kit.palette.muted)
                                       for line in record.left_out]]
        story += _steps(kit, record.steps)
        story += _consultations(kit, record)
        story += _sign_ups(kit, record)
        story += _grant_cases(kit, record)
        story += _affiliations(kit, record)
        return story

    return fitting.build(info, compose, scales=(1.0,),
                         decorate=lambda kit: kit.footer(footer, numbered=True),
                         subject=footer)


def _facts(record: ContactRecord) -> list[tuple[str, str]]:
    c = record.contact
    kind = (GROUP_TYPE_LABELS.get(c.group_type, "") if c.group_type
            else KIND_LABELS.get(c.kind.value, ""))
    address = f"〒{c.postal_code} {c.address}" if c.postal_code else c.address
    rows = [("番号", str(c.id)), ("種類" if record.is_group else "区分", kind),
            ("よみ", c.reading), ("所在地" if record.is_group else "住所", address),
            ("電話", c.phone), ("E-mail", c.email), ("ホームページ", c.website)]
    if record.is_group:
        rep = record.representative
        rows.append(("代表者", f"{rep.name}（{rep.role}）" if rep and rep.role
                     else rep.name if rep else "登録なし"))
    # 地域 and the group registry (団体台帳), the 代表者 given above.
    rows += [(label, text) for label, text in registry_lines(c, print_style())
             if label != "代表者"]
    if c.merged_into_id is not None:
        rows.append(("状態", f"統合済み（番号 {c.merged_into_id} へ）"))
    elif not c.active:
        rows.append(("状態", "削除済み"))
    if record.merged_from:
        rows.append(("統合した記録", "、".join(f"番号 {m.contact_id}（{m.name}）"
                                              for m in record.merged_from)))
    return [(label, value) for label, value in rows if value]


def _heading(kit: Kit, title: str) -> list[Flowable]:
    """A section heading, moved to the next page with the list when only it would fit."""
    heading = kit.section(title)
    heading.keepWithNext = False
    return [CondPageBreak(kit.pt(80)), heading]


def _steps(kit: Kit, steps: tuple[StepReached, ...]) -> list[Any]:
    p = kit.palette
    rows: list[list[Any]] = []
    for n, step in enumerate(steps, start=1):
        reached = (kit.emph(day(step.reached_on), "body") if step.reached_on
                   else kit.para(NOT_YET, "body", color=p.muted))
        rows.append([
            kit.emph(f"{n}　{step.label}", "subheading", color=p.paper),
            [reached, kit.para(step.by, "small")] if step.by else reached,
            [kit.para(f"〜{step.motto}〜", "note", color=p.muted),
             kit.para(step.rule, "note", color=p.muted)],
        ])
    pad = kit.pt(7)

    def make(w: float) -> Any:
        name_w = kit.size("subheading") * 9 + 2 * pad
        reached_w = (w - name_w) * 0.42
        return kit.table(rows, [name_w, reached_w, w - name_w - reached_w], [
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("BACKGROUND", (0, 0), (0, -1), p.primary),
            ("BACKGROUND", (1, 0), (-1, -1), p.primary_pale),
            ("LINEBELOW", (0, 0), (-1, -2), kit.pt(2), p.paper),
            ("LINEBEFORE", (1, 0), (1, -1), kit.pt(3), p.accent),
            ("LEFTPADDING", (0, 0), (-1, -1), pad),
            ("RIGHTPADDING", (0, 0), (-1, -1), pad),
            ("TOPPADDING", (0, 0), (-1, -1), kit.pt(4)),
            ("BOTTOMPADDING", (0, 0), (-1, -1), kit.pt(5)),
        ])

    return [*_heading(kit, "歩み（チャレンジ → ステップアップ → パートナーシップ）"), Sized(make),
            kit.spacer(2), kit.para(f"※{STEPS_NOTE}", "note", color=p.muted)]


def _consultations(kit: Kit, record: ContactRecord) -> list[Any]:
    if not record.consultations_shown:
        return []
    entries = record.consultations
    hidden = record.hidden_consultations
    count = f"{len(entries)}件" + (f"・うち{hidden}件は「相談あり」のみ" if hidden else "")
    story = _heading(kit, f"相談記録（{count}）")
    if not entries:
        return [*story, kit.para(NO_CONSULTATIONS, "body")]
    rows = [[day(e.held_on), e.facility_name, e.topics_label, e.summary,
             e.staff_name, e.status_label] for e in entries]
    story.append(kit.list_table(["相談日", "施設", "分野", "相談内容", "担当", "状況"], rows,
                                [1.9, 2.7, 1.6, 3.7, 1.3, 0.9],
                                align=[TA_LEFT, TA_LEFT, TA_LEFT, TA_LEFT, TA_LEFT, TA_CENTER]))
    if hidden:
        story += [kit.spacer(2), kit.para(
            "※「相談あり」は、このアカウントでは内容を表示できない相談です（日付と施設のみ）。",
            "note", color=kit.palette.muted)]
    return story


def _sign_ups(kit: Kit, record: ContactRecord) -> list[Any]:
    if not record.sign_ups_shown:
        return []
    entries = record.sign_ups
    attended = sum(1 for e in entries if e.attended_count)
    story = _heading(kit, f"イベントの申込・出席（{len(entries)}件・出席 {attended}件）")
    if not entries:
        return [*story, kit.para(NO_SIGN_UPS, "body")]
    rows = [[_days(e), e.event_title, e.facility_name, f"{e.party_size}名",
             e.attendance_label, e.status_label] for e in entries]
    story.append(kit.list_table(["開催日", "イベント", "主催", "人数", "出席", "状況"], rows,
                                [2.9, 3.3, 2.6, 0.7, 1.3, 1.1],
                                align=[TA_LEFT, TA_LEFT, TA_LEFT, TA_RIGHT, TA_LEFT, TA_CENTER]))
    return story


def _days(entry: SignUpEntry) -> str:
    """The first day, and how many there are of a course: 「令和8年2月7日 ほか全2回」."""
    if not entry.sessions:
        return ""
    first = day(entry.sessions[0].held_on)
    return first if len(entry.sessions) == 1 else f"{first} ほか全{len(entry.sessions)}回"


def _grant_cases(kit: Kit, record: ContactRecord) -> list[Any]:
    if not record.grant_cases_shown:
        return []
    entries = record.grant_cases
    story = _heading(kit, f"交付金案件（{len(entries)}件）")
    if not entries:
        return [*story, kit.para(NO_GRANT_CASES, "body")]
    rows = [[fiscal_year_label(g.fiscal_year), g.programme_name, g.title, g.stage_label,
             yen(g.money.requested), yen(g.money.decided) if g.money.decided else "",
             yen(g.money.net_paid) if g.money.paid else ""] for g in entries]
    story.append(kit.list_table(
        ["年度", "交付金", "事業名", "段階", "申請額", "交付決定額", "支払額"], rows,
        [1.3, 2.8, 2.7, 1.1, 1.4, 1.4, 1.4],
        align=[TA_LEFT, TA_LEFT, TA_LEFT, TA_CENTER, TA_RIGHT, TA_RIGHT, TA_RIGHT]))
    return story


def _affiliations(kit: Kit, record: ContactRecord) -> list[Any]:
    title = "構成員" if record.is_group else "所属団体"
    entries = record.affiliations
    story = _heading(kit, f"{title}（{len(entries)}件）")
    if not entries:
        return [*story, kit.para(f"{title}の登録はありません。", "body")]
    rows = [[str(a.contact_id), a.name, a.role] for a in entries]
    story.append(kit.list_table(["番号", "氏名" if record.is_group else "団体名", "役割"], rows,
                                [1.0, 6.0, 3.0], align=[TA_RIGHT, TA_LEFT, TA_LEFT]))
    return story
