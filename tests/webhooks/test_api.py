"""The subscription API: what it answers, what it refuses (allow-list, types, roles, ids), the
settings it reads, and the ``o2c webhooks`` command line."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from o2c.cli.main import main
from o2c.config import Settings
from o2c.events.catalog import CATALOG
from o2c.webhooks.rules import url_refusal
from tests.api.conftest import auth
from tests.webhooks.conftest import Hooks, sqlite_settings
from tests.webhooks.receiver import Receiver

MISSING = "00000000-0000-4000-8000-000000000000"


def _create(hooks: Hooks, body: dict[str, Any], role: str = "admin") -> tuple[int, Any]:
    response = hooks.client.post("/v1/webhooks", json=body, headers=auth(role))
    return response.status_code, response.json() if response.content else None


def test_create_answers_the_secret_once(hooks: Hooks) -> None:
    cid = hooks.world.account()
    status, created = _create(
        hooks,
        {"url": "http://localhost:9/in", "types": ["o2c.invoice.*"], "customer_id": str(cid)},
    )
    assert status == 201
    assert set(created) == {
        "webhook_id",
        "secret",
        "url",
        "types",
        "customer_id",
        "position",
        "created_at",
    }
    assert created["secret"].startswith("whsec_")
    assert len(base64.b64decode(created["secret"].removeprefix("whsec_"))) == 32
    assert created["position"] == hooks.container.store.last_position()
    assert (created["types"], created["customer_id"]) == (["o2c.invoice.*"], str(cid))
    shown = hooks.client.get(f"/v1/webhooks/{created['webhook_id']}", headers=auth("clerk"))
    assert shown.status_code == 200 and "secret" not in shown.json()
    listed = hooks.client.get("/v1/webhooks?limit=1", headers=auth("auditor")).json()
    assert [w["webhook_id"] for w in listed["items"]] == [created["webhook_id"]]
    assert "secret" not in listed["items"][0] and listed["next"] is None


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",
        "http://127.0.0.1.example.com/hook",
        "http://127.0.0.1@example.com/hook",
        "ftp://127.0.0.1/hook",
        "file:///etc/passwd",
        "127.0.0.1/hook",
        "http:///hook",
        "http://127.0.0.1:99999/hook",
    ],
)
def test_a_url_outside_the_allow_list_is_refused(hooks: Hooks, url: str) -> None:
    status, problem = _create(hooks, {"url": url, "types": ["o2c.*"]})
    assert (status, problem["type"]) == (422, "https://o2c.dev/problems/webhook-url-not-allowed")


def test_host_patterns() -> None:
    allow = ("127.0.0.1:*", "localhost:*", "*.example.com")
    assert url_refusal("https://hooks.example.com/x", allow) is None
    assert url_refusal("http://LOCALHOST:8080/x", allow) is None
    assert url_refusal("https://example.com.evil.org/x", allow) is not None
    assert url_refusal("https://example.com/x", allow) is not None
    assert url_refusal("http://127.0.0.1/x", ()) is not None


def test_an_entry_admits_its_ports_only() -> None:
    allow = ("*.example.com", "localhost:9000", "127.0.0.1:8000-8099", "[::1]:*")
    assert url_refusal("https://hooks.example.com/x", allow) is None
    assert url_refusal("http://hooks.example.com/x", allow) is None
    assert url_refusal("https://hooks.example.com:443/x", allow) is None
    refusal = url_refusal("https://hooks.example.com:8443/x", allow)
    assert refusal is not None and refusal.startswith("port 8443 of host 'hooks.example.com'")
    assert url_refusal("http://hooks.example.com:443/x", allow) is not None
    assert url_refusal("http://localhost:9000/x", allow) is None
    assert url_refusal("http://localhost:9001/x", allow) is not None
    assert url_refusal("http://localhost/x", allow) is not None
    assert url_refusal("http://127.0.0.1:8000/x", allow) is None
    assert url_refusal("http://127.0.0.1:8099/x", allow) is None
    assert url_refusal("http://127.0.0.1:8100/x", allow) is not None
    assert url_refusal("http://[::1]:5432/x", allow) is None
    assert url_refusal("http://[::2]:80/x", allow) is not None


def test_the_default_allow_list_keeps_loopback_services_out() -> None:
    allow = Settings.from_env({}).webhook_allow
    for url in ("http://localhost:5432/x", "http://127.0.0.1:6379/x", "http://127.0.0.1/x"):
        refusal = url_refusal(url, allow)
        assert refusal is not None and refusal.startswith("port "), url
    for url in ("http://localhost:8080/x", "http://127.0.0.1:8999/hook"):
        assert url_refusal(url, allow) is None, url
    assert url_refusal("http://10.0.0.1:8080/x", allow) is not None


@pytest.mark.parametrize(
    "entry", ["localhost:abc", "localhost:9-3", "localhost:0", "localhost:70000", "[::1", ":80"]
)
def test_a_malformed_allow_list_entry_stops_start_up(entry: str) -> None:
    with pytest.raises(ValueError, match="webhook_allow"):
        Settings.from_env({"O2C_WEBHOOK_ALLOW": f"127.0.0.1:8080,{entry}"})


def test_a_port_outside_the_allow_list_is_refused_by_the_api(
    tmp_path: Path, receiver: Receiver
) -> None:
    hooks = Hooks(sqlite_settings(tmp_path, webhook_allow=("localhost:8000-8999",)), receiver)
    try:
        status, problem = _create(hooks, {"url": "http://localhost:5432/x", "types": ["o2c.*"]})
        assert (status, problem["code"]) == (422, "webhook-url-not-allowed")
        assert "port 5432" in problem["detail"]
        assert _create(hooks, {"url": "http://localhost:8080/x", "types": ["o2c.*"]})[0] == 201
    finally:
        hooks.close()


def test_only_the_admin_sees_credentials_and_query_values(hooks: Hooks) -> None:
    url = "http://hook:pa55word@127.0.0.1:9/in?token=s3cret&tenant=acme&bare#frag"
    status, created = _create(hooks, {"url": url, "types": ["o2c.*"]})
    assert status == 201 and created["url"] == url
    one = f"/v1/webhooks/{created['webhook_id']}"
    shown = "http://***@127.0.0.1:9/in?token=***&tenant=***&***#***"
    for role in ("clerk", "credit", "auditor"):
        single = hooks.client.get(one, headers=auth(role))
        listed = hooks.client.get("/v1/webhooks", headers=auth(role))
        assert single.json()["url"] == shown, role
        assert [w["url"] for w in listed.json()["items"]] == [shown], role
        for text in (single.text, listed.text):
            assert "pa55word" not in text and "s3cret" not in text and "acme" not in text
    assert hooks.client.get(one, headers=auth("admin")).json()["url"] == url
    listed = hooks.client.get("/v1/webhooks", headers=auth("admin")).json()
    assert [w["url"] for w in listed["items"]] == [url]
    plain = "http://127.0.0.1:9/plain"
    _, other = _create(hooks, {"url": plain, "types": ["o2c.*"]})
    other_view = hooks.client.get(f"/v1/webhooks/{other['webhook_id']}", headers=auth("clerk"))
    assert other_view.json()["url"] == plain


def test_unknown_or_internal_types_and_bad_bodies_are_refused(hooks: Hooks) -> None:
    internal = next(s.cloud_type for s in CATALOG if s.internal)
    url = "http://127.0.0.1:9/x"
    for types in (["o2c.nope.*"], [internal], ["o2c.invoice.*", "o2c.invoice.issued.v9"]):
        status, problem = _create(hooks, {"url": url, "types": types})
        assert (status, problem["code"]) == (422, "unknown-event-type"), types
    for body in (
        {"url": url, "types": []},
        {"url": url},
        {"types": ["o2c.*"]},
        {"url": url, "types": ["o2c.*"], "secret": "mine"},
        {"url": url, "types": "o2c.*"},
        {"url": url, "types": ["o2c.*"], "customer_id": "nope"},
        {"url": "http://127.0.0.1/\u0000", "types": ["o2c.*"]},
    ):
        assert _create(hooks, body)[0] == 422, body
    status, problem = _create(hooks, {"url": url, "types": ["o2c.*"], "customer_id": MISSING})
    assert (status, problem["code"]) == (404, "customer-not-found")


def test_roles(hooks: Hooks) -> None:
    body = {"url": "http://127.0.0.1:9/x", "types": ["o2c.*"]}
    for role in ("clerk", "credit", "auditor"):
        assert _create(hooks, body, role)[0] == 403
    assert hooks.client.post("/v1/webhooks", json=body).status_code == 401
    status, created = _create(hooks, body)
    assert status == 201
    one = f"/v1/webhooks/{created['webhook_id']}"
    for role in ("clerk", "credit", "auditor"):
        assert hooks.client.get(one + "/deliveries", headers=auth(role)).status_code == 200
        assert hooks.client.get(one, headers=auth(role)).status_code == 200
        assert hooks.client.delete(one, headers=auth(role)).status_code == 403
        replay = hooks.client.post(one + "/replay", json={"from_position": 1}, headers=auth(role))
        assert replay.status_code == 403
    assert hooks.client.get(one + "/deliveries").status_code == 401


def test_unknown_ids_and_bad_paging(hooks: Hooks) -> None:
    for method, path in (
        ("GET", f"/v1/webhooks/{MISSING}"),
        ("GET", f"/v1/webhooks/{MISSING}/deliveries"),
        ("DELETE", f"/v1/webhooks/{MISSING}"),
    ):
        response = hooks.client.request(method, path, headers=auth("admin"))
        assert (response.status_code, response.json()["code"]) == (404, "webhook-not-found")
        assert response.headers["content-type"] == "application/problem+json"
    assert hooks.client.get("/v1/webhooks/42", headers=auth("admin")).status_code == 422
    _, created = _create(hooks, {"url": "http://127.0.0.1:9/x", "types": ["o2c.*"]})
    deliveries = f"/v1/webhooks/{created['webhook_id']}/deliveries"
    for query in ("?limit=1001", "?limit=0", "?after=%%%", "?after=WyJ4Il0="):
        response = hooks.client.get(deliveries + query, headers=auth("admin"))
        assert response.status_code == 422, query


def test_settings_read_the_allow_list_and_the_public_url() -> None:
    default = Settings.from_env({})
    assert default.webhook_allow == ("127.0.0.1:8000-8999", "localhost:8000-8999")
    assert default.public_url == "http://127.0.0.1:8000"
    custom = Settings.from_env(
        {"O2C_WEBHOOK_ALLOW": " 127.0.0.1, *.Example.com ,", "O2C_PUBLIC_URL": "https://ar.x/"}
    )
    assert custom.webhook_allow == ("127.0.0.1", "*.example.com")
    assert custom.public_url == "https://ar.x"
    assert Settings.from_env({"O2C_WEBHOOK_ALLOW": ""}).webhook_allow == ()


def test_command_line_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["webhooks", "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert "last acknowledged position" in text and "--retry-cap" in text
    assert main(["webhooks", "--retry-base=5", "--retry-cap=1"]) == 2
