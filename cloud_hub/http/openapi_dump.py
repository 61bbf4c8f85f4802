"""Write the hub's OpenAPI document: ``python -m cloud_hub.http.openapi_dump PATH``.

The document is the one the hub serves at ``/schema/openapi.json``, written with sorted
keys and an indent so that a change to the contract reads as a small diff. A test fails
when the committed ``docs/openapi/hub.json`` and the served document differ.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from cloud_hub.http.app import create_app
from cloud_hub.http.openapi import document
from cloud_hub.settings import HubSettings


def hub_document() -> dict[str, Any]:
    """The document a hub serves (no database is opened to make it)."""
    app = create_app(HubSettings(database_url="sqlite:///unused-openapi-dump.sqlite3"))
    return document(app)


def render(value: dict[str, Any]) -> str:
    """The committed text of a document."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    """Write the document to ``argv[0]`` (standard output when absent)."""
    text = render(hub_document())
    if not argv:
        sys.stdout.write(text)
        return 0
    target = Path(argv[0])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
