"""Which field each column holds, guessed from its heading (列の対応付け).

Offices title the same column in many ways (氏名, お名前, 氏名（漢字）, 【必須】お名前); every heading
is folded (`fold_heading`) before it is compared with the variants below, so width, kana,
spaces, brackets, ※ notes, * marks of required questions and trailing colons do not matter.

A guess is ranked: the whole folded heading equal to a variant beats the heading without its
bracketed part (電話番号（自宅） → 電話番号) equal to one, which beats a variant found inside the
heading (ご質問があれば ⊃ 質問), the longer such variant first. Each column
gets at most one field and each field at most one column, the best-ranked pair first.

A preset (`MappingPreset`) remembers a mapping by heading, not by position, so one saved on
this year's file applies to next year's with a column moved.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.text import fold

CONTACTS = "contacts"
CONSULTATIONS = "consultations"
APPLICANTS = "applicants"

# Shared between targets: the same words head a name or a phone in every kind of list.
_NAME = ("氏名", "名前", "お名前", "氏名（漢字）", "名前（漢字）", "Name")
_READING = ("フリガナ", "ふりがな", "よみ", "よみがな", "読み", "カナ", "氏名（カナ）",
            "氏名（フリガナ）", "お名前（フリガナ）", "お名前（ふりがな）")
_PHONE = ("電話", "電話番号", "TEL", "電話番号（自宅）", "自宅電話", "連絡先電話番号",
          "お電話番号", "Phone")
_MOBILE = ("携帯", "携帯電話", "携帯電話番号", "携帯番号", "Mobile")
_EMAIL = ("メール", "メールアドレス", "Ｅメール", "Eメール", "E-mail", "mail", "Email",
          "電子メール", "Mail Address")
_NOTES = ("備考", "メモ", "摘要")

# target → field → heading variants, the field's own word first. A variant belongs to one
# field of a target only (tests/imports/test_mapping.py checks it after folding).
HEADINGS: dict[str, dict[str, tuple[str, ...]]] = {
    CONTACTS: {
        "kind": ("区分", "個人・団体", "個人団体区分", "種類"),
        "name": (*_NAME, "団体名", "名称", "団体名称", "氏名・団体名", "氏名又は団体名"),
        "reading": (*_READING, "団体名フリガナ", "団体名（フリガナ）"),
        "group_type": ("団体種別", "種別", "団体の種類"),
        "representative": ("代表者", "代表者名", "代表者氏名", "代表"),
        "postal_code": ("〒", "郵便番号", "郵便"),
        "address": ("住所", "所在地", "住所・所在地", "ご住所"),
        "address_1": ("住所1", "住所（1）", "住所上段"),
        "address_2": ("住所2", "住所（2）", "住所下段", "建物名", "方書"),
        "phone": _PHONE,
        "mobile": _MOBILE,
        "fax": ("FAX", "ファクス", "ファックス", "FAX番号"),
        "email": _EMAIL,
        "website": ("ホームページ", "HP", "URL", "Webサイト", "ウェブサイト"),
        "notes": _NOTES,
        "district": ("地域", "地区"),
        "legal_form": ("法人格", "法人種別"),
        "member_count": ("構成員数", "会員数", "人数", "団体員数"),
        "founded_on": ("設立", "設立年月", "設立年月日", "設立日", "設立年"),
        "activity_fields": ("活動分野", "分野", "活動内容"),
        "group": ("所属団体", "所属", "所属団体名"),
        "role": ("役職", "役職名", "役割"),
    },
    CONSULTATIONS: {
        "held_on": ("相談日", "日付", "受付日", "年月日", "相談年月日", "実施日"),
        "consultee": ("相談者", "相談者名", "氏名", "名前", "団体名", "相談者氏名", "相談団体"),
        "staff": ("担当", "担当者", "対応者", "対応職員", "受付者"),
        "facility": ("施設", "拠点", "施設名", "場所"),
        "channel": ("相談方法", "方法", "手段", "受付方法"),
        "topics": ("分野", "相談分野", "相談区分", "テーマ"),
        "asked": ("相談内容", "内容", "相談の内容", "相談事項"),
        "answered": ("回答", "対応", "助言", "回答内容", "対応内容", "助言内容"),
        "referral": ("紹介先", "つなぎ先", "紹介"),
        "follow_up": ("フォローアップ", "今後の対応", "今後の予定", "次回対応"),
        "follow_up_due": ("期限", "フォローアップ期限", "フォローアップの期限", "対応期限"),
        "status": ("状況", "状態", "進捗", "対応状況"),
    },
    APPLICANTS: {
        "submitted_at": ("送信日時", "申込日時", "タイムスタンプ", "Timestamp", "申込日",
                         "受付日時", "回答日時"),
        "name": (*_NAME, "申込者", "申込者名", "代表者氏名"),
        "reading": _READING,
        "phone": _PHONE,
        "mobile": _MOBILE,
        "email": _EMAIL,
        "party_size": ("人数", "参加人数", "申込人数", "参加者数"),
        "notes": ("備考", "配慮事項", "質問", "ご質問", "ご要望", "メモ", "連絡事項"),
    },
}

# Japanese names of the fields, for the wizard's column pickers and the report.
FIELD_LABELS: dict[str, dict[str, str]] = {
    CONTACTS: {
        "kind": "区分（団体・個人）",
        "name": "氏名・団体名",
        "reading": "よみ",
        "group_type": "団体種別",
        "representative": "代表者",
        "postal_code": "郵便番号",
        "address": "住所",
        "address_1": "住所1",
        "address_2": "住所2",
        "phone": "電話番号",
        "mobile": "携帯電話",
        "fax": "FAX",
        "email": "メールアドレス",
        "website": "ホームページ",
        "notes": "備考",
        "district": "地域",
        "legal_form": "法人格",
        "member_count": "構成員数",
        "founded_on": "設立年月",
        "activity_fields": "活動分野",
        "group": "所属団体",
        "role": "役職",
    },
    CONSULTATIONS: {
        "held_on": "相談日",
        "consultee": "相談者",
        "staff": "担当者",
        "facility": "施設",
        "channel": "相談方法",
        "topics": "相談分野",
        "asked": "相談内容",
        "answered": "回答・助言",
        "referral": "紹介先",
        "follow_up": "今後の対応",
        "follow_up_due": "フォローアップの期限",
        "status": "状況",
    },
    APPLICANTS: {
        "submitted_at": "申込日時",
        "name": "氏名",
        "reading": "よみ",
        "phone": "電話番号",
        "mobile": "携帯電話",
        "email": "メールアドレス",
        "party_size": "人数",
        "notes": "備考・配慮事項",
    },
}

# Without these a row cannot become a record. A consultation needs no consultee: one given
# anonymously (匿名) keeps only an age band and area, so a log without a name column imports.
REQUIRED: dict[str, tuple[str, ...]] = {
    CONTACTS: ("name",),
    CONSULTATIONS: ("held_on", "asked"),
    APPLICANTS: ("name",),
}

TARGETS = tuple(HEADINGS)


class PresetError(UserError):
    """A saved mapping (取り込み設定) that cannot be read or is for no known target."""


def check_target(target: str) -> None:
    if target not in HEADINGS:
        raise ValueError(f"unknown import target: {target!r}")


# --- Folding ------------------------------------------------------------------------------

class FoldedHeading(NamedTuple):
    """A heading in the form compared with the variants: *full* keeps the words inside
    brackets (電話番号（自宅） → 電話番号自宅), *core* drops them (→ 電話番号)."""

    full: str
    core: str


_OPEN, _CLOSE = "([【〔<「『{", ")]】〕>」』}"
_BRACKETED = re.compile(rf"[{re.escape(_OPEN)}][^{re.escape(_CLOSE)}]*[{re.escape(_CLOSE)}]")
# Marks a form adds to a heading to say how to fill it, not what it holds.
_ANNOTATIONS = frozenset(fold(w) for w in (
    "必須", "任意", "必須項目", "入力必須", "required", "optional"))


def fold_heading(heading: str) -> FoldedHeading:
    """Fold *heading* for comparison: NFKC width, hiragana for katakana, lower case; spaces,
    brackets, *, colons and ※ dropped, with a ※ note after the heading (電話番号※日中) and a
    bracketed 必須/任意 cut off. 〒 reads 郵便番号 (folding would drop the sign)."""
    text = unicodedata.normalize("NFKC", heading).replace("〒", "郵便番号").strip()
    text = text.lstrip("※* ")
    text = text.split("※", 1)[0]
    text = _BRACKETED.sub(
        lambda m: "" if fold(m.group(0)) in _ANNOTATIONS else m.group(0), text)
    full = fold(text)
    core = fold(_BRACKETED.sub("", text)) or full
    return FoldedHeading(full, core)


# Rank of a match. Only a part found inside a heading adds the variant's length (under 1000):
# the longer part is the more specific (携帯電話 in 携帯電話番号 over 携帯), while two exact
# matches are equal and the first column takes the field.
EXACT, CORE, CONTAINS = 3000, 2000, 1000


def match_score(heading: FoldedHeading, variant: str) -> int:
    """How well a folded heading matches one folded variant: 0 for no match."""
    if not variant:
        return 0
    if heading.full == variant:
        return EXACT
    if heading.core == variant:
        return CORE
    # One letter inside a heading says nothing (名 is in 団体名 and 名前 alike).
    if len(variant) >= 2 and variant in heading.full:
        return CONTAINS + len(variant)
    return 0


def known_headings(target: str | None = None) -> tuple[str, ...]:
    """Every heading variant of *target* (of all targets when None), as written above."""
    targets = TARGETS if target is None else (target,)
    for t in targets:
        check_target(t)
    return tuple(dict.fromkeys(
        v for t in targets for variants in HEADINGS[t].values() for v in variants))


def _folded_variants(target: str) -> list[tuple[str, str]]:
    return [(f, fold_heading(v).full) for f, variants in HEADINGS[target].items()
            for v in variants]


# --- Guessing -----------------------------------------------------------------------------

def guess_mapping(target: str, headings: Sequence[str]) -> dict[int, str]:
    """Column index → field for the columns whose heading is recognised; others unmapped."""
    check_target(target)
    variants = _folded_variants(target)
    order = {f: i for i, f in enumerate(HEADINGS[target])}
    best: dict[tuple[int, str], int] = {}
    for col, heading in enumerate(headings):
        folded = fold_heading(heading)
        for fld, variant in variants:
            score = match_score(folded, variant)
            if score > best.get((col, fld), 0):
                best[(col, fld)] = score
    ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0][0], order[kv[0][1]]))
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for (col, fld), _score in ranked:
        if col not in mapping and fld not in taken:
            mapping[col] = fld
            taken.add(fld)
    return dict(sorted(mapping.items()))


def missing_required(target: str, mapping: Mapping[int, str]) -> list[str]:
    """Labels of the required fields no column is mapped to, for 「必須の列がありません」."""
    check_target(target)
    present = set(mapping.values())
    return [FIELD_LABELS[target][f] for f in REQUIRED[target] if f not in present]


# --- Presets ------------------------------------------------------------------------------

@dataclass(frozen=True)
class MappingPreset:
    """A named mapping kept for the next file (取り込み設定): heading as read → field."""

    name: str
    target: str
    columns: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, name: str, target: str, headings: Sequence[str],
                     mapping: Mapping[int, str]) -> MappingPreset:
        check_target(target)
        return cls(name, target, {headings[col]: fld for col, fld in sorted(mapping.items())})

    def to_json(self) -> str:
        """The preset as JSON with its keys sorted: saving it twice gives the same text."""
        return json.dumps({"name": self.name, "target": self.target,
                           "columns": dict(self.columns)},
                          ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> MappingPreset:
        try:
            data = json.loads(text)
            name, target, columns = data["name"], data["target"], data["columns"]
        except (ValueError, TypeError, KeyError) as exc:
            raise PresetError("取り込み設定を読めません（保存し直してください）") from exc
        if not (isinstance(name, str) and isinstance(columns, dict)
                and all(isinstance(k, str) and isinstance(v, str) for k, v in columns.items())):
            raise PresetError("取り込み設定を読めません（保存し直してください）")
        if target not in HEADINGS:
            raise PresetError(f"取り込み設定「{name}」の取り込み先がわかりません: {target}")
        unknown = sorted(set(columns.values()) - set(HEADINGS[target]))
        if unknown:
            raise PresetError(
                f"取り込み設定「{name}」に知らない項目があります: {'、'.join(unknown)}")
        return cls(name, target, dict(sorted(columns.items())))


def apply_preset(preset: MappingPreset, headings: Sequence[str]) -> dict[int, str]:
    """Column → field by the preset, matching headings folded; the first column with a
    heading takes its field. Headings the preset does not know stay unmapped."""
    by_heading: dict[str, str] = {}
    for heading, fld in preset.columns.items():
        by_heading.setdefault(fold_heading(heading).full, fld)
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for col, heading in enumerate(headings):
        wanted = by_heading.get(fold_heading(heading).full) if heading else None
        if wanted is not None and wanted not in taken:
            mapping[col] = wanted
            taken.add(wanted)
    return mapping

