"""The hub's store: SQLAlchemy tables, the engine factory and Alembic migrations."""
