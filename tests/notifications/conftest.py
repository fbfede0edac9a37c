"""Fixtures shared by the notification tests."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

DATABASE_TASKS = {
    "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "email"]}
}


@pytest.fixture
def queue(settings):
    """Tasks go to the database queue, as in production, until a worker runs them."""
    settings.TASKS = DATABASE_TASKS
    return DBTaskResult.objects
