"""People: users with one role each, departments, and the student profile that holds the
spendable balance (kept only by the ledger services)."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TITLES = frozenset({"dr", "prof", "professor", "mr", "mrs", "ms", "mx"})


class Role(models.TextChoices):
    STUDENT = "student", _("Student")
    FACULTY = "faculty", _("Faculty")
    ADMIN = "admin", _("Admin")


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


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email address. `role` decides what the portal lets them
    do; `is_staff`/`is_superuser` only open Django's own /admin/."""

    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("full name"), max_length=150)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STUDENT)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Notification kinds (Notification.Kind values) this user does NOT want by email.
    email_opt_outs = models.JSONField(default=list, blank=True)

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
    def is_staff_member(self) -> bool:
        """Faculty or admin: may award points and see everyone's history."""
        return self.role in (Role.FACULTY, Role.ADMIN)


class Department(models.Model):
    name = models.CharField(max_length=120, unique=True)
    code = models.CharField(max_length=16, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StudentProfile(models.Model):
    """One per student. `balance` and `lifetime_points` are a cache of the ledger, written only
    by portal.services.ledger under a row lock; `check_ledger` proves they match."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="student_profile")
    enrollment_number = models.CharField(max_length=32, unique=True)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="students", null=True, blank=True
    )
    programme = models.CharField(max_length=120, blank=True)
    year = models.PositiveSmallIntegerField(default=1)
    balance = models.IntegerField(default=0, editable=False)
    lifetime_points = models.IntegerField(default=0, editable=False)
    show_on_leaderboard = models.BooleanField(
        default=True,
        help_text=_("When off, other people see you as “Anonymous student” on the leaderboard."),
    )

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
