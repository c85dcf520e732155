"""センター連絡先 — the contact lookup tab."""
