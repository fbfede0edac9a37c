"""Clubs, their members and their officers. An officer is a scoped role: they organise and run
the events of their own club and nothing else (portal.permissions.clubs); a membership row says
who belongs, with the position held."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ChoiceLabels


class Club(models.Model):
    name = models.CharField(max_length=120, unique=True, verbose_name=_("name"))
    slug = models.SlugField(
        max_length=80,
        unique=True,
        verbose_name=_("address"),
        help_text=_("Lower-case letters, digits and hyphens, as in /clubs/<address>/."),
    )
    description = models.TextField(blank=True, verbose_name=_("description"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ClubMembership(ChoiceLabels, models.Model):
    """One person in one club. Students join as members; an admin appoints officers (students
    or faculty), who organise the club's events, and faculty advisers, who review the members'
    claims first after their own mentees."""

    class Position(models.TextChoices):
        MEMBER = "member", _("Member")
        OFFICER = "officer", _("Officer")
        ADVISER = "adviser", _("Faculty adviser")

    club = models.ForeignKey(Club, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="club_memberships"
    )
    position = models.CharField(
        max_length=8, choices=Position.choices, default=Position.MEMBER, verbose_name=_("position")
    )
    joined_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["club", "joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["club", "user"], name="one_membership_per_club"),
            models.CheckConstraint(
                condition=models.Q(position__in=["member", "officer", "adviser"]),
                name="membership_position_known",
            ),
        ]
        indexes = [
            # "Which clubs does this user run?" (the officer checks) and a club's roster.
            models.Index(fields=["user", "position"], name="membership_user_position_idx"),
            models.Index(fields=["club", "position", "joined_at"], name="membership_roster_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.club_id} ({self.position})"
