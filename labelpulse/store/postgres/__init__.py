"""The PostgreSQL backend (`postgresql://...`): schema, batched COPY ingest, state upkeep."""

from labelpulse.store.postgres.store import PostgresStore

__all__ = ["PostgresStore"]
