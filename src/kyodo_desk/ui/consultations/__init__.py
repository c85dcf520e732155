"""The consultation log (相談記録): the list tab, the entry form and the statistics."""
