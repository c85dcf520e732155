"""What a person reads — a screen, a message, a print — writes a date through domain.dates,
so the app-wide setting (西暦 / 和暦) holds everywhere. Files and logs keep ISO dates (the
open-data layouts, drafts, the audit log's stored values): those are the exceptions named
below, each with its reason."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "kyodo_desk"
READ_BY_PEOPLE = ("ui", "services", "leaflets")

# A date written by hand rather than by domain.dates.
RULES = {
    "strftime": re.compile(r"\.strftime\("),
    "a %Y/%m/%d format": re.compile(r":%[Yymd]"),
    "a year written as 2026年": re.compile(r"\.year\}\s*年"),
    "a day written as 24日": re.compile(r"\.day\}\s*日"),
    "a month/day written by hand": re.compile(r"\.month\}/\{"),
    "a Qt date format": re.compile(r"toString\(\s*[\"'][yMd]"),
    "an ISO date inside text": re.compile(r"\.isoformat\(\)\s*\}"),
    "the era without the setting": re.compile(r"\bera_(?:date|year_month)\("),
}

# (file, what the line holds): why it keeps its own format.
EXCEPTIONS = {
    ("ui/admin/audit_tab.py", "%Y%m%d"): "a file name, sorted by date",
    ("services/imports/applicants.py", "%Y/%m/%d %H:%M:%S"):
        "the web form's own 送信日時, shown as the file has it to match the row",
    ("leaflets/certificates.py", "era_date("): "a certificate is dated in the era by design",
    ("ui/date_inputs.py", "era_year_month(first)"): "the calendar's header, by screen_style()",
    ("services/guideline/report.py", "literal_column("): "an SQL literal, not text",
}


def offences() -> list[str]:
    found = []
    for layer in READ_BY_PEOPLE:
        for path in sorted((PACKAGE / layer).rglob("*.py")):
            name = path.relative_to(PACKAGE).as_posix()
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("#", 1)[0]
                for rule, pattern in RULES.items():
                    if pattern.search(code) and not any(
                            file == name and held in code for file, held in EXCEPTIONS):
                        found.append(f"{name}:{number}: {rule}: {line.strip()}")
    return found


def test_screens_messages_and_prints_write_dates_through_domain_dates() -> None:
    assert offences() == []


def test_the_rule_catches_what_it_names(tmp_path: Path) -> None:
    caught = [
        'f"{d.year}年{d.month}月{d.day}日"', 'day.strftime("%Y/%m/%d")', 'f"{d:%Y/%m/%d}"',
        'value.toString("yyyy/MM/dd")', 'f"{d.month}/{d.day}"', 'f"{d.isoformat()} に"',
        "era_date(day)",
    ]
    for line in caught:
        assert any(p.search(line) for p in RULES.values()), line
    for line in ['full_date(d)', 'draft["held_on"] = d.isoformat()', "short_date(d)"]:
        assert not any(p.search(line) for p in RULES.values()), line


def test_every_exception_is_still_needed() -> None:
    for file, held in EXCEPTIONS:
        assert held in (PACKAGE / file).read_text(encoding="utf-8"), (file, held)
