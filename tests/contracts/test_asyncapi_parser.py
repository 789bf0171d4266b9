"""The served AsyncAPI document passes the official AsyncAPI parser (``@asyncapi/parser``).

The parser runs in Node (tests/contracts/asyncapi/check.mjs, installed by ``make test``) against
a real uvicorn server: every ``$ref`` of the document is an absolute ``{public_url}/v1/schemas/…``
URL, so the parser resolves them over HTTP from the same server, without a token.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import pytest
import uvicorn

from o2c.api.app import create_app
from o2c.bootstrap import build_container
from o2c.config import Settings
from o2c.contracts.schemas import public_specs
from o2c.events.catalog import DLQ_TOPIC, JOURNAL_TOPIC, PUBLIC_TOPICS
from tests.support.ports import free_port

HERE = Path(__file__).parent / "asyncapi"
CHECK = HERE / "check.mjs"
ASYNCAPI_PATH = "/v1/schemas/asyncapi"  # src/o2c/api/routes/schemas.py


def _check(source: str) -> tuple[int, dict[str, Any], str]:
    """Exit code, JSON report and stderr of check.mjs over a URL or a file."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node (Node.js 20+) is not on PATH: the AsyncAPI parser runs in Node")
    if not (HERE / "node_modules" / "@asyncapi" / "parser").is_dir():
        pytest.fail(
            f"{HERE / 'node_modules'} is missing: run `make test` "
            "(or `npm ci --prefix tests/contracts/asyncapi`) to install @asyncapi/parser"
        )
    done = subprocess.run(
        [node, str(CHECK), source], capture_output=True, text=True, timeout=120, check=False
    )
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        pytest.fail(
            f"check.mjs printed no JSON (exit {done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return done.returncode, report, done.stderr


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    """Base URL of a uvicorn server running o2c (embedded, SQLite), its public_url."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(
        event_store_url=f"sqlite:///{tmp_path / 'e.db'}",
        read_store_url=f"sqlite:///{tmp_path / 'r.db'}",
        public_url=base,
    )
    container = build_container(settings)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(container), host="127.0.0.1", port=port, log_level="critical", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "server exited on start"
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        container.close()


def test_served_asyncapi_document_passes_the_asyncapi_parser(base_url: str) -> None:
    code, report, stderr = _check(base_url + ASYNCAPI_PATH)
    assert (code, report["errors"]) == (0, []), json.dumps(report, indent=2) + stderr
    assert report["parsed"]
    assert report["warnings"] == [], json.dumps(report["warnings"], indent=2)
    assert set(report["channels"]) == {JOURNAL_TOPIC, DLQ_TOPIC, *PUBLIC_TOPICS}
    assert {
        "o2c.journal.v1",
        "o2c.invoices.v1",
        "o2c.payments.v1",
        "o2c.orders.v1",
        "o2c.accounts.v1",
        "o2c.journal.v1.dlq",
    } <= set(report["channels"])
    assert report["operations"] == len(report["channels"])
    assert report["messages"] == len(public_specs())
    # every message's `data` schema was fetched from the server, and no $ref is left
    assert report["resolvedRefs"] == len(public_specs())
    assert report["unresolvedRefs"] == []


def test_the_check_fails_on_a_broken_document(base_url: str, tmp_path: Path) -> None:
    with urlopen(base_url + ASYNCAPI_PATH, timeout=10) as response:
        document = json.load(response)
    messages = document["components"]["messages"]
    name = next(iter(messages))
    data = messages[name]["payload"]["allOf"][1]["properties"]["data"]
    data["$ref"] = base_url + "/v1/schemas/o2c.no_such.event.v1"  # answers 404
    document["channels"]["journal"]["messages"]["Missing"] = {
        "$ref": "#/components/messages/NoSuchMessage"
    }
    broken = tmp_path / "broken-asyncapi.json"
    broken.write_text(json.dumps(document))

    code, report, _ = _check(str(broken))

    assert code != 0
    assert report["errors"], report
    paths = [e["path"] for e in report["errors"]]
    assert f"components/messages/{name}/payload/allOf/1/properties/data/$ref" in paths, paths
    assert "channels/journal/messages/Missing/$ref" in paths, paths
