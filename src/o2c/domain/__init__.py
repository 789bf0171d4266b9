"""Pure domain values: money, payment terms, credit decisions, dunning policy and domain errors."""
