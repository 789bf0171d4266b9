"""Configuration from the environment (``O2C_*``), with defaults that run on a laptop."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from o2c.domain.dunning import DEFAULT_LEVELS, DunningPolicy
from o2c.events.envelope import DEFAULT_PUBLIC_URL

ROLES = ("clerk", "credit", "auditor", "admin")


@dataclass(frozen=True)
class Settings:
    """Every knob o2c reads; built once by the composition root."""

    event_store_url: str = "sqlite:///./o2c-data/events.db"
    read_store_url: str = "sqlite:///./o2c-data/read.db"
    kafka_bootstrap: str | None = None
    api_tokens: dict[str, str] = field(default_factory=dict)
    dunning_levels: tuple[int, ...] = DEFAULT_LEVELS
    kafka_partitions: int = 6
    kafka_group: str = "o2c-projector"
    log_format: str = "auto"
    log_level: str = "INFO"
    # Events between two snapshots of an account: loading one costs at most this many events
    # past its snapshot; a snapshot of a big account costs a write of its open items.
    snapshot_interval: int = 500
    # Host patterns (fnmatch, e.g. "*.example.com") a webhook URL may point to.
    webhook_allow: tuple[str, ...] = ("127.0.0.1", "localhost")
    # Base of absolute URLs handed to others (CloudEvents ``dataschema``, schema ``$id``).
    public_url: str = DEFAULT_PUBLIC_URL

    @property
    def embedded(self) -> bool:
        """No Kafka configured: projections run in-process."""
        return not self.kafka_bootstrap

    @property
    def dunning_policy(self) -> DunningPolicy:
        """The configured reminder levels."""
        return DunningPolicy(self.dunning_levels)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read ``O2C_*`` variables."""
        env = os.environ if env is None else env
        defaults = cls()
        return cls(
            event_store_url=env.get("O2C_EVENT_STORE_URL", defaults.event_store_url),
            read_store_url=env.get("O2C_READ_STORE_URL", defaults.read_store_url),
            kafka_bootstrap=env.get("O2C_KAFKA_BOOTSTRAP") or None,
            api_tokens=parse_tokens(env.get("O2C_API_TOKENS", "")),
            dunning_levels=DunningPolicy.parse(env["O2C_DUNNING_LEVELS"]).levels
            if env.get("O2C_DUNNING_LEVELS")
            else DEFAULT_LEVELS,
            kafka_partitions=int(env.get("O2C_KAFKA_PARTITIONS", defaults.kafka_partitions)),
            kafka_group=env.get("O2C_KAFKA_GROUP", defaults.kafka_group),
            log_format=env.get("O2C_LOG_FORMAT", defaults.log_format),
            log_level=env.get("O2C_LOG_LEVEL", defaults.log_level),
            snapshot_interval=_positive_int(
                env.get("O2C_SNAPSHOT_INTERVAL"),
                defaults.snapshot_interval,
                "O2C_SNAPSHOT_INTERVAL",
            ),
            webhook_allow=_host_patterns(env["O2C_WEBHOOK_ALLOW"])
            if "O2C_WEBHOOK_ALLOW" in env
            else defaults.webhook_allow,
            public_url=(env.get("O2C_PUBLIC_URL") or defaults.public_url).rstrip("/"),
        )


def _host_patterns(text: str) -> tuple[str, ...]:
    """``"127.0.0.1, localhost,*.example.com"`` → lower-cased patterns; empty allows no host."""
    return tuple(p.strip().lower() for p in text.split(",") if p.strip())


def _positive_int(text: str | None, default: int, name: str) -> int:
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, not {text!r}")
    return value


def parse_tokens(text: str) -> dict[str, str]:
    """``"tokenA:admin,tokenB:auditor"`` → ``{token: role}``; unknown roles are an error."""
    tokens: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        token, sep, role = part.rpartition(":")
        if not sep or not token or role not in ROLES:
            raise ValueError(
                f"bad O2C_API_TOKENS entry {part!r} (want token:role, role in {ROLES})"
            )
        tokens[token] = role
    return tokens
