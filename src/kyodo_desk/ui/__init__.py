"""Qt Widgets user interface. No SQL and no business rules here: buttons call services."""
