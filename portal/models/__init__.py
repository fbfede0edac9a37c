from __future__ import annotations

from .accounts import Department, Role, StudentProfile, User
from .audit import AuditLog
from .events import CheckIn, Event
from .ledger import MAX_POINTS_PER_ENTRY, Category, LedgerImmutableError, Transaction
from .rewards import Redemption, Reward

__all__ = [
    "MAX_POINTS_PER_ENTRY",
    "AuditLog",
    "Category",
    "CheckIn",
    "Department",
    "Event",
    "LedgerImmutableError",
    "Redemption",
    "Reward",
    "Role",
    "StudentProfile",
    "Transaction",
    "User",
]
