"""Japanese text folding for search and sorting (検索用の正規化).

One folding function serves storage and queries alike, so that a query typed in any width or
kana matches what was stored: full/half width (NFKC), hiragana/katakana (both become hiragana),
upper/lower case, and hyphens, spaces and punctuation (dropped). ｾﾝﾀｰ, センター and せんたー
all fold to せんたー; 018-888-5640 folds to 0188885640.
"""

from __future__ import annotations

import re
import unicodedata

import jaconv

# Small ヶ/ヵ are read が/か in place names (北条ヶ崎); people type ケ or け for them.
_KANA_VARIANTS = str.maketrans({"ヶ": "け", "ヵ": "か", "ゖ": "け", "ゕ": "か"})
_LONG_VOWEL = "ー"
_DIGITS = frozenset("0123456789")


def fold(text: str) -> str:
    """Fold *text* to the form stored in search columns and compared against queries.

    Only letters, digits and the long vowel ー are kept, so no control character (NUL among
    them) and no unpaired surrogate ever reaches a search column or a query. Folding folded
    text changes nothing (stored text and typed query meet in one form).
    """
    folded = _fold_once(text)
    # Dropping a sign can bring together what NFKC joins (ᄀ-ᅡ → 가): fold that once more.
    return folded if unicodedata.is_normalized("NFKC", folded) else _fold_once(folded)


def _fold_once(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().translate(_KANA_VARIANTS)
    text = jaconv.kata2hira(text)
    out: list[str] = []
    for ch in text:
        if ch == _LONG_VOWEL:
            # ー after a digit is a dash typed with the Japanese IME (018ー888ー5640); after
            # kana it is a long vowel, even before a digit (セミナー2026). Judged on what is
            # kept, so that folding again keeps the same ones.
            if out and out[-1] not in _DIGITS:
                out.append(ch)
        elif unicodedata.category(ch)[0] in "LN":
            out.append(ch)
    return "".join(out)


MAX_QUERY_CHARS = 100  # a search box holds a name, a phone, a few words; never a document
# Index tokens asked for one query. Every further bigram narrows the match less while
# PostgreSQL's GIN index reads one more posting list: over 20,000 consultations, the list and
# its count took 160–210 ms for a 100-character query with its 85–99 bigrams, 45–66 ms with
# 16 of them (SQLite: 13–40 ms either way). The substring check after the index keeps the
# answer exact.
MAX_QUERY_GRAMS = 16


# What no keyboard types and no stored text holds, as the body of a regular-expression class:
# controls (NUL among them) and unpaired surrogates.
UNTYPEABLE = r"\x00-\x1f\x7f-\x9f\ud800-\udfff"
# What a paste brings in bulk and no search column holds: those, spaces and line breaks.
_NOT_SEARCHED = re.compile(rf"[\s{UNTYPEABLE}]+")


def fold_query(query: str) -> str:
    """A typed search, folded as the search columns are and cut to MAX_QUERY_CHARS."""
    return fold(_searchable_start(query))[:MAX_QUERY_CHARS]


def plain_query(query: str) -> str:
    """A typed search for a column that is not folded (the audit log's names): in NFKC,
    without spaces, controls or unpaired surrogates, cut to MAX_QUERY_CHARS."""
    normal = unicodedata.normalize("NFKC", _searchable_start(query))
    return _NOT_SEARCHED.sub("", normal)[:MAX_QUERY_CHARS]


def _searchable_start(query: str) -> str:
    """The first few hundred characters of *query* that are not spaces, controls or halves
    of a surrogate pair: a pasted megabyte costs no more than a long name, and no run of
    those hides the words after it."""
    wanted = MAX_QUERY_CHARS * 4  # room for the signs and marks that folding drops
    kept = ""
    for start in range(0, len(query), wanted):
        kept += _NOT_SEARCHED.sub("", query[start : start + wanted])
        if len(kept) >= wanted:
            break
    return kept[:wanted]


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
    """The tokens a folded query needs: itself if one character long, else its bigrams, at
    most MAX_QUERY_GRAMS of them spread over the query."""
    if len(folded_query) <= 1:
        return [folded_query] if folded_query else []
    pairs = list(dict.fromkeys(folded_query[i : i + 2] for i in range(len(folded_query) - 1)))
    if len(pairs) > MAX_QUERY_GRAMS:
        step = len(pairs) / MAX_QUERY_GRAMS
        pairs = [pairs[int(n * step)] for n in range(MAX_QUERY_GRAMS)]
    return sorted(pairs)


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
