from __future__ import annotations

from .accounts import (
    WARNINGS_BEFORE_SUSPENSION,
    AccountWarning,
    Department,
    PendingSignup,
    Role,
    SignIn,
    StudentProfile,
    Suspension,
    User,
)
from .api import MAX_TOKEN_DAYS, ApiIdempotencyKey, ApiScope, ApiToken
from .audit import AuditLog
from .career import Company, Reviewer, ReviewRequest, ReviewSlot, Specialty
from .certificates import Certificate, CertificateBatch, Transcript, TranscriptHiddenItem
from .claims import (
    MAX_CLAIM_AGE_DAYS,
    ActivityClaim,
    Evidence,
    ReviewDecision,
    ReviewStatus,
    Task,
    TaskAssignment,
)
from .clubs import Club, ClubMembership
from .discord import DiscordLink, DiscordLinkCode
from .draws import Draw, DrawEntry, DrawWinner
from .events import (
    AttendanceDispute,
    CheckIn,
    CheckInAttempt,
    Event,
    EventReminder,
    Registration,
)
from .halls import MAX_HALL_CAPACITY, Hall, HallBooking
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
from .rights import ErasureRequest
from .schedule import ScheduledJob
from .webhooks import PING, WebhookDelivery, WebhookEndpoint, WebhookEvent
from .year_end import AcademicYearClose

__all__ = [
    "MAX_CLAIM_AGE_DAYS",
    "MAX_HALL_CAPACITY",
    "MAX_POINTS_PER_ENTRY",
    "MAX_TOKEN_DAYS",
    "PING",
    "WARNINGS_BEFORE_SUSPENSION",
    "AcademicYearClose",
    "AccountWarning",
    "Achievement",
    "ActivityClaim",
    "ApiIdempotencyKey",
    "ApiScope",
    "ApiToken",
    "AttendanceDispute",
    "AuditLog",
    "Category",
    "Certificate",
    "CertificateBatch",
    "CheckIn",
    "CheckInAttempt",
    "Club",
    "ClubMembership",
    "Company",
    "Department",
    "DiscordLink",
    "DiscordLinkCode",
    "Draw",
    "DrawEntry",
    "DrawWinner",
    "ErasureRequest",
    "Event",
    "EventReminder",
    "Evidence",
    "Hall",
    "HallBooking",
    "LedgerImmutableError",
    "Milestone",
    "Notification",
    "PendingSignup",
    "PeriodPoints",
    "Redemption",
    "Registration",
    "ReviewDecision",
    "ReviewRequest",
    "ReviewSlot",
    "ReviewStatus",
    "Reviewer",
    "Reward",
    "Role",
    "ScheduledJob",
    "SignIn",
    "Specialty",
    "StudentProfile",
    "Suspension",
    "Task",
    "TaskAssignment",
    "Transaction",
    "Transcript",
    "TranscriptHiddenItem",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
]
