"""Two admins acting on one account at once: one suspension, one reactivation, one warning per
form. Real threads and connections; on SQLite the IMMEDIATE transactions queue, on PostgreSQL
the user row lock does (the partial unique constraint is the last line)."""

from __future__ import annotations

from collections import Counter

import pytest

from portal.models import AccountWarning, AuditLog, Role, Suspension
from portal.services import account_admin
from tests.concurrency.threads import run_at_once
from tests.conftest import key
from tests.factories import StudentFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admins():
    return [UserFactory(role=Role.ADMIN) for _ in range(4)]


def test_four_admins_suspending_at_once_suspend_once(admins):
    student = StudentFactory()

    def suspend(admin):
        return lambda: account_admin.suspend_account(
            actor=admin, user_id=student.user_id, reason="Spam"
        )

    outcomes = run_at_once([suspend(a) for a in admins])
    assert outcomes == Counter({"ok": 1, "already_suspended": 3})
    assert Suspension.objects.filter(user=student.user).count() == 1
    assert AuditLog.objects.filter(action="user.suspend").count() == 1


def test_four_admins_reactivating_at_once_lift_once(admins):
    student = StudentFactory()
    account_admin.suspend_account(actor=admins[0], user_id=student.user_id, reason="Spam")

    def reactivate(admin):
        return lambda: account_admin.reactivate_account(actor=admin, user_id=student.user_id)

    outcomes = run_at_once([reactivate(a) for a in admins])
    assert outcomes == Counter({"ok": 1, "not_suspended": 3})
    assert AuditLog.objects.filter(action="user.reactivate").count() == 1


def test_one_warning_form_sent_four_times_at_once_warns_once(admins):
    student = StudentFactory()
    form_key = key()
    outcomes = run_at_once(
        [
            lambda: account_admin.issue_warning(
                actor=admins[0], user_id=student.user_id, reason="Late", idempotency_key=form_key
            )
            for _ in range(4)
        ]
    )
    assert outcomes == Counter({"ok": 4})
    assert AccountWarning.objects.count() == 1
