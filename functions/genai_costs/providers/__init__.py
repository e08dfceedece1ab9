"""One client module per provider; each pulls a UTC window and yields normalized records."""
