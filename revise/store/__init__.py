"""The store: SQLite through SQLAlchemy, with an ordered list of migrations."""
