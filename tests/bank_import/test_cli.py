"""``o2c bank import FILE``: a malformed file exits 1 naming the line; a good one imports once."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from o2c.bootstrap import build_container
from o2c.cli.main import main
from o2c_devtools.synthetic_bank.writers import write_mt940
from tests.bank_import.conftest import open_bank, sqlite_settings


def test_import_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = sqlite_settings(tmp_path)
    bank = open_bank(settings)
    b = next(bank)
    file = tmp_path / "statement.sta"
    file.write_bytes(write_mt940(b.file.statement))
    before = b.position()
    bank.close()
    monkeypatch.setenv("O2C_EVENT_STORE_URL", settings.event_store_url)
    monkeypatch.setenv("O2C_READ_STORE_URL", settings.read_store_url)

    broken = tmp_path / "broken.sta"
    broken.write_bytes(file.read_bytes().replace(b":61:", b":61:XX", 1))
    assert main(["bank", "import", str(broken), "--format", "mt940"]) == 1
    assert "malformed statement: line" in capsys.readouterr().err

    assert main(["bank", "import", str(file)]) == 0
    out = json.loads(capsys.readouterr().out)
    [statement] = out["statements"]
    assert out["format"] == "mt940" and statement["created"] and statement["applied"] > 0
    assert out["position"] > before

    assert main(["bank", "import", str(file)]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["statements"][0]["created"] is False
    assert again["position"] == out["position"]
    # The same statement id with a line less: refused in one line, nothing recorded.
    other = tmp_path / "other.sta"
    other.write_bytes(write_mt940(replace(b.file.statement, lines=b.file.statement.lines[:-1])))
    assert main(["bank", "import", str(other)]) == 1
    err = capsys.readouterr().err
    assert "imported before with other content" in err and "Traceback" not in err
    container = build_container(settings, start_runner=False)
    try:
        assert container.store.last_position() == out["position"]
    finally:
        container.close()
