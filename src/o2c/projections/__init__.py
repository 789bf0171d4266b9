"""Read side: projections that turn event envelopes into SQL read models, and their queries."""
