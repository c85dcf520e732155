"""What makes two contacts likely the same (重複候補の判定).

Pure rules, shared by the warning in the person and group forms, the pickers and the
registry-wide duplicates list. Each rule compares one fact after folding away what typing
changes and a person does not:

- よみ (reading): width, katakana/hiragana, spaces and middle dots (`text.fold`); small kana as
  large ones (bank-style half-width kana has none: ｷﾖｳｺ for きょうこ); a long vowel mark as the
  vowel it lengthens (さとー = さとう). A record without a reading whose name is all kana is
  read by its name (「ﾔﾏﾀﾞ ﾀﾛｳ」 reads やまだたろう).
- 電話番号 (phone): digits only; Akita City's own area code 018 dropped, so 018-888-5640,
  888-5640 and ０１８８８８５６４０ are one number; every other number (mobiles, 0185-…,
  0120-…) whole.
- E-mail: trimmed, in NFKC, case-insensitive.
- 郵便番号 (postal code): digits only.
- 名前 (name): folded, with old and variant characters (異体字) folded to the common ones
  (髙→高, 﨑→崎, 齋→斎 …); for a group also without its legal form (法人格: 特定非営利活動法人,
  （特非）, 一般社団法人, 株式会社 …), which the group's core name (法人格を除いた名前) keeps.

A form compares what is typed with the candidates an index finds under `blocking_keys`; the
duplicates list `prepare`s each contact once and compares those sharing a key.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from rapidfuzz.distance import Indel

from kyodo_desk.domain.text import fold

ContactKindName = Literal["person", "group"]

# The reasons as the form and the duplicates list show them.
SAME_READING = "よみが同じ"
SAME_PHONE = "電話番号が同じ"
SAME_EMAIL = "E-mailが同じ"
SAME_POSTAL_SIMILAR_NAME = "郵便番号が同じで名前が似ている"
SAME_CORE_NAME = "法人格を除くと同じ名前"

# How much each reason alone says that two records are one (see `likely_same`). An e-mail
# address is nearly personal; a phone may be a family's landline; a reading is shared by
# namesakes; a postal code and a similar name by neighbours with similar names.
REASON_WEIGHTS: dict[str, int] = {
    SAME_EMAIL: 90,
    SAME_PHONE: 80,
    SAME_CORE_NAME: 80,
    SAME_READING: 70,
    SAME_POSTAL_SIMILAR_NAME: 60,
}

# Names at least this similar (rapidfuzz ratio, 0–100) count as similar. A typo in a reading
# (やまだたろう/やまだたろ: 91) is above it; relatives at one address sharing only a surname of up
# to five kana (おがさわら あい/ゆう: 71, 佐々木 誠/愛: 75) are below it.
SIMILAR_NAME_RATIO = 85


@dataclass(frozen=True)
class ContactFacts:
    """What the duplicate rules read of a contact (個人・団体の照合項目), as stored or typed."""

    kind: ContactKindName
    name: str
    reading: str = ""
    phone: str = ""
    email: str = ""
    postal_code: str = ""


@dataclass(frozen=True)
class Likeness:
    """Why two contacts are likely the same (重複候補): a score 0–100 and the reasons."""

    score: int
    reasons: tuple[str, ...]


def likely_same(a: ContactFacts | Prepared, b: ContactFacts | Prepared) -> Likeness | None:
    """The likeness of *a* and *b*, or None if nothing says they are one contact.

    The reasons, in the order of REASON_WEIGHTS: the same e-mail, the same phone, for two
    groups the same name without the legal form, the same reading, the same postal code with a
    similar name. A person and a group are never the same.

    The score treats each reason as independent evidence of weight w (REASON_WEIGHTS) and
    combines them as 100 × (1 − ∏(1 − w/100)), rounded down: one reason scores its weight, each
    further reason raises the score, and it never passes 100 (e-mail and phone: 98).
    """
    if a.kind != b.kind:
        return None
    ka, kb = prepare(a), prepare(b)
    found = [
        reason
        for reason, same in (
            (SAME_EMAIL, _same(ka.email, kb.email)),
            (SAME_PHONE, _same(ka.phone, kb.phone)),
            (SAME_CORE_NAME, _same(ka.core, kb.core)),
            (SAME_READING, _same(ka.reading, kb.reading)),
            (SAME_POSTAL_SIMILAR_NAME,
             _same(ka.postal, kb.postal) and _similar_names(ka, kb)),
        )
        if same
    ]
    if not found:
        return None
    doubt, whole = 1, 1  # ∏(100 − w) over 100ⁿ, in whole numbers: no rounding error
    for reason in found:
        doubt *= 100 - REASON_WEIGHTS[reason]
        whole *= 100
    return Likeness(score=100 * (whole - doubt) // whole, reasons=tuple(found))


def blocking_keys(facts: ContactFacts | Prepared) -> set[str]:
    """The keys under which an index files *facts*, so that likely pairs are found without
    comparing every pair of the registry: two contacts that `likely_same` pairs always share
    at least one key, each reason having its own: reading:, phone:, email:, core: (groups)
    and postal: for the postal code with a similar name. Only candidates sharing a key need
    `likely_same`. A person's and a group's keys differ by a prefix, as they never pair.

    A postal code alone would gather a whole district (hundreds of contacts under one code),
    so its keys also hold one character of the name, the reading or the core name: similar
    names share most of their characters, and taking each string's characters in one fixed
    order (`_prefix_tokens`), two names at least SIMILAR_NAME_RATIO alike always share one of
    their first few (prefix filtering). A four-character name gives two such keys.
    """
    keys = prepare(facts)
    found = {
        f"{name}:{value}"
        for name, value in (
            ("reading", keys.reading),
            ("phone", keys.phone),
            ("email", keys.email),
            ("core", keys.core),
        )
        if value
    }
    if keys.postal:
        found.update(
            f"postal:{keys.postal}:{field}:{token}"
            for field, text in keys.alike
            for token in _prefix_tokens(text)
        )
    return {f"{facts.kind}|{key}" for key in found}


# -- folding -----------------------------------------------------------------------------------

_SMALL_KANA = str.maketrans("ぁぃぅぇぉっゃゅょゎ", "あいうえおつやゆよわ")
# The vowel a long vowel mark stands for after a kana; the お and え rows are lengthened with
# う and い in names (さとー = さとう, けーこ = けいこ).
_LONG_VOWEL_OF = {
    kana: vowel
    for vowel, row in (
        ("あ", "あかさたなはまやらわがざだばぱ"),
        ("い", "いきしちにひみりぎじぢびぴえけせてねへめれげぜでべぺ"),
        ("う", "うくすつぬふむゆるぐずづぶぷゔおこそとのほもよろをごぞどぼぽ"),
    )
    for kana in row
}
_LONG_VOWELS = re.compile("ー+")  # a run of marks (さとーー) is one long vowel
_HIRAGANA = re.compile(r"[ぁ-ゖー]+")


def fold_reading(text: str) -> str:
    """A reading (よみ) folded for comparison: `text.fold` (width, kana, spaces, middle dots),
    small kana as large ones and each long vowel mark as the vowel it lengthens
    (「ﾔﾏﾀﾞ ﾀﾛｰ」 → やまだたろう). Folding twice changes nothing."""
    folded = _LONG_VOWELS.sub("ー", fold(text).translate(_SMALL_KANA))
    out: list[str] = []
    for ch in folded:
        if ch != "ー":
            out.append(ch)
        elif out and out[-1] in _LONG_VOWEL_OF:
            out.append(_LONG_VOWEL_OF[out[-1]])
        # A mark after no kana (the start, a kanji, a letter) lengthens nothing: dropped.
    # Dropping a mark can bring together what NFKC joins (ᄀーᅡ): folded once more.
    return fold("".join(out))


# Old and variant characters (旧字・異体字) written in names, to the common form. Kept to those
# a counter meets; a target is never itself a source, so folding is idempotent.
_VARIANTS = str.maketrans({
    "髙": "高", "﨑": "崎", "嵜": "崎", "齋": "斎", "齊": "斎", "邊": "辺", "邉": "辺",
    "澤": "沢", "濱": "浜", "濵": "浜", "櫻": "桜", "廣": "広", "國": "国", "會": "会",
    "學": "学", "藝": "芸", "眞": "真", "冨": "富", "惠": "恵", "德": "徳", "槇": "槙",
})


def fold_name(text: str) -> str:
    """A name folded for comparison: `text.fold` and old or variant characters as the common
    ones (髙橋 → 高橋, 山﨑 → 山崎). Folding twice changes nothing."""
    return fold(text).translate(_VARIANTS)


# Legal forms (法人格) as written before or after a group's name. Bracketed abbreviations are
# matched in NFKC (full-width brackets narrowed), as folding drops the brackets and 株 or 有
# alone begin ordinary names (有田商店); the written-out forms are matched folded.
_BRACKETED_FORMS = ("特非", "認定特非", "一社", "一財", "公社", "公財", "社福", "株", "有", "同")
_WRITTEN_FORMS = (
    "認定特定非営利活動法人", "特定非営利活動法人", "認定npo法人", "npo法人",
    "一般社団法人", "一般財団法人", "公益社団法人", "公益財団法人", "社会福祉法人",
    "任意団体", "株式会社", "有限会社", "合同会社",
)
_BRACKETED = "|".join(rf"\({re.escape(form)}\)" for form in _BRACKETED_FORMS)
_WRITTEN = "|".join(re.escape(form) for form in _WRITTEN_FORMS)
_BRACKETED_AT_ENDS = re.compile(rf"^(?:\s*(?:{_BRACKETED}))+|(?:(?:{_BRACKETED})\s*)+$")
_WRITTEN_AT_ENDS = re.compile(rf"^(?:{_WRITTEN})+|(?:{_WRITTEN})+$")


def group_core_name(name: str) -> str:
    """A group's name without its legal form (法人格を除いた名前), folded as `fold_name`:
    「特定非営利活動法人 あきた子ども食堂」, 「（特非）あきた子ども食堂」 and 「あきた子ども食堂」 give
    one core name. A name that is only a legal form keeps it, so it still names something.
    Folding twice changes nothing."""
    return _core_of(name, fold_name(name))


def _core_of(name: str, folded: str) -> str:
    """`group_core_name` of *name*, whose `fold_name` is *folded*: each folding is done only
    where it changes something (it is most of the cost of preparing a group)."""
    text = unicodedata.normalize("NFKC", name)
    unbracketed = (
        fold_name(_BRACKETED_AT_ENDS.sub("", text.strip())) if "(" in text else folded
    )
    stripped = _WRITTEN_AT_ENDS.sub("", unbracketed)
    core = stripped if stripped == unbracketed else fold_name(stripped)
    return core or folded


# Akita City's numbers are 018-8xx-xxxx; 0182–0187 are other towns' area codes.
_HOME_AREA_CODE = "018"
_HOME_LOCAL = re.compile(r"8[0-9]{6}")
_JAPAN_PREFIX = "81"  # +81 18 888 5640: the country code for the leading 0


def phone_key(phone: str) -> str:
    """The digits that make a phone number one number however it was typed: 018-888-5640,
    (018)888-5640, 888-5640, ０１８８８８５６４０ and +81 18-888-5640 all give 8885640; a mobile
    or another town's number stays whole (090-1234-5678 → 09012345678). Empty if no digits."""
    # Most numbers are typed in ASCII: their digits need no folding (the list folds 100,000).
    text = phone if phone.isascii() else fold(phone)
    digits = "".join(ch for ch in text if ch.isascii() and ch.isdigit())
    if digits.startswith(_JAPAN_PREFIX) and len(digits) in (11, 12):
        digits = "0" + digits[len(_JAPAN_PREFIX):]
    local = digits.removeprefix(_HOME_AREA_CODE)
    return local if _HOME_LOCAL.fullmatch(local) else digits


