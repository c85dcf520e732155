"""受付票 (receipt): what the counter hands a person who signed up: the event, its dates and
venue, the name and party size, the 受付番号 and status, and the QR code the door scans
(`RegistrationInfo.ticket`), on one A4 page."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from kyodo_desk.domain.dates import full_date, print_style
from kyodo_desk.domain.events import RegistrationStatus
from kyodo_desk.leaflets import LeafletInfo, event_text, fitting
from kyodo_desk.leaflets.style import Kit, QrCode, Sized

if TYPE_CHECKING:
    from kyodo_desk.services.events.prints import ReceiptData
    from kyodo_desk.services.events.registrations import RegistrationInfo

S = RegistrationStatus
TITLE = "受付票"
SCAN_CAPTION = "当日、会場の入口でお見せください"
GUIDANCE = {
    S.CONFIRMED: ["当日は、この受付票を会場の入口でお見せください。QRコードを読み取って出席を確認します。",
                  "受付票をお忘れの場合は、入口でお名前をお伝えください。",
                  "欠席や人数の変更は、お早めに下記までご連絡ください。"],
    S.WAITLISTED: ["現在キャンセル待ちです。席が空きましたら、お電話でご連絡します。",
                   "席が確定するまで、この受付票では出席にできません。",
                   "お申し込みの取り消しは、下記までご連絡ください。"],
    S.APPLIED: ["現在抽選待ちです。抽選の申込締切の後に抽選し、結果をお知らせします。",
                "当選が決まるまで、この受付票では出席にできません。",
                "お申し込みの取り消しは、下記までご連絡ください。"],
}
GUIDANCE[S.ATTENDED] = GUIDANCE[S.NO_SHOW] = GUIDANCE[S.CONFIRMED]


def build(data: ReceiptData, *, info: LeafletInfo, today: date) -> bytes:
    """The receipt of *data* (a sign-up that is not cancelled: `receipt_data` refuses one)."""
    e, registration = data.event, data.registration
    department = event_text.department(e)
    issued = f"{full_date(today, print_style())}発行"
    card = event_text.contact_card(e, data.facility)
    ticket = registration.ticket.text()

    def compose(kit: Kit) -> list[Any]:
        return [
            kit.title_band(department, TITLE, event_text.title_lines(e.title),
                           date_text=issued),
            kit.spacer(10),
            _ticket(kit, registration, ticket),
            kit.section("お申し込みの内容"),
            kit.facts(_details(data)),
            kit.spacer(6),
            *kit.bullets(GUIDANCE[registration.status]),
            kit.section("お問い合わせ"),
            *kit.contact_block([card], columns=1),
        ]

    return fitting.build(info, compose, decorate=lambda kit: kit.footer(department),
                         subject=f"{TITLE}　{e.title}",
                         data_key=(e, data.facility, registration, issued))


def _details(data: ReceiptData) -> list[tuple[str, str]]:
    e, r = data.event, data.registration
    name = f"{r.contact_name}（{r.contact_reading}）" if r.contact_reading else r.contact_name
    rows = [
        ("イベント", e.title),
        ("日時", event_text.sessions_text(e.sessions)),
        ("会場", event_text.venue_text(e)),
        ("お名前", f"{name}　様"),
        ("人数", f"{r.party_size}名"),
        ("状況", r.status_label),
        ("ブース番号", r.booth_number or ""),
        ("参加費", event_text.fee_text(e)),
    ]
    return [(label, value) for label, value in rows if value]


def _ticket(kit: Kit, r: RegistrationInfo, ticket: str) -> Any:
    """The part the door reads: 受付番号 large, the name, the status, and the QR code."""
    p = kit.palette
    waiting = r.status in (S.WAITLISTED, S.APPLIED)  # no seat yet
    left = [
        kit.para("受付番号", "small", color=p.primary_dark),
        kit.emph(str(r.queue_number), "display", color=p.accent_dark),
        kit.spacer(4),
        kit.emph(f"{r.contact_name}　様", "heading", color=p.text),
        kit.spacer(3),
        kit.para(f"{r.party_size}名　{r.status_label}", "body",
                 color=p.accent_dark if waiting else p.primary_dark),
    ]
    code = QrCode(kit, ticket, SCAN_CAPTION, kit.pt(100))

    def make(w: float) -> Any:
        code_w = code.width + kit.pt(24)
        return kit.table([[left, code]], [w - code_w, code_w], [
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("BACKGROUND", (0, 0), (-1, -1), p.primary_pale),
            ("LINEBEFORE", (0, 0), (0, 0), kit.pt(5), p.accent),
            ("BOX", (0, 0), (-1, -1), kit.pt(0.8), p.primary),
            ("LEFTPADDING", (0, 0), (-1, -1), kit.pt(14)),
            ("RIGHTPADDING", (0, 0), (-1, -1), kit.pt(12)),
            ("TOPPADDING", (0, 0), (-1, -1), kit.pt(10)),
            ("BOTTOMPADDING", (0, 0), (-1, -1), kit.pt(10)),
        ])

    return Sized(make)
