"""Search over every card: the query language, the full-text index kept by sync, and ranked results."""
