"""Storage behind one interface; the backend is chosen from the database URL."""

from labelpulse.store.backends import connect
from labelpulse.store.base import AppendOutcome, Store

__all__ = ["AppendOutcome", "Store", "connect"]
