"""Persistence: SQLAlchemy 2 models, Alembic migrations and repositories.

SQLite (WAL, foreign keys on) under ``COACH_DATA_DIR`` by default,
PostgreSQL or any SQLAlchemy URL through ``COACH_DATABASE_URL``.
"""
