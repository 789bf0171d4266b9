"""The tansu Kafka-protocol broker the tests start (the starter is shared with the benchmark);
a test reaching it must carry the ``kafka`` marker."""

from __future__ import annotations

from o2c_devtools.tansu import TansuBroker as _Broker
from tests.support.needs import KAFKA, require


class TansuBroker(_Broker):
    """A broker on a fixed loopback port that only a test marked ``kafka`` may start."""

    def start(self, timeout: float = 10.0) -> None:
        """Start the broker and wait until it accepts connections."""
        require(KAFKA)
        super().start(timeout)


__all__ = ["TansuBroker"]
