"""Every command module is in the CLI's explicit list, so a new one cannot be left out."""

from __future__ import annotations

import importlib
import pkgutil

import o2c.cli
from o2c.cli.main import COMMANDS


def test_every_module_with_a_register_is_listed() -> None:
    modules = [
        importlib.import_module(f"o2c.cli.{info.name}")
        for info in pkgutil.iter_modules(o2c.cli.__path__)
    ]
    registering = {m.__name__: m.register for m in modules if hasattr(m, "register")}
    assert registering, "no command module found"
    unlisted = sorted(name for name, register in registering.items() if register not in COMMANDS)
    assert not unlisted, f"add to o2c.cli.main.COMMANDS: {unlisted}"
    assert len(set(COMMANDS)) == len(COMMANDS), "a command group is listed twice"
