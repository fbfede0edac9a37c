from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Draw, Event, Reward

from .rewards import DateTimeInput

MAX_PICKS = 100


class DrawForm(forms.ModelForm):
    prize_points = forms.IntegerField(
        min_value=1,
        max_value=10_000,
        required=False,
        label=_("Or points for each winner"),
        help_text=_("Credited to the winner's balance when they claim."),
    )
    winners_count = forms.IntegerField(
        min_value=1, max_value=MAX_PICKS, initial=1, label=_("Number of winners")
    )
    alternates_count = forms.IntegerField(
        min_value=0,
        max_value=MAX_PICKS,
        initial=2,
        label=_("Number of alternates"),
        help_text=_("Offered the prize, in order, when a winner does not claim in time."),
    )

    class Meta:
        model = Draw
        fields = [
            "title",
            "prize",
            "reward",
            "prize_points",
            "event",
            "eligibility",
            "winners_count",
            "alternates_count",
            "entry_deadline",
            "claim_deadline",
        ]
        labels = {
            "prize": _("Prize"),
            "reward": _("Prize from the catalogue"),
            "event": _("Event"),
            "eligibility": _("Who takes part"),
        }
        help_texts = {
            "reward": _("Optional: winners get it through the redemption queue, free."),
            "event": _("Optional: only students checked in to it can take part."),
        }
        widgets = {
            "eligibility": forms.RadioSelect,
            "entry_deadline": DateTimeInput(),
            "claim_deadline": DateTimeInput(),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reward"].queryset = Reward.objects.filter(is_active=True).order_by("name")
        recent = timezone.now() - timedelta(days=60)
        self.fields["event"].queryset = Event.objects.filter(
            status__in=(Event.Status.PUBLISHED, Event.Status.COMPLETED), ends_at__gte=recent
        ).order_by("starts_at")
        if not self.instance.pk:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("entry_deadline", now + timedelta(days=7))
            self.initial.setdefault("claim_deadline", now + timedelta(days=21))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("reward") and data.get("prize_points"):
            self.add_error("prize_points", _("Choose a catalogue reward or points, not both."))
        if data.get("eligibility") == Draw.Eligibility.ATTENDEES and not data.get("event"):
            self.add_error("event", _("Choose the event whose attendees take part."))
        entry, claim = data.get("entry_deadline"), data.get("claim_deadline")
        if entry and claim and claim <= entry:
            self.add_error("claim_deadline", _("The claim deadline must be after entries close."))
        if entry and not self.instance.pk and entry <= timezone.now():
            self.add_error("entry_deadline", _("Entries must close in the future."))
        return data
