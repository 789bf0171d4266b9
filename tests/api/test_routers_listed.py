"""Every router module is in the app's explicit list, so a new one cannot be left unmounted."""

from __future__ import annotations

import importlib
import pkgutil

import o2c.api.routes
from o2c.api.app import ROUTERS


def test_every_module_with_a_router_is_listed() -> None:
    modules = [
        importlib.import_module(f"o2c.api.routes.{info.name}")
        for info in pkgutil.iter_modules(o2c.api.routes.__path__)
    ]
    with_router = {m.__name__: m.router for m in modules if hasattr(m, "router")}
    assert with_router, "no router module found"
    unlisted = sorted(name for name, router in with_router.items() if router not in ROUTERS)
    assert not unlisted, f"add to o2c.api.app.ROUTERS: {unlisted}"
    assert len(set(map(id, ROUTERS))) == len(ROUTERS), "a router is listed twice"
