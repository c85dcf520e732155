"""協働デスク (Kyodo Desk) — the counter application of Akita City's citizen service centers."""

__version__ = "0.1.0"
APP_NAME = "kyodo-desk"
