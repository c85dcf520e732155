"""Defaults that make a consultation draft valid, for tests about something else."""

from __future__ import annotations


def valid(fields: dict) -> dict:  # type: ignore[type-arg]
    """What the form always sends: a topic (その他, seeded as number 10), and a consultee or 匿名."""
    fields.setdefault("topic_ids", (10,))
    fields.setdefault("anonymous", fields.get("consultee_contact_id") is None)
    return fields
