"""Alembic migrations of the read store's control tables (run by ``o2c migrate`` and at start)."""
