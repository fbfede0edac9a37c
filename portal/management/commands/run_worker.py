"""The background worker: sends queued notification emails in batches, runs queued tasks
(email retries, periodic jobs, bulk work) and queues the periodic jobs when they are due. Run
one next to the web server (`make run` does); run more on other machines against the same
database to share the work."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from portal.services.notifications import EMAIL_BATCH, send_queued_emails
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
            "--email-every",
            type=float,
            default=1.0,
            help="Seconds between looks at the email queue when it is empty.",
        )
        parser.add_argument(
            "--batch", action="store_true", help="Run what is queued (and due) now, then exit."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        if options["batch"]:
            queue_due_jobs()
            _send_all_queued_emails()
        else:
            for name, loop, every in (
                ("upas-schedule", self._schedule, options["schedule_every"]),
                ("upas-email", self._send_emails, options["email_every"]),
            ):
                threading.Thread(target=loop, args=(stop, every), name=name, daemon=True).start()
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
            if options["batch"]:
                _send_all_queued_emails()  # those the tasks just run have queued
        finally:
            stop.set()

    @staticmethod
    def _schedule(stop: threading.Event, every: float) -> None:
        _repeat(stop, every, queue_due_jobs, "queueing the periodic jobs failed")

    @staticmethod
    def _send_emails(stop: threading.Event, every: float) -> None:
        """The email pump: a full batch is followed at once by the next; an empty queue is
        looked at again after `every` seconds (one indexed query)."""
        _repeat(
            stop,
            every,
            lambda: send_queued_emails() == EMAIL_BATCH,
            "sending the queued emails failed",
        )


def _repeat(stop: threading.Event, every: float, job: Callable[[], object], failed: str) -> None:
    """Run `job` until `stop`, waiting `every` seconds after each run unless it returned True
    (more to do at once). A failure (a database hiccup) is logged, never the loop's end."""
    while not stop.is_set():
        again = False
        try:
            again = job() is True
        except Exception:
            log.exception(failed)
        finally:
            close_old_connections()
        if not again:
            stop.wait(every)


def _send_all_queued_emails() -> None:
    while send_queued_emails() == EMAIL_BATCH:
        pass
