"""Fixtures shared by the hub's in-process tests."""

from __future__ import annotations

import pytest

from tests.integration.cloud_hub.admin_harness import running_hub


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def hub(request, tmp_path):
    """An in-process hub on a fresh SQLite file, and on a fresh PostgreSQL schema."""
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    async with running_hub(tmp_path, url) as hub:
        yield hub
