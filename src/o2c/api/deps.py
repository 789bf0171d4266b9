"""Request-scoped dependencies: the container, the command context and read-your-writes."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request
from pydantic import Field, create_model

from o2c.api.problems import Problem
from o2c.application.context import CommandContext
from o2c.application.results import Result
from o2c.application.service import CommandResult, O2CService, result_type
from o2c.bootstrap import Container
from o2c.commands import Command
from o2c.identity.principal import Principal
from o2c.projections.queries import ReadQueries

MIN_POSITION_WAIT = 5.0


def container(request: Request) -> Container:
    """The process's container."""
    c: Container = request.app.state.container
    return c


def _uuid_header(request: Request, name: str) -> UUID | None:
    value = request.headers.get(name)
    if not value:
        return None
    try:
        return UUID(value)
    except ValueError as exc:
        raise Problem(422, "invalid-header", f"{name} must be a UUID") from exc


def context(request: Request, principal: Principal) -> CommandContext:
    """Actor, idempotency key, correlation and causation ids of a command request."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and not 1 <= len(key) <= 200:
        raise Problem(422, "invalid-header", "Idempotency-Key must be 1-200 characters")
    return CommandContext(
        actor=principal.actor,
        idempotency_key=key,
        correlation_id=_uuid_header(request, "X-Correlation-Id"),
        causation_id=_uuid_header(request, "X-Causation-Id"),
    )


def command_service(request: Request) -> O2CService:
    """Dependency: the application service commands go to (tests may override it)."""
    return container(request).service


Service = Annotated[O2CService, Depends(command_service)]


def run(
    request: Request, principal: Principal, cmd: Command, service: O2CService
) -> dict[str, Any]:
    """Run a command and return its body with the consistency ``position``."""
    result: CommandResult = service.handle(cmd, context(request, principal))
    metrics = getattr(request.app.state, "metrics", None)
    if metrics is not None:
        metrics.command(type(cmd).__name__, "replayed" if result.replayed else "ok")
    return {**result.body, "position": result.position}


@cache
def _positioned(result: type[Result]) -> type[Result]:
    name = result.__name__.removesuffix("Result") + "Answer"
    return create_model(
        name,
        __base__=result,
        __doc__=f"{result.__doc__}\n\nWith the log position the command reached.",
        position=(int, Field(description="pass as `min_position` to read your own write")),
    )


def answer(cmd_type: type[Command]) -> type[Result]:
    """The response model of a route running ``cmd_type``: its handler's result and the
    ``position``. Derived from the handler, so a field it adds is declared with it."""
    return _positioned(result_type(cmd_type))


def read_side(request: Request, min_position: int | None) -> ReadQueries:
    """The read side, after waiting (bounded) for ``min_position``."""
    c = container(request)
    if c.read is None:
        raise Problem(503, "read-side-unavailable", "no read models in this process")
    if min_position is not None and min_position > c.store.last_position():
        # A position no command has produced yet is a client error, not something to wait for.
        raise Problem(
            422, "unknown-position", f"position {min_position} is beyond the end of the event log"
        )
    if min_position is not None and min_position > 0:
        wait = getattr(c.read, "wait_for", None)
        if wait is not None and not wait(min_position, MIN_POSITION_WAIT):
            raise Problem(
                503,
                "read-model-behind",
                f"read models have not reached position {min_position} yet",
            )
    return c.read.queries
