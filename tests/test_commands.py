from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from portal.models import Category, StudentProfile, Transaction, User
from portal.selectors.ledger import find_ledger_mismatches

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_seed_demo_is_idempotent_and_consistent():
    call_command("seed_demo", students=15)
    counts = (
        User.objects.count(),
        StudentProfile.objects.count(),
        Category.objects.count(),
        Transaction.objects.count(),
    )
    call_command("seed_demo", students=15)
    assert (
        User.objects.count(),
        StudentProfile.objects.count(),
        Category.objects.count(),
        Transaction.objects.count(),
    ) == counts
    assert counts[1] == 15 and counts[3] > 15
    assert find_ledger_mismatches() == []
    for email in ("admin@upas.test", "faculty@upas.test", "student@upas.test"):
        assert User.objects.get(email=email).check_password("upas-demo")


@override_settings(DEBUG=False)
def test_seed_demo_refuses_without_debug():
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", students=3)
    assert not User.objects.exists()
