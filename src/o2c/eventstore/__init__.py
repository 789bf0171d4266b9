"""Event store infrastructure on the eventsourcing library: SQLite by default, PostgreSQL by URL."""
