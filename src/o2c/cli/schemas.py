"""``o2c schemas``: print or write the event JSON Schemas and the AsyncAPI document."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    """Add ``schemas``."""
    p: argparse.ArgumentParser = sub.add_parser(
        "schemas", help="print the event JSON Schemas, or write them (and asyncapi.json) to DIR"
    )
    p.add_argument("--write", metavar="DIR", help="write one file per event type into DIR")
    p.set_defaults(func=run)


def render_all() -> dict[str, str]:
    """File name → file content, for every published contract file."""
    from o2c.contracts.asyncapi import asyncapi
    from o2c.contracts.schemas import json_schema, public_specs

    files = {
        f"{s.cloud_type}.json": json.dumps(json_schema(s), indent=2, sort_keys=True) + "\n"
        for s in public_specs()
    }
    files["asyncapi.json"] = json.dumps(asyncapi(), indent=2, sort_keys=True) + "\n"
    return files


def run(args: argparse.Namespace) -> int:
    """Write or list."""
    files = render_all()
    if args.write:
        target = Path(args.write)
        target.mkdir(parents=True, exist_ok=True)
        for name, content in files.items():
            (target / name).write_text(content)
        print(f"wrote {len(files)} files to {target}")
    else:
        for name in sorted(files):
            print(name)
    return 0
