"""Certificates and transcripts: who issues and revokes them, who downloads them.

Verification by code is public (the code is the holder's to hand out), so it needs no rule
here; downloads from /certificates/ are the holder's (a graduate keeps theirs) and admins'."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from portal.models import Certificate, Transcript, User

from .roles import is_admin, is_alumnus, is_student


def can_issue_certificates(user: User | None) -> bool:
    """Issue for anything, issue in bulk for an event, revoke: admins."""
    return is_admin(user)


def has_certificates(user: User | None) -> bool:
    """The /certificates/ and /transcript/ pages: students, and graduates, who keep theirs."""
    return is_student(user) or is_alumnus(user)


def access_certificate(viewer: User, code: str) -> Certificate:
    """A certificate to download: the holder's own, or any for an admin (404 otherwise)."""
    certificates = Certificate.objects.select_related("holder__user")
    if can_issue_certificates(viewer):
        return get_object_or_404(certificates, code=code)
    return get_object_or_404(certificates, code=code, holder__user=viewer)


def access_certificate_for_admin(viewer: User, pk: int) -> Certificate:
    if not can_issue_certificates(viewer):
        raise Http404
    return get_object_or_404(Certificate.objects.select_related("holder__user"), pk=pk)


def access_own_transcript(viewer: User, code: str) -> Transcript:
    return get_object_or_404(
        Transcript.objects.select_related("holder__user"), code=code, holder__user=viewer
    )
