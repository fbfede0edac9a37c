"""The background worker: runs queued tasks (emails, periodic jobs) and queues the periodic
jobs when they are due. Run one next to the web server (`make run` does); run more on other
machines against the same database to share the work."""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from portal.services.schedule import queue_due_jobs

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the background worker: queued tasks, and the periodic jobs when they are due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls.")
        parser.add_argument(
            "--schedule-every", type=float, default=30.0, help="Seconds between schedule checks."
        )
        parser.add_argument(
            "--batch", action="store_true", help="Run what is queued (and due) now, then exit."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        if options["batch"]:
            queue_due_jobs()
        else:
            threading.Thread(
                target=self._schedule,
                args=(stop, options["schedule_every"]),
                name="upas-schedule",
                daemon=True,
            ).start()
        worker = Worker(
            queue_names=["*"],
            interval=options["interval"],
            batch=options["batch"],
            backend_name="default",
            startup_delay=not options["batch"],
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        if not options["batch"]:
            worker.configure_signals()
        try:
            worker.run()
        finally:
            stop.set()

    @staticmethod
    def _schedule(stop: threading.Event, every: float) -> None:
        while not stop.is_set():
            try:
                queue_due_jobs()
            except Exception:  # a database hiccup must not stop the schedule for good
                log.exception("queueing the periodic jobs failed")
            finally:
                close_old_connections()
            stop.wait(every)
