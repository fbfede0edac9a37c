"""Builders for the claims and tasks tests: evidence files made in memory, and claims and task
assignments made only through the real services."""

from __future__ import annotations

import io
from datetime import date

from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from portal.models import ActivityClaim, Category, StudentProfile, Task, TaskAssignment
from portal.services import claims, tasks
from portal.uploads import CheckedFile, check_evidence
from tests.conftest import key


def png_bytes(size: tuple[int, int] = (64, 48), colour: str = "teal") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "navy").save(out, format="JPEG")
    return out.getvalue()


def pdf_bytes() -> bytes:
    """A real one-page PDF (Pillow writes it)."""
    out = io.BytesIO()
    Image.new("RGB", (200, 100), "white").save(out, format="PDF")
    return out.getvalue()


# What Windows executables start with: the "MZ" header and the DOS stub.
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def png_upload(name: str = "certificate.png") -> SimpleUploadedFile:
    return upload(name, png_bytes(), "image/png")


def pdf_upload(name: str = "certificate.pdf") -> SimpleUploadedFile:
    return upload(name, pdf_bytes(), "application/pdf")


def evidence(kind: str = "png") -> CheckedFile:
    return check_evidence(pdf_upload() if kind == "pdf" else png_upload())


def stored_files() -> list[str]:
    """Every file in the private (evidence) storage."""
    storage = storages["private"]
    found: list[str] = []
    pending = [""]
    while pending:
        folder = pending.pop()
        dirs, files = storage.listdir(folder)
        found += [f"{folder}/{f}" if folder else f for f in files]
        pending += [f"{folder}/{d}" if folder else d for d in dirs]
    return sorted(found)


def make_claim(
    profile: StudentProfile,
    category: Category,
    points: int = 10,
    *,
    kind: str = "png",
    activity_date: date | None = None,
    description: str = "Volunteered at the open day",
    idempotency_key: str = "",
) -> ActivityClaim:
    """A pending claim, submitted by the student through the real service."""
    return claims.submit_claim(
        actor=profile.user,
        category_id=category.pk,
        points=points,
        description=description,
        activity_date=activity_date or timezone.localdate(),
        evidence=evidence(kind),
        idempotency_key=idempotency_key or key(),
    )


def take(profile: StudentProfile, task: Task) -> TaskAssignment:
    return tasks.claim_task(actor=profile.user, task_id=task.pk)


def hand_in(
    profile: StudentProfile, task: Task, *, text: str = "Done, see the photo.", kind: str = ""
) -> TaskAssignment:
    """Take the task and submit it (with a file when `kind` is given)."""
    assignment = take(profile, task)
    return tasks.submit_task(
        actor=profile.user,
        assignment_id=assignment.pk,
        text=text,
        file=evidence(kind) if kind else None,
    )
