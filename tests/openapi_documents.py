"""The OpenAPI documents as the programs serve them, and their committed copies.

``python -m tests.openapi_documents`` (``make openapi``) writes what the agent serves
to ``docs/openapi/agent.json``.
"""

from __future__ import annotations

import json
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from edge_agent.bootstrap import init_device
from edge_agent.http.app import create_app
from edge_agent.settings import AgentSettings

ROOT = Path(__file__).resolve().parent.parent
AGENT_DOCUMENT = ROOT / "docs" / "openapi" / "agent.json"


def served_agent_document(data_dir: Path) -> dict[str, Any]:
    """``GET /schema/openapi.json`` of a demo agent on a real SQLite file in ``data_dir``."""
    store, _ = init_device(AgentSettings(data_dir=data_dir), with_demo=True)
    with warnings.catch_warnings():
        # The ticket listing's inferred query parameters warn when the app starts in-process.
        warnings.simplefilter("ignore")
        app = create_app(store)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        answer = client.get("/schema/openapi.json")
        answer.raise_for_status()
        document: dict[str, Any] = answer.json()
        return document


def render(document: dict[str, Any]) -> str:
    """The committed text of a document: sorted keys, two-space indents, one final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        text = render(served_agent_document(Path(data_dir)))
    AGENT_DOCUMENT.parent.mkdir(parents=True, exist_ok=True)
    AGENT_DOCUMENT.write_text(text, encoding="utf-8")
    print(f"wrote {AGENT_DOCUMENT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
