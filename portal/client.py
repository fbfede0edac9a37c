"""Who is asking: the client's address behind the trusted proxies, and its browser."""

from __future__ import annotations

from allauth.core.internal.httpkit import get_client_ip
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as allauth's rate limits see it: with TRUSTED_PROXY_COUNT proxies
    in front, the address the outermost trusted proxy saw; else the socket's peer."""
    try:
        return get_client_ip(request)
    except ImproperlyConfigured:  # fewer X-Forwarded-For hops than trusted proxies
        return None


def user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:255]
