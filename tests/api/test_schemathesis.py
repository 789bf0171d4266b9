"""Property-based API fuzzing (schemathesis) against the app's own /openapi.json.

Every operation gets generated requests with an admin token; no response may be a 5xx, and every
response must match the schema the app itself publishes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from o2c.api.app import create_app
from o2c.bootstrap import build_container
from o2c.config import Settings

TOKENS = {"t-admin": "admin"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    base: Path = tmp_path_factory.mktemp("fuzz")
    settings_ = Settings(
        event_store_url=f"sqlite:///{base / 'e.db'}",
        read_store_url=f"sqlite:///{base / 'r.db'}",
        api_tokens=TOKENS,
    )
    container = build_container(settings_)
    try:
        yield create_app(container)
    finally:
        container.close()


def test_no_server_errors_and_responses_match_their_schema(app: FastAPI) -> None:
    api = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in api.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def exercise(case: schemathesis.Case) -> None:
            response = case.call(headers={"Authorization": "Bearer t-admin"})
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code}")
            case.validate_response(
                response, checks=[not_a_server_error, response_schema_conformance]
            )

        exercise()
    assert operations >= 30
    assert not failures
