"""交付金 tab: grant programmes with their budget, cases and each case's workflow."""
