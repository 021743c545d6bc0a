"""Persistence: SQLAlchemy models, the engine, migrations and the one data-access layer."""
