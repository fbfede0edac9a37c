"""What the API answers and accepts. Output serializers read objects the selectors loaded
(no query of their own); input serializers check types and bounds, then the services check
the rules, as the forms and services do for the pages."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from portal.models import MAX_POINTS_PER_ENTRY, Redemption


class StrictIntegerField(serializers.IntegerField):
    """A JSON number that is a whole number: "10", 10.5 and true are refused, not coerced."""

    default_error_messages = {"invalid": _("Send a whole number (a JSON integer).")}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


def points_field(**kwargs: Any) -> StrictIntegerField:
    return StrictIntegerField(min_value=1, max_value=MAX_POINTS_PER_ENTRY, **kwargs)


def id_field(**kwargs: Any) -> StrictIntegerField:
    return StrictIntegerField(min_value=1, max_value=2**62, **kwargs)


# --- output -----------------------------------------------------------------------------------


class StudentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="user.name")
    email = serializers.EmailField(source="user.email")
    enrollment_number = serializers.CharField()
    department = serializers.CharField(source="department.code", allow_null=True, default=None)
    programme = serializers.CharField()
    year = serializers.IntegerField()
    balance = serializers.IntegerField()
    lifetime_points = serializers.IntegerField()
    graduated = serializers.SerializerMethodField()

    def get_graduated(self, profile: Any) -> bool:
        return bool(profile.graduated_in)


class StandingSerializer(serializers.Serializer):
    balance = serializers.IntegerField()
    lifetime_points = serializers.IntegerField()
    rank = serializers.IntegerField()
    of = serializers.IntegerField()
    department_rank = serializers.IntegerField(allow_null=True)
    department_of = serializers.IntegerField(allow_null=True)


class StudentDetailSerializer(StudentSerializer):
    standing = StandingSerializer()


class TokenInfoSerializer(serializers.Serializer):
    name = serializers.CharField()
    prefix = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())
    department = serializers.CharField(source="department.code", allow_null=True, default=None)
    expires_at = serializers.DateTimeField(allow_null=True)


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField()
    role = serializers.CharField()
    token = TokenInfoSerializer()
    student = StudentDetailSerializer(allow_null=True)


class EntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    student_id = serializers.IntegerField()
    kind = serializers.CharField()
    amount = serializers.IntegerField()
    category = serializers.CharField(source="category.name", allow_null=True, default=None)
    category_id = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    reverses_id = serializers.IntegerField(allow_null=True)
    balance_after = serializers.IntegerField(source="student.balance", required=False)


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    amount = serializers.IntegerField()
    category = serializers.CharField(source="category.name", allow_null=True, default=None)
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()
    reverses_id = serializers.IntegerField(allow_null=True)


class BulkResultSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    total = serializers.IntegerField()
    entries = EntrySerializer(many=True)


class LeaderboardRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    name = serializers.CharField()
    department = serializers.CharField()
    points = serializers.IntegerField()
    is_viewer = serializers.BooleanField()


class LeaderboardSerializer(serializers.Serializer):
    period = serializers.CharField()
    department = serializers.CharField(source="department.code", allow_null=True, default=None)
    rows = LeaderboardRowSerializer(many=True)
    viewer_row = LeaderboardRowSerializer(allow_null=True)


class CategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    default_points = serializers.IntegerField()
    min_points = serializers.IntegerField()
    max_points = serializers.IntegerField()
    yearly_cap = serializers.IntegerField(allow_null=True)
    is_active = serializers.BooleanField()


class RewardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    category = serializers.CharField()
    cost = serializers.IntegerField()
    stock = serializers.IntegerField(allow_null=True)
    limit_per_student = serializers.IntegerField(allow_null=True)
    available_from = serializers.DateTimeField(allow_null=True)
    available_until = serializers.DateTimeField(allow_null=True)


class RedemptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    student_id = serializers.IntegerField()
    reward_id = serializers.IntegerField()
    reward = serializers.CharField(source="reward.name")
    cost = serializers.IntegerField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    fulfilled_at = serializers.DateTimeField(allow_null=True)
    admin_note = serializers.CharField()


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    location = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    status = serializers.CharField()
    category = serializers.CharField(source="category.name", allow_null=True, default=None)
    capacity = serializers.IntegerField(allow_null=True)
    requires_registration = serializers.BooleanField()
    checkin_count = serializers.IntegerField()


class CheckInSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    event_id = serializers.IntegerField()
    student_id = serializers.IntegerField()
    method = serializers.CharField()
    created_at = serializers.DateTimeField()


class DrawSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    prize = serializers.CharField()
    winners_count = serializers.IntegerField()
    alternates_count = serializers.IntegerField()
    performed_at = serializers.DateTimeField(allow_null=True)
    entrant_count = serializers.IntegerField(allow_null=True)


class PickSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    entry_id = serializers.IntegerField()
    name = serializers.CharField()
    winner = serializers.BooleanField()


class VerificationSerializer(serializers.Serializer):
    draw = DrawSerializer()
    commitment = serializers.CharField()
    seed = serializers.CharField()
    entrants_digest = serializers.CharField()
    entry_ids = serializers.ListField(child=serializers.IntegerField())
    recomputed = serializers.ListField(child=serializers.IntegerField())
    recorded = serializers.ListField(child=serializers.IntegerField())
    picks = PickSerializer(many=True)
    ok = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField())


# --- input ------------------------------------------------------------------------------------


class AwardInput(serializers.Serializer):
    student_id = id_field()
    category_id = id_field()
    amount = points_field()
    reason = serializers.CharField(max_length=500)


class DeductInput(serializers.Serializer):
    student_id = id_field()
    amount = points_field()
    reason = serializers.CharField(max_length=500)
    category_id = id_field(required=False, allow_null=True)


class BulkLineInput(serializers.Serializer):
    enrollment_number = serializers.CharField(max_length=32)
    amount = points_field(required=False, allow_null=True)


class BulkAwardInput(serializers.Serializer):
    category_id = id_field()
    amount = points_field()
    reason = serializers.CharField(max_length=500)
    students = BulkLineInput(many=True, allow_empty=False, max_length=1000)


class ReverseInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class DecideInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Redemption.Decision.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CheckInInput(serializers.Serializer):
    student_id = id_field()


class EmptyInput(serializers.Serializer):
    pass
