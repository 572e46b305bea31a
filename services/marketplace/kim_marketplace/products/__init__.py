"""Products and their moderated listings."""
