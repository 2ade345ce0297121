"""Storage behind one interface; the backend is chosen from the database URL."""

from labelpulse.store.base import AppendOutcome, Store
from labelpulse.store.backends import connect

__all__ = ["AppendOutcome", "Store", "connect"]
