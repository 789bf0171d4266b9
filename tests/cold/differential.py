"""The uninterrupted run the cold tier compares with: the book in one process, and a diff."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from o2c.api.app import create_app
from o2c.bootstrap import build_container
from o2c.config import Settings
from tests.cold.processes import ADMIN_KEY
from tests.cold.scenario import Book


class WarmApi:
    """The scenario's API over a TestClient in this process: the uninterrupted run."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {ADMIN_KEY}"}

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.client.post(path, json=body, headers=self.headers)
        assert answer.status_code in (200, 201), f"POST {path}: {answer.text}"
        data: dict[str, Any] = answer.json()
        return data

    def refused(self, path: str, body: dict[str, Any]) -> tuple[int, str]:
        answer = self.client.post(path, json=body, headers=self.headers)
        assert answer.status_code >= 400, f"POST {path} was accepted: {answer.text}"
        return answer.status_code, str(answer.json().get("type"))

    def post_file(self, path: str, data: bytes) -> dict[str, Any]:
        headers = {**self.headers, "Content-Type": "application/octet-stream"}
        answer = self.client.post(path, content=data, headers=headers)
        assert answer.status_code in (200, 201), f"POST {path}: {answer.text}"
        body: dict[str, Any] = answer.json()
        return body

    def get(self, path: str, **params: Any) -> Any:
        answer = self.client.get(path, params=params, headers=self.headers)
        assert answer.status_code == 200, f"GET {path}: {answer.text}"
        return answer.json()


def uninterrupted(url: str) -> dict[str, Any]:
    """The book's figures from one process that ran every command (default snapshot interval)."""
    settings = Settings(event_store_url=url, read_store_url=url, api_tokens={ADMIN_KEY: "admin"})
    container = build_container(settings)
    try:
        with TestClient(create_app(container), raise_server_exceptions=False) as client:
            api, book = WarmApi(client), Book()
            for step in book.steps():
                step(api)
            return book.figures(api)
    finally:
        container.close()


def differences(expected: Any, found: Any, path: str = "") -> list[str]:
    """Each leaf where ``found`` differs from ``expected``, as ``path: expected != found``."""
    if isinstance(expected, dict) and isinstance(found, dict):
        return [
            line
            for key in sorted(expected.keys() | found.keys())
            for line in differences(expected.get(key), found.get(key), f"{path}/{key}")
        ]
    if isinstance(expected, list) and isinstance(found, list) and len(expected) == len(found):
        return [
            line
            for n, (e, f) in enumerate(zip(expected, found, strict=True))
            for line in differences(e, f, f"{path}[{n}]")
        ]
    return [] if expected == found else [f"{path}: {expected!r} != {found!r}"]
