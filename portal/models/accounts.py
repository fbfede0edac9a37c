"""People: users with one role each, departments, and the student profile that holds the
spendable balance (kept only by the ledger services)."""

from __future__ import annotations

import secrets

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ChoiceLabels

TITLES = frozenset({"dr", "prof", "professor", "mr", "mrs", "ms", "mx"})
LEADERBOARD_NAME_MAX = 40


def new_pass_secret() -> str:
    return secrets.token_hex(32)


class Role(models.TextChoices):
    STUDENT = "student", _("Student")
    FACULTY = "faculty", _("Faculty")
    ADMIN = "admin", _("Admin")
    # A student who graduated at a year-end close (services.year_end): keeps a read-only view
    # of their history, earns and spends nothing, and is off the leaderboards.
    ALUMNUS = "alumnus", _("Alumnus")
    # An outside professional from a partner company (docs/PARTNERS.md): reviews resumes and
    # sees their own sessions and their company's figures, nothing else of the portal. Never
    # a student, faculty member or admin; has no student profile.
    PARTNER = "partner", _("Partner")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.update(is_staff=True, is_superuser=True, role=Role.ADMIN)
        return self._create(email, password, **extra)


class User(ChoiceLabels, AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email address. `role` decides what the portal lets them
    do; `is_staff`/`is_superuser` only open Django's own /admin/."""

    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("full name"), max_length=150)
    role = models.CharField(
        max_length=16, choices=Role.choices, default=Role.STUDENT, verbose_name=_("role")
    )
    is_active = models.BooleanField(default=True, verbose_name=_("active"))
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now, verbose_name=_("date joined"))
    # Notification kinds (Notification.Kind values) this user does NOT want by email.
    email_opt_outs = models.JSONField(default=list, blank=True)
    # A code from settings.LANGUAGES; empty: whatever the browser asks for.
    language = models.CharField(_("language"), max_length=10, blank=True, default="")
    # The secret in the user's calendar subscription address (/calendar/<token>.ics); empty
    # until they ask for one, replaced when they reset it.
    calendar_token = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    # A photo the person uploaded (re-encoded by portal.images); shown instead of initials.
    photo = models.ImageField(_("photo"), upload_to="people/", blank=True)
    # An admin with a department administers only that department's students' accounts.
    admin_department = models.ForeignKey(
        "Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("administers the department"),
    )
    # When the person's data was erased on request (services.data_rights): name, email and
    # everything personal is gone; the ledger rows stay, under this pseudonymous account.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["role", "name"])]

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        """The first name, skipping an academic title ("Dr Maria Lopez" -> "Maria")."""
        parts = [p for p in self.name.split() if p.rstrip(".").lower() not in TITLES]
        return parts[0] if parts else self.email

    @property
    def is_student(self) -> bool:
        return self.role == Role.STUDENT

    @property
    def is_faculty(self) -> bool:
        return self.role == Role.FACULTY

    @property
    def is_portal_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_alumnus(self) -> bool:
        return self.role == Role.ALUMNUS

    @property
    def is_partner(self) -> bool:
        return self.role == Role.PARTNER

    @property
    def is_staff_member(self) -> bool:
        """Faculty or admin: may award points and see everyone's history."""
        return self.role in (Role.FACULTY, Role.ADMIN)


