"""The event catalog (stored names, wire types, topics) and the transport-neutral event envelope."""
