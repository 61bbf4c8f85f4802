"""Alembic environment: runs on the connection :func:`cloud_hub.store.schema.migrate` passes."""

from __future__ import annotations

from alembic import context

from cloud_hub.store.models import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
context.run_migrations()