class Department(models.Model):
    name = models.CharField(max_length=120, unique=True, verbose_name=_("name"))
    code = models.CharField(max_length=16, unique=True, verbose_name=_("code"))

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StudentProfile(models.Model):
    """One per student. `balance` and `lifetime_points` are a cache of the ledger, written only
    by portal.services.ledger under a row lock; `check_ledger` proves they match."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="student_profile")
    enrollment_number = models.CharField(
        max_length=32, unique=True, verbose_name=_("enrollment number")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        related_name="students",
        null=True,
        blank=True,
        verbose_name=_("department"),
    )
    programme = models.CharField(max_length=120, blank=True, verbose_name=_("programme"))
    year = models.PositiveSmallIntegerField(default=1, verbose_name=_("year"))
    # The faculty member who follows this student and reviews their claims first
    # (services.mentors assigns it; only active faculty qualify).
    mentor = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mentees",
        verbose_name=_("mentor"),
    )
    # The academic year ("2026/27") whose close graduated this student; empty while studying.
    graduated_in = models.CharField(_("graduated in"), max_length=7, blank=True, default="")
    balance = models.IntegerField(default=0, editable=False)
    lifetime_points = models.IntegerField(default=0, editable=False)
    # What the milestone checks need, kept beside the balance under the same lock, so that an
    # award or a check-in needs no query to know whether it reached a badge: the fixed
    # milestones already recorded (Achievement rows are the record; levels come from
    # lifetime_points), and how many check-ins this student has had.
    milestones = models.JSONField(default=list, blank=True, editable=False)
    checkins_count = models.PositiveIntegerField(default=0, editable=False)
    show_on_leaderboard = models.BooleanField(
        default=True,
        help_text=_("When off, other people see you as “Anonymous student” on the leaderboard."),
    )
    # The student's preferred name on leaderboards (empty: their full name). Admins see the
    # full name everywhere else, and can clear this one (services.account_admin).
    leaderboard_name = models.CharField(
        _("name on the leaderboard"),
        max_length=LEADERBOARD_NAME_MAX,
        blank=True,
        help_text=_("How others see you on the leaderboard. Empty: your full name."),
    )

    # The key of the student's rotating door pass (portal.domain.passes), never shown; the
    # student replaces it to void every pass code shown so far (services.passes).
    pass_secret = models.CharField(max_length=64, default=new_pass_secret, editable=False)

    class Meta:
        ordering = ["enrollment_number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(balance__gte=0), name="profile_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(lifetime_points__gte=0), name="profile_lifetime_not_negative"
            ),
        ]
        indexes = [
            # Leaderboard and rank: ORDER BY / COUNT on lifetime points, overall and by department.
            models.Index(fields=["-lifetime_points", "id"], name="profile_rank_idx"),
            models.Index(fields=["department", "-lifetime_points"], name="profile_dept_rank_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user.name} ({self.enrollment_number})"


class PendingSignup(models.Model):
    """What a student typed at sign-up, kept until they verify their email address. Until then
    the account reserves nothing: no profile, so it cannot be found, awarded, checked in or
    matched by the student import. `services.accounts.activate_student` turns it into a
    profile once the address is verified, if the enrollment number is still free."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="pending_signup")
    enrollment_number = models.CharField(max_length=32)
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    programme = models.CharField(max_length=120, blank=True)
    year = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    # Set when verification found the number taken: the student is told, an admin sorts it out.
    refused_reason = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"{self.enrollment_number} (pending)"


class SignIn(ChoiceLabels, models.Model):
    """One sign-in attempt through any door (the portal's login, Django's admin, SSO later):
    the audit trail of who signed in, from where, and what was refused."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", _("Signed in")
        FAILED = "failed", _("Wrong password or code")
        LOCKED = "locked", _("Refused: too many attempts")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="sign_ins", null=True, blank=True
    )
    # The address typed, for failures that match no account (lower-cased, cut to the field).
    login = models.CharField(max_length=254, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    # How: "password", "mfa", "password_reset", "socialaccount"...
    method = models.CharField(max_length=32, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["user", "-at"], name="signin_user_idx"),
            models.Index(fields=["at"], name="signin_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.login} {self.at:%Y-%m-%d %H:%M}"


class Suspension(models.Model):
    """An admin's suspension of an account: while it is open (`lifted_at` empty) the user is
    inactive (`User.is_active` off), so they cannot sign in, their sessions stop working and
    they leave leaderboards and searches; their ledger stays as it is. One with `ends_at`
    lapses by itself (`services.account_admin.lift_lapsed_suspensions`)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="suspensions")
    reason = models.CharField(_("reason"), max_length=500)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("suspended at"), default=timezone.now)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    # Empty with `lifted_at` set: the end date passed and the system lifted it.
    lifted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(lifted_at__isnull=True),
                name="one_open_suspension_per_user",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="suspension_user_idx"),
            models.Index(
                fields=["ends_at"],
                condition=Q(lifted_at__isnull=True, ends_at__isnull=False),
                name="suspension_lapse_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} suspended {self.created_at:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.lifted_at is None


class AccountWarning(models.Model):
    """A formal warning an admin gave someone, which they see on their dashboard and settings.
    Three or more suggest a suspension to admins (`WARNINGS_BEFORE_SUSPENSION`)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="account_warnings")
    reason = models.CharField(_("reason"), max_length=500)
    issued_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)
    # Minted when the form is drawn: the same form sent twice gives one warning.
    idempotency_key = models.CharField(max_length=80, unique=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="warning_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} warned {self.created_at:%Y-%m-%d}"


# Warnings after which the person page suggests a suspension.
WARNINGS_BEFORE_SUSPENSION = 3
