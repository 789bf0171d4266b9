"""The seller's profile written by one process loads in another that never wrote one.

A stored topic resolves only once the module defining its class is imported; a process that
opens the store (a restart, a second instance, the CLI) must resolve the company's events even if
nothing in it ever touched the company. Each side runs in a fresh interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

WRITE = """
import sys
from o2c import commands as c
from tests.support.world import World, opened_store

with opened_store(sys.argv[1]) as store:
    world = World(store)
    berlin = c.AddressIn(lines=["Unter den Linden 1"], city="Berlin", country="DE")
    profile = c.ReplaceCompanyProfile(legal_name="Seller", address=berlin, vat_id="DE136695976")
    world.do(profile)
    world.do(c.ChangeCompanyLogo(media_type="image/svg+xml", content_base64="PHN2Zy8+"))
"""

# Imports the event store and the company's id only: not the module defining Company.
READ = """
import json, sys, uuid
from o2c.eventstore.store import EventStore

company_id = uuid.uuid5(uuid.UUID("8d6c9a8e-3c1f-4a55-9a53-0f1d6f0c2a11"), "company")
store = EventStore(sys.argv[1])
company = store.get(company_id)
print(json.dumps({"details": company.details, "logo": company.logo["media_type"]}))
store.close()
"""


def _python(code: str, url: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, url],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_company_written_by_one_process_loads_in_another(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'events.db'}"
    _python(WRITE, url)
    loaded = json.loads(_python(READ, url))
    assert loaded["details"]["legal_name"] == "Seller"
    assert loaded["details"]["address"]["country"] == "DE"
    assert loaded["logo"] == "image/svg+xml"
