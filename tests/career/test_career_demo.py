"""The demo data has a request in every state, the demo student a visible mix, the two campus
reviewers and the partner company's two, and a proposal waiting for partner@upas.test."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import override_settings

from portal.models import Reviewer, ReviewRequest

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_the_demo_has_every_state_and_its_reviewers():
    call_command("seed_demo", students=15)
    assert set(ReviewRequest.objects.values_list("status", flat=True)) == set(
        ReviewRequest.Status.values
    )
    assert set(Reviewer.objects.values_list("user__email", flat=True)) == {
        "faculty@upas.test",
        "admin@upas.test",
        "partner@upas.test",
        "m.chen@northwind.example",
    }
    partner = ReviewRequest.objects.filter(reviewer__user__email="partner@upas.test")
    assert set(partner.values_list("status", flat=True)) == {
        "proposed",
        "confirmed",
        "completed",
        "no_show",
    }
    mine = set(
        ReviewRequest.objects.filter(student__email="student@upas.test").values_list(
            "status", flat=True
        )
    )
    assert mine == {"confirmed", "completed", "cancelled"}
    completed = ReviewRequest.objects.filter(status="completed")
    assert all(r.transaction_id for r in completed)
    assert completed.filter(rating__isnull=False).exists()
