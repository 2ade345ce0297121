"""The ClickHouse backend: a ClickHouse server through clickhouse-connect, or chDB in-process."""

from labelpulse.store.clickhouse.store import ClickHouseStore

__all__ = ["ClickHouseStore"]