def email_key(email: str) -> str:
    """An e-mail address as compared: trimmed, narrowed (NFKC) and in lower case."""
    return unicodedata.normalize("NFKC", email).strip().casefold()


@lru_cache(maxsize=4096)  # a city has a few hundred codes, met again and again
def postal_key(postal_code: str) -> str:
    """A postal code's digits (〒010-0041 → 0100041)."""
    return "".join(ch for ch in fold(postal_code) if ch.isascii() and ch.isdigit())


# -- comparing -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Prepared:
    """A contact's facts folded once for many comparisons (the duplicates list compares each
    contact with all the others sharing a blocking key): `prepare`."""

    kind: ContactKindName
    reading: str
    name: str
    phone: str
    email: str
    postal: str
    core: str  # groups only
    # The name, the reading and the core name as compared for likeness: (field, text), if any.
    alike: tuple[tuple[str, str], ...]


def prepare(facts: ContactFacts | Prepared) -> Prepared:
    """*facts* folded for `likely_same` and `blocking_keys`, which take either form."""
    if isinstance(facts, Prepared):
        return facts
    name = fold_name(facts.name)
    reading = fold_reading(facts.reading)
    if not reading and _HIRAGANA.fullmatch(name):
        reading = fold_reading(facts.name)  # a name in kana is its own reading
    core = _core_of(facts.name, name) if facts.kind == "group" else ""
    return Prepared(
        kind=facts.kind,
        reading=reading,
        name=name,
        phone=phone_key(facts.phone),
        email=email_key(facts.email),
        postal=postal_key(facts.postal_code),
        core=core,
        alike=tuple(
            (field, _voiceless(text))
            for field, text in (("name", name), ("reading", reading), ("core", core))
            if text
        ),
    )


