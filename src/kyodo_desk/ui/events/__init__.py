"""イベント tab: the event list, its month calendar, the event form and the sign-ups."""
