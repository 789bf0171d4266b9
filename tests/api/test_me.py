"""``GET /v1/me``: the caller, its roles, and which commands those roles allow, read from the
routes' own checks; each answer is held against what the API then does with the call."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import auth
from tests.api.test_errors_and_rbac import ENDPOINTS, ROLES
from tests.api.test_errors_and_rbac import ID as MATRIX_ID

ID = str(uuid.UUID(int=0x3E))


def me(client: TestClient, role: str) -> dict[str, Any]:
    answer = client.get("/v1/me", headers=auth(role))
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_it_needs_a_token_and_names_the_caller(client: TestClient) -> None:
    assert client.get("/v1/me").status_code == 401
    for role in ROLES:
        body = me(client, role)
        assert body["roles"] == [role]
        assert body["actor"] == f"{role}-key-1" and body["via"] == "api-key"


@pytest.mark.parametrize("role", ROLES)
def test_the_rights_agree_with_the_role_matrix(client: TestClient, role: str) -> None:
    rights = {(c["method"], c["path"]): c for c in me(client, role)["commands"]}
    for method, path, owner in ENDPOINTS:
        if method != "post":
            continue
        template = path.replace(MATRIX_ID, "{x}")
        [right] = [
            r
            for (m, p), r in rights.items()
            if m == "POST" and re.sub(r"\{[a-z_]+\}", "{x}", p) == template
        ]
        assert right["allowed"] is (role in (owner, "admin")), (role, path)
        assert set(right["roles"]) == {owner, "admin"}


@pytest.mark.parametrize("role", ROLES)
def test_every_command_refuses_exactly_whom_it_says(client: TestClient, role: str) -> None:
    """Not a copy of the rules: each listed command is called, and answers 403 exactly when
    ``allowed`` is false."""
    commands = me(client, role)["commands"]
    assert len(commands) >= 30
    for command in commands:
        path = re.sub(r"\{[a-z_]+\}", ID, command["path"])
        answer = client.request(command["method"], path, json={}, headers=auth(role))
        refused = answer.status_code == 403
        assert refused is not command["allowed"], (role, command, answer.text)