def _same(a: str, b: str) -> bool:
    return bool(a) and a == b


def _similar_names(a: Prepared, b: Prepared) -> bool:
    theirs = dict(b.alike)
    return any(field in theirs and _similar(text, theirs[field]) for field, text in a.alike)


def _similar(a: str, b: str) -> bool:
    """Whether rapidfuzz's ratio of *a* and *b*, 100 × 2·LCS / (len a + len b), reaches
    SIMILAR_NAME_RATIO, in whole numbers (no rounding at the threshold)."""
    total = len(a) + len(b)
    twice_common = total - Indel.distance(a, b)
    return 100 * twice_common >= SIMILAR_NAME_RATIO * total


def _prefix_tokens(text: str) -> list[str]:
    """The first characters of *text* in one fixed order (the k-th copy of a character counts
    as its own token), enough that a string similar to *text* shares one.

    Similar strings a and b (ratio ≥ r, with n = len a) share at least r·n / (200 − r) tokens
    (a common subsequence is among the shared characters, and is no longer than b). Strings
    sharing at least o tokens, in one global order, share one among the first n − o + 1 of a's
    and the first len b − o + 1 of b's. Kanji come first (code points in descending order), as
    they are rarer than kana and make smaller blocks.
    """
    seen: dict[str, int] = {}
    tokens: list[str] = []
    for ch in sorted(text, reverse=True):
        seen[ch] = seen.get(ch, 0) + 1
        tokens.append(f"{ch}{seen[ch]}")
    shared = -(-SIMILAR_NAME_RATIO * len(text) // (200 - SIMILAR_NAME_RATIO))  # rounded up
    return tokens[: len(text) - shared + 1]


def _voiceless(text: str) -> str:
    """Kana without their voicing marks (だ → た): a mark lost in typing leaves a name alike."""
    return "".join(
        ch for ch in unicodedata.normalize("NFD", text) if ch not in "\u3099\u309a"
    )
