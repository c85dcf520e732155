"""Entry templates (定型) for frequent consultations, and the fixed choice lists of the form.

Kept as data: the advisors can have a template added or reworded here without touching the
form. A template names its topics by their name in the administrator-editable topic list; a
name that is not (or no longer) an active topic is simply skipped.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EntryTemplate:
    """One 「定型から入力」 entry: topics to tick, a starter text and a follow-up plan."""

    name: str
    topics: tuple[str, ...]
    asked: str  # the starter text for 相談内容 (set when empty, appended otherwise)
    follow_up_days: int | None = None  # 期限 = 相談日 + this many days; None: no follow-up
    follow_up_plan: str = ""  # フォローアップの予定, stored with the record


TEMPLATES: tuple[EntryTemplate, ...] = (
    EntryTemplate(
        name="NPO法人化の相談",
        topics=("NPO法人化",),
        asked="NPO法人の設立（法人化）について相談。\n"
              "・団体の現状（活動内容・会員数・活動年数）：\n"
              "・法人化したい理由：\n"
              "・設立の予定時期：",
        follow_up_days=14,
        follow_up_plan="定款・設立書類の準備状況を電話で確認",
    ),
    EntryTemplate(
        name="団体設立の相談",
        topics=("団体設立",),
        asked="市民活動団体の立ち上げについて相談。\n"
              "・活動の目的・内容：\n"
              "・メンバー（人数）：\n"
              "・活動場所・時期：",
        follow_up_days=7,
        follow_up_plan="会則・メンバー集めの進み具合を電話で確認",
    ),
    EntryTemplate(
        name="交付金の申請相談",
        topics=("資金・交付金",),
        asked="交付金（協働サポート交付金・地域づくり交付金）の申請について相談。\n"
              "・事業の内容：\n"
              "・申請を考えている交付金：\n"
              "・事業の時期・予算の見込み：",
        follow_up_days=7,
        follow_up_plan="申請書の下書きを確認",
    ),
    EntryTemplate(
        name="施設利用の問い合わせ",
        topics=("施設利用",),
        asked="施設の利用について問い合わせ。\n"
              "・利用したい施設・部屋：\n"
              "・希望の日時・人数：\n"
              "・利用の目的：",
    ),
    EntryTemplate(
        name="広報・PR の相談",
        topics=("広報・PR",),
        asked="活動の広報・PR について相談。\n"
              "・伝えたい内容（催し・会員募集など）：\n"
              "・届けたい相手：\n"
              "・使いたい媒体（チラシ・SNS・広報あきた等）：",
        follow_up_days=7,
        follow_up_plan="チラシ・掲載原稿の案を確認",
    ),
)



def template_named(name: str) -> EntryTemplate:
    for template in TEMPLATES:
        if template.name == name:
            return template
    raise KeyError(name)
