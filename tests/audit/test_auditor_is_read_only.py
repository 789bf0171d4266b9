"""An auditor token is refused by every command endpoint the application exposes."""

from __future__ import annotations

import re
from uuid import uuid4

from fastapi.testclient import TestClient

from tests.api.conftest import auth

_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def command_routes(client: TestClient) -> list[tuple[str, str]]:
    """Every (method, path) in the OpenAPI document that can change something, ids filled in."""
    paths = client.get("/openapi.json").json()["paths"]
    found = []
    for template, operations in sorted(paths.items()):
        if template.startswith("/v1/audit/"):
            continue
        path = re.sub(r"\{[^}]+\}", str(uuid4()), template)
        found += [(m.upper(), path) for m in operations if m.upper() in _WRITES]
    return found


def test_auditor_gets_403_on_every_command_endpoint(client: TestClient) -> None:
    routes = command_routes(client)
    assert len(routes) >= 10  # the whole command surface is actually enumerated
    before = client.post("/v1/audit/verify", headers=auth("auditor")).json()["checked"]
    for method, path in routes:
        response = client.request(method, path, json={}, headers=auth("auditor"))
        assert response.status_code == 403, (method, path, response.status_code)
    after = client.post("/v1/audit/verify", headers=auth("auditor")).json()["checked"]
    assert after == before  # and nothing was recorded
