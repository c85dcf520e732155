"""Japanese text folding for search and sorting (検索用の正規化).

One folding function serves storage and queries alike, so that a query typed in any width or
kana matches what was stored: full/half width (NFKC), hiragana/katakana (both become hiragana),
upper/lower case, and hyphens, spaces and punctuation (dropped). ｾﾝﾀｰ, センター and せんたー
all fold to せんたー; 018-888-5640 folds to 0188885640.
"""

from __future__ import annotations

import unicodedata

import jaconv

# Small ヶ/ヵ are read が/か in place names (北条ヶ崎); people type ケ or け for them.
_KANA_VARIANTS = str.maketrans({"ヶ": "け", "ヵ": "か", "ゖ": "け", "ゕ": "か"})
_LONG_VOWEL = "ー"
_DIGITS = frozenset("0123456789")


def fold(text: str) -> str:
    """Fold *text* to the form stored in search columns and compared against queries."""
    text = unicodedata.normalize("NFKC", text).lower().translate(_KANA_VARIANTS)
    text = jaconv.kata2hira(text)
    kept: list[str] = []
    for ch in text:
        if ch == _LONG_VOWEL or unicodedata.category(ch)[0] in "LN":
            kept.append(ch)
    # ー after a digit is a dash typed with the Japanese IME (018ー888ー5640); after kana it is
    # a long vowel, even before a digit (セミナー2026).
    out = [
        ch
        for i, ch in enumerate(kept)
        if not (ch == _LONG_VOWEL and (i == 0 or kept[i - 1] in _DIGITS))
    ]
    return "".join(out)


def grams(folded: str) -> set[str]:
    """The index tokens of folded text: every character and every pair of adjacent characters.

    A query matches a text only if all of the query's tokens (`query_grams`) are among the
    text's; a substring check on the folded text then removes the rare false hit. Bigrams are
    needed because 佐藤, 広報 and 法人 are two characters long, below any trigram index.
    """
    tokens = set(folded)
    tokens.update(folded[i : i + 2] for i in range(len(folded) - 1))
    return tokens


def query_grams(folded_query: str) -> list[str]:
    """The tokens a folded query needs: itself if one character long, else its bigrams."""
    if len(folded_query) <= 1:
        return [folded_query] if folded_query else []
    return sorted({folded_query[i : i + 2] for i in range(len(folded_query) - 1)})


def gram_document(*fields: str | None) -> tuple[str, str]:
    """Return (search_text, search_grams) for a record's searchable fields.

    Fields are folded one by one and joined by a space, so no bigram spans two fields.
    """
    folded = [fold(f) for f in fields if f]
    text = " ".join(f for f in folded if f)
    tokens: set[str] = set()
    for f in folded:
        tokens |= grams(f)
    return text, " ".join(sorted(tokens))


def sort_key(reading: str | None, name: str) -> str:
    """The key lists sort by: the kana reading (よみ) folded to hiragana, else the name."""
    return fold(reading or "") or fold(name)
