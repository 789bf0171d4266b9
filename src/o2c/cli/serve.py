"""``o2c serve``: the HTTP API (in embedded mode it also runs the projections)."""

from __future__ import annotations

import argparse
import fcntl
import logging
import os
import socket
import sys
from pathlib import Path
from typing import Any

from o2c.config import Settings

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    """Add ``serve``."""
    p: argparse.ArgumentParser = sub.add_parser("serve", help="serve the HTTP API")
    p.add_argument("--host", default="127.0.0.1", help="bind address (127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (8000)")
    p.add_argument(
        "--demo", action="store_true", help="load the demo book first if the event store is empty"
    )
    p.set_defaults(func=run)


def server_config(app: Any, host: str, port: int, **options: Any) -> Any:
    """The uvicorn configuration ``o2c serve`` runs with (tests run the same)."""
    import uvicorn

    # No Server banner: it tells an attacker which exploits to try.
    settings: dict[str, Any] = {"log_level": "warning", "server_header": False, **options}
    return uvicorn.Config(app, host=host, port=port, **settings)


TOKEN_FILE = Path("o2c-data") / "admin-token"


def listen(host: str, port: int) -> socket.socket:
    """The server's listening socket, bound before anything is built or written: a second
    ``o2c serve`` on a port in use stops here, leaving the files of the one running alone."""
    family, _type, _proto, _name, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    return socket.create_server(address, family=family)


def _claim_token_file() -> int | None:
    """Hold the token file's lock for the life of the process; ``None`` when a live server
    holds it (its token must stay where scripts read it). The lock ends with the process, so
    a crashed server never keeps it."""
    TOKEN_FILE.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(f"{TOKEN_FILE}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _keep_secret(token: str) -> Path:
    """Write the generated admin token to a file only its owner can read, for scripts (curl).
    It is generated afresh for a local embedded run (no key configured); a configured key is
    never printed or written anywhere."""
    TOKEN_FILE.touch(mode=0o600, exist_ok=True)
    TOKEN_FILE.chmod(0o600)
    TOKEN_FILE.write_text(token + "\n")
    return TOKEN_FILE


def _announce(token: str, url: str) -> None:
    """Tell where the generated admin token is: in the token file, unless a live server holds
    that file, and in the dashboard's link."""
    if _claim_token_file() is None:
        print(
            f"admin token (generated, O2C_API_TOKENS unset) not written: {TOKEN_FILE} belongs "
            "to another running o2c serve; this server's token is in the dashboard link",
            flush=True,
        )
    else:
        where = _keep_secret(token)
        print(f"admin token (generated, O2C_API_TOKENS unset) written to {where}", flush=True)
        print(f'try: curl -H "Authorization: Bearer $(cat {where})" {url}/v1/aging', flush=True)
    # The fragment never reaches the server (no access log keeps it); the page moves it to the
    # tab's sessionStorage and drops it from the address bar.
    print(f"dashboard: {url}/dashboard#token={token}", flush=True)


def run(args: argparse.Namespace) -> int:
    """Bind the port, then build the container, create the app and run uvicorn."""
    from o2c.logging_setup import configure

    settings = Settings.from_env().serving_at(args.host, args.port)
    configure(settings.log_format, settings.log_level)
    try:
        sock = listen(args.host, args.port)
    except OSError as exc:
        print(f"o2c serve: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    try:
        return _serve(args, settings, sock)
    finally:
        sock.close()


def _serve(args: argparse.Namespace, settings: Settings, sock: socket.socket) -> int:
    import uvicorn

    from o2c.api.app import create_app
    from o2c.bootstrap import build_container
    from o2c.cli.demo import load_demo

    if args.demo:
        from o2c.bootstrap import build_event_store

        store = build_event_store(settings)
        empty = store.last_position() == 0
        store.close()
        if empty:
            log.info("loading the demo book into %s", settings.event_store_url)
            stats = load_demo(settings)
            log.info("demo book loaded: %s", stats)
    container = build_container(settings)
    app = create_app(container)
    url = f"http://{args.host}:{args.port}"
    token = getattr(app.state, "generated_admin_token", None)
    print(f"o2c API on {url}  (docs: {url}/docs)", flush=True)
    if token:
        _announce(token, url)
    else:
        print(f"dashboard: {url}/dashboard  (paste an API key or access token)", flush=True)
    try:
        uvicorn.Server(server_config(app, args.host, args.port)).run(sockets=[sock])
    finally:
        container.close()
    return 0
