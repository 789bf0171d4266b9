"""Configuration from the environment (``O2C_*``), typed and documented in one place.

Every field reads the variable ``O2C_<FIELD NAME>``; the defaults run on a laptop. Lists travel as
comma-separated text (``O2C_DUNNING_LEVELS=1,15,30``), not JSON, as operators write them.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from o2c.domain.dunning import DEFAULT_LEVELS, DEFAULT_PROMISE_GRACE_DAYS, DunningPolicy
from o2c.domain.tax import DEFAULT_RATES, TaxPolicy, TaxRates
from o2c.events.envelope import DEFAULT_PUBLIC_URL
from o2c.identity.api_keys import ROLES, ApiKey, parse_keys
from o2c.ledger.postings import DEFAULT_CHART, Role, parse_chart
from o2c.webhooks.rules import parse_allow

__all__ = ["ROLES", "Settings"]

_PREFIX = "O2C_"
# Loopback on the ports local web servers use (a receiver such as the README's, on 8080), not on
# those of the databases and brokers that often run beside them (5432, 6379, 9092).
DEFAULT_WEBHOOK_ALLOW = ("127.0.0.1:8000-8999", "localhost:8000-8999")


def _comma_list(value: Any) -> Any:
    if isinstance(value, str):
        return tuple(p.strip() for p in value.split(",") if p.strip())
    return value


class Settings(BaseSettings):
    """Every knob o2c reads; built once by the composition root."""

    # Errors never echo a value: keys and database URLs with passwords travel in these variables.
    model_config = SettingsConfigDict(
        env_prefix=_PREFIX, frozen=True, extra="ignore", hide_input_in_errors=True
    )

    event_store_url: str = Field(
        "sqlite:///./o2c-data/events.db", description="event store: sqlite:/// or postgresql://"
    )
    read_store_url: str = Field(
        "sqlite:///./o2c-data/read.db", description="read models: sqlite:/// or postgresql://"
    )
    kafka_bootstrap: str | None = Field(
        None, description="host:port,… of Kafka; unset = embedded mode (projections in-process)"
    )
    api_tokens: Annotated[tuple[ApiKey, ...], NoDecode] = Field(
        (),
        description="API keys, token:role[:holder name],… (roles clerk, credit, auditor, admin); "
        "events name the holder, or <role>-key-<n>",
    )
    oidc_issuer: str | None = Field(
        None, description="OpenID Connect issuer URL; set, bearer tokens from it are accepted"
    )
    oidc_audience: str | None = Field(
        None, description="the `aud` a JWT access token must carry (this API's client id)"
    )
    oidc_roles_claim: str = Field("roles", description="claim listing a person's o2c roles")
    oidc_client_id: str | None = Field(
        None,
        description="client id of the dashboard's login (code flow with PKCE); unset = the "
        "audience",
    )
    oidc_client_secret: SecretStr | None = Field(
        None, description="secret of that client; unset = a public client"
    )
    cors_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="origins a browser may call the API from (none by default)"
    )
    dunning_levels: Annotated[tuple[int, ...], NoDecode] = Field(
        DEFAULT_LEVELS, description="days past due of each reminder level"
    )
    promise_grace_days: int = Field(
        DEFAULT_PROMISE_GRACE_DAYS,
        ge=0,
        le=365,
        description="days after a promised date before a promise to pay counts as broken",
    )
    dunning_fees: Annotated[tuple[Decimal, ...], NoDecode] = Field(
        (),
        description="reminder fee per dunning level, in the account's currency (e.g. 0,5,10); "
        "none by default",
    )
    late_interest_rate: Decimal | None = Field(
        None,
        ge=0,
        le=100,
        description="annual late-payment interest in percent (e.g. 9.12); none by default",
    )
    tax_rates: str = Field(
        DEFAULT_RATES,
        description="VAT rates charged, CATEGORY=PERCENT pairs; the first S is the standard rate",
    )
    write_off_tax_relief: bool = Field(
        True, description="a write-off reclaims its tax part (bad-debt relief)"
    )
    projections: Literal["in-process", "own-process"] = Field(
        "in-process",
        description="without Kafka, who follows the event log into the read models: every "
        "serving process (in-process), or `o2c project` beside them (own-process; serving "
        "processes then only read)",
    )
    kafka_partitions: int = Field(6, ge=1, description="partitions of the topics o2c creates")
    kafka_group: str = Field("o2c-projector", description="consumer group of the projectors")
    log_format: str = Field("auto", description="json, text, or auto (text on a terminal)")
    log_level: str = Field("INFO", description="logging level")
    # Events between two snapshots of an account: loading one costs at most this many events
    # past its snapshot; a snapshot of a big account costs a write of its open items.
    snapshot_interval: int = Field(500, ge=1, description="events between account snapshots")
    group_commit: bool = Field(
        True,
        description="write the saves of concurrent commands in one PostgreSQL transaction "
        "(a lone command is written at once, as without it)",
    )
    webhook_allow: Annotated[tuple[str, ...], NoDecode] = Field(
        DEFAULT_WEBHOOK_ALLOW,
        description="where a webhook URL may point: host[:port|:low-high|:*],… (host an fnmatch "
        "pattern such as *.example.com; without a port only 80 for http and 443 for https)",
    )
    gl_accounts: Annotated[dict[Role, tuple[str, str]], NoDecode] = Field(
        default_factory=lambda: dict(DEFAULT_CHART),
        description="chart of accounts: role=number[:name],… over the defaults receivable=1100, "
        "revenue=4000, bank=1000, unapplied=2100, discounts=4900, credit_notes=4100, "
        "bad_debt=6800",
    )
    max_body_bytes: int = Field(
        1024 * 1024,
        ge=1,
        description="largest request body in bytes (a JSON command); larger is refused with 413",
    )
    max_statement_bytes: int = Field(
        50 * 1024 * 1024,
        ge=1,
        description="largest bank statement file `POST /v1/bank-statements` takes, in bytes",
    )
    smtp_url: SecretStr | None = Field(
        None,
        description="SMTP server letters are sent through: smtp://user:pass@host:587?starttls=true "
        "(smtps:// for TLS from the start); unset = letters are written to the outbox directory",
    )
    mail_from: str = Field("o2c@localhost", description="From address of the letters o2c sends")
    outbox_dir: str = Field(
        "./o2c-data/outbox", description="where letters go as .eml files when no SMTP is set"
    )
    delivery_max_attempts: int = Field(
        5, ge=1, description="attempts at sending a letter before it is failed for good"
    )
    delivery_retry_base: float = Field(
        30.0, gt=0, description="seconds before the 2nd attempt; doubled for each next one"
    )
    delivery_retry_cap: float = Field(3600.0, gt=0, description="longest wait between attempts")
    delivery_lease: float = Field(
        120.0,
        gt=0,
        description="seconds a worker holds a letter it is sending; one whose worker died is "
        "sent again after it (with the same Message-ID)",
    )
    timezone: str = Field(
        "UTC", description='IANA time zone the business day ("today") is judged in'
    )
    public_url: str = Field(
        DEFAULT_PUBLIC_URL,
        description="base of absolute URLs handed to others (CloudEvents dataschema, $id); "
        "unset, `o2c serve` uses its own --host and --port",
    )

    @field_validator("api_tokens", mode="before")
    @classmethod
    def _keys(cls, value: Any) -> tuple[ApiKey, ...]:
        return parse_keys(value)

    @field_validator("gl_accounts", mode="before")
    @classmethod
    def _chart(cls, value: Any) -> Any:
        return parse_chart(value) if isinstance(value, str) else value

    @field_validator("dunning_levels", mode="before")
    @classmethod
    def _levels(cls, value: Any) -> Any:
        return DunningPolicy.parse(value).levels if isinstance(value, str) else value

    @field_validator("dunning_fees", mode="before")
    @classmethod
    def _fees(cls, value: Any) -> Any:
        listed = _comma_list(value)
        if isinstance(listed, tuple):
            try:
                fees = tuple(Decimal(p) for p in listed)
            except InvalidOperation as exc:
                raise ValueError(f"bad dunning fees {value!r} (amounts such as 0,5,10)") from exc
            if any(not fee.is_finite() or fee < 0 for fee in fees):
                raise ValueError(f"dunning fees must be amounts of 0 or more, not {value!r}")
            return fees
        return listed

    @field_validator("late_interest_rate", mode="before")
    @classmethod
    def _no_rate(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("webhook_allow", mode="before")
    @classmethod
    def _hosts(cls, value: Any) -> Any:
        listed = _comma_list(value)
        if isinstance(listed, tuple | list):
            parse_allow(listed)  # a malformed entry stops start-up, naming the entry
            return tuple(p.strip().lower() for p in listed)
        return listed

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: Any) -> Any:
        return _comma_list(value)

    @field_validator("timezone", mode="after")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as UTC)") from exc
        return value

    @field_validator("public_url", "oidc_issuer", mode="after")
    @classmethod
    def _no_trailing_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @field_validator(
        "kafka_bootstrap",
        "oidc_issuer",
        "oidc_audience",
        "oidc_client_id",
        "oidc_client_secret",
        "smtp_url",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if value == "" else value

    @model_validator(mode="after")
    def _issuer_needs_audience(self) -> Settings:
        # Without an audience check, any token the issuer signed for any other application
        # would be accepted here.
        if self.oidc_issuer and not self.oidc_audience:
            raise ValueError("O2C_OIDC_ISSUER needs O2C_OIDC_AUDIENCE (this API's client id)")
        return self

    def serving_at(self, host: str, port: int) -> Settings:
        """These settings for a server listening on ``host``:``port``: unless ``O2C_PUBLIC_URL``
        was set, the public URL is that address (loopback for a wildcard bind, whose public name
        only the operator knows), so the schema links in events resolve on a laptop."""
        if "public_url" in self.model_fields_set:
            return self
        if host in ("", "0.0.0.0", "::"):
            host = "127.0.0.1"
        shown = f"[{host}]" if ":" in host else host
        return self.model_copy(update={"public_url": f"http://{shown}:{port}"})

    @property
    def embedded(self) -> bool:
        """No Kafka configured: projections run in-process."""
        return not self.kafka_bootstrap

    @property
    def dunning_policy(self) -> DunningPolicy:
        """The configured reminder levels."""
        return DunningPolicy(
            self.dunning_levels,
            promise_grace_days=self.promise_grace_days,
            fees=self.dunning_fees,
            interest_rate=self.late_interest_rate,
        )

    @property
    def tax_policy(self) -> TaxPolicy:
        """The configured VAT rates and bad-debt relief."""
        return TaxPolicy(TaxRates.parse(self.tax_rates), self.write_off_tax_relief)

    @field_validator("tax_rates")
    @classmethod
    def _rates(cls, value: str) -> str:
        TaxRates.parse(value)
        return value

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the ``O2C_*`` variables of the process, or of ``env`` only (tests)."""
        if env is None:
            return cls()
        fields = {
            name[len(_PREFIX) :].lower(): value
            for name, value in env.items()
            if name.startswith(_PREFIX) and name[len(_PREFIX) :].lower() in cls.model_fields
        }
        return cls.model_validate(fields)
