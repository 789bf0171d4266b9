"""Who the caller is, and which commands its roles allow (``GET /v1/me``).

A client such as the dashboard shows only the actions its user may take, and says why one is
not offered, without keeping a copy of the role rules: the answer is read from the routes'
own role checks, so it cannot drift from what the API enforces.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from fastapi import APIRouter, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from typing_extensions import TypedDict

from o2c.api.auth import Reader, RoleCheck
from o2c.identity.principal import Principal

router = APIRouter(prefix="/v1", tags=["identity"])

COMMAND_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class CommandRight(TypedDict):
    """One command route: the roles it needs and whether the caller holds one of them."""

    method: str
    path: str
    roles: list[str]
    allowed: bool


class Me(TypedDict):
    """The caller as the audit trail names it, its roles and its command rights."""

    actor: str
    roles: list[str]
    via: str
    commands: list[CommandRight]


def _role_checks(dependant: Dependant) -> Iterator[RoleCheck]:
    for sub in dependant.dependencies:
        if isinstance(sub.call, RoleCheck):
            yield sub.call
        yield from _role_checks(sub)


def command_roles(routers: Iterable[APIRouter]) -> list[tuple[str, str, frozenset[str]]]:
    """Every command route of ``routers`` with the roles it needs, by path then method."""
    found = []
    for r in routers:
        for route in r.routes:
            if not isinstance(route, APIRoute):
                continue
            checks = list(_role_checks(route.dependant))
            if not checks:
                continue  # a public route, or one that takes no bearer token
            needed = frozenset.intersection(*(c.roles for c in checks))
            for method in sorted((route.methods or set()) & set(COMMAND_METHODS)):
                found.append((method, route.path, needed))
    found.sort(key=lambda r: (r[1], r[0]))
    return found


def rights_of(who: Principal, request: Request) -> list[CommandRight]:
    """What ``who`` may and may not do, command by command."""
    return [
        CommandRight(method=method, path=path, roles=sorted(roles), allowed=who.holds_any(roles))
        for method, path, roles in request.app.state.command_roles
    ]


@router.get("/me", summary="The caller and what its roles allow")
def me(who: Reader, request: Request) -> Me:
    """The actor recorded for the caller's commands, its roles, and for every command route
    (`method`, `path` as in the OpenAPI document) the roles it needs and whether the caller
    holds one (`allowed`). Any role may ask."""
    return Me(
        actor=who.actor,
        roles=sorted(who.roles),
        via=who.via,
        commands=rights_of(who, request),
    )
