"""Storage behind one interface; the backend is chosen from the database URL."""

from labelpulse.store.base import AppendOutcome, Store, connect

__all__ = ["AppendOutcome", "Store", "connect"]
