"""The application service: runs commands against aggregates in one atomic unit of work."""
