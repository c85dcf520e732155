"""秋田市市民協働指針 概要版 (the guideline's summary edition), re-typeset on two A4 pages.

The words are data (resources/leaflets/summary_edition.json, exactly as published); this
module only places them with the kit. The contact block comes from the database, so it is
always current; the edition's own date stays the publication date (平成30年2月).

As in the folded original: page 1 holds the title, introduction, the five directions, the
contacts and the glossary at the foot (※1 is in direction 4); page 2 the widening of
collaboration, the three steps with the roles of citizens and city, and the PDCA cycle.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import date
from typing import Any

from kyodo_desk import paths
from kyodo_desk.domain.dates import print_style, year_month
from kyodo_desk.domain.errors import UserError
from kyodo_desk.leaflets import LeafletInfo, fitting
from kyodo_desk.leaflets.style import FacilityLike, Group, Kit, facility_card


def content_path() -> Any:
    return paths.resources_dir() / "leaflets" / "summary_edition.json"


def load_content() -> dict[str, Any]:
    """The summary edition's text, as shipped."""
    with content_path().open(encoding="utf-8") as f:
        return json.load(f)


def note_numbers(content: Any) -> set[int]:
    """Every ※n mark in the text (the glossary entries excluded)."""
    found: set[int] = set()

    def walk(value: Any) -> None:
        if isinstance(value, str):
            found.update(int(n) for n in re.findall(r"※(\d+)", value))
        elif isinstance(value, dict):
            for key, item in value.items():
                if key != "glossary":
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(content)
    return found


# The events the summary edition explains in its ※ notes (用語解説), by kind: their flyers
# print the note as published. An event of another kind gets a note its title names.
EVENT_NOTE_TERMS: dict[str, str] = {"tsumugist": "つむぎすと講座", "meeting": "市民協働ミーティング"}


def event_notes(kind: str, title: str) -> list[tuple[str, str]]:
    """The edition's ※ notes (term, text) for an event of *kind* titled *title*."""
    wanted = EVENT_NOTE_TERMS.get(kind, "")
    return [(note["term"], note["text"]) for note in load_content()["glossary"]
            if note["term"] == wanted or note["term"] in title]


def published_on(content: dict[str, Any]) -> date:
    year, month = (int(part) for part in content["published"].split("-")[:2])
    return date(year, month, 1)


def build(facilities: Sequence[FacilityLike], *, info: LeafletInfo, today: date) -> bytes:
    """The summary edition with the contacts of *facilities*, dated *today*."""
    content = load_content()
    glossary = [(note["term"], note["text"]) for note in content["glossary"]]
    missing = sorted(n for n in note_numbers(content) if not 1 <= n <= len(glossary))
    if missing:
        marks = "、".join(f"※{n}" for n in missing)
        raise UserError(f"概要版の文章にある{marks}の用語解説がありません。")
    cards = [facility_card(f) for f in facilities]
    as_of = year_month(today, print_style())
    published = year_month(published_on(content), print_style())

    def compose(kit: Kit) -> list[Any]:
        from reportlab.platypus import PageBreak, TopPadder

        directions = content["directions"]
        expansion = content["expansion"]
        roles = content["roles"]
        cycle = content["cycle"]
        labels = tuple(roles.get("labels", ("市民の役割", "市の役割")))
        story: list[Any] = [
            kit.title_band(content["department"], content["title"], content["subtitle"],
                           issuer=content["issuer"], date_text=published),
            kit.spacer(8),
            kit.lead(content["introduction"]),
            kit.section(directions["heading"]),
            kit.numbered_points([(d["heading"], d["gloss"]) for d in directions["items"]]),
            kit.section(content["contacts_heading"]),
            *kit.contact_block(cards, columns=2, note=f"連絡先は{as_of}現在のものです。"),
            kit.spacer(6),
            TopPadder(Group([kit.glossary(glossary)])),
            PageBreak(),
            kit.section(expansion["heading"]),
            kit.para(expansion["text"], "body", indent_first=True, space_after=6),
            kit.spectrum([(s["label"], s["examples"], s.get("partner", ""))
                          for s in expansion["segments"]]),
            kit.spacer(6),
            kit.callout(expansion["callout"]),
            kit.section(roles["heading"]),
            kit.emph(roles["examples_heading"], "subheading", color=kit.palette.accent_dark),
            kit.spacer(4),
        ]
        for number, step in enumerate(roles["steps"], start=1):
            examples = []
            for example in step["examples"]:
                examples += [kit.role_boxes(example["citizen"], example["city"],
                                            caption=example["caption"], labels=labels),
                             kit.spacer(4)]
            story += [
                kit.step(number, step["name"], step["motto"]),
                kit.spacer(5),
                kit.columns(kit.bullets(step["actions"]), examples[:-1], left_share=0.42),
                kit.spacer(6),
            ]
        story += [
            kit.section(cycle["heading"]),
            kit.cycle([(s["label"], s["tag"], s["text"]) for s in cycle["stages"]]),
        ]
        return story

    return fitting.build(
        info, compose,
        decorate=lambda kit: kit.footer(f"{content['subtitle']}（{published}）", numbered=True),
        data_key=(tuple(facilities), as_of, json.dumps(content, sort_keys=True)),
    )
