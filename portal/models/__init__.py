from __future__ import annotations

from .accounts import Department, Role, StudentProfile, User
from .audit import AuditLog
from .claims import ActivityClaim, Evidence, ReviewStatus, Task, TaskAssignment
from .draws import Draw, DrawEntry, DrawWinner
from .events import CheckIn, Event, EventReminder
from .ledger import (
    MAX_POINTS_PER_ENTRY,
    Category,
    LedgerImmutableError,
    PeriodPoints,
    Transaction,
)
from .milestones import Achievement, Milestone
from .notifications import Notification
from .rewards import Redemption, Reward

__all__ = [
    "MAX_POINTS_PER_ENTRY",
    "Achievement",
    "ActivityClaim",
    "AuditLog",
    "Category",
    "CheckIn",
    "Department",
    "Draw",
    "DrawEntry",
    "DrawWinner",
    "Event",
    "EventReminder",
    "Evidence",
    "LedgerImmutableError",
    "Milestone",
    "Notification",
    "PeriodPoints",
    "Redemption",
    "ReviewStatus",
    "Reward",
    "Role",
    "StudentProfile",
    "Task",
    "TaskAssignment",
    "Transaction",
    "User",
]
