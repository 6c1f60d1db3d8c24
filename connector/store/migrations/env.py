"""Alembic environment: runs the state store's migrations on the connection handed in by `connector.store`."""

from __future__ import annotations

from alembic import context

from connector.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the store always passes its connection
    raise RuntimeError("run migrations through connector.store.open_store()")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
