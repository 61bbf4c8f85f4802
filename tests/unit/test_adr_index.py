"""Every ADR in docs/adr is listed in the index, under its own file name."""

from __future__ import annotations

import re
from pathlib import Path

ADR_DIR = Path(__file__).resolve().parents[2] / "docs" / "adr"


def test_every_decision_record_is_in_the_index() -> None:
    records = {path.name for path in ADR_DIR.glob("[0-9][0-9][0-9][0-9]-*.md")}
    listed = set(re.findall(r"\]\((\d{4}-[^)]+\.md)\)", (ADR_DIR / "README.md").read_text()))

    assert records - listed == set()
    assert listed - records == set()
