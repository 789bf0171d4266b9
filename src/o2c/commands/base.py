"""Base class of all commands."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Reason = Annotated[str, Field(min_length=1, max_length=500, examples=["customer request"])]
Text = Annotated[str, Field(max_length=200)]
# Amounts travel as strings ("1250.00"); the currency check happens in the domain.
Amount = Annotated[Decimal, Field(examples=["1250.00"], allow_inf_nan=False)]


class Command(BaseModel):
    """An immutable request to change state; unknown fields are an error, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)
