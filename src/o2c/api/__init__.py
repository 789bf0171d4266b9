"""HTTP API (FastAPI): commands, queries, audit endpoints, health and metrics."""
