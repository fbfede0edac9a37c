"""Where a receiver may be: https on a public address; http only to this machine when the
development setting allows it; never a private, loopback or link-local address (SSRF)."""

from __future__ import annotations

import pytest

from portal.exceptions import WebhookError
from portal.models import AuditLog, WebhookEndpoint
from portal.services import webhooks

pytestmark = pytest.mark.django_db


def refused(code: str, url: str, **kwargs) -> None:
    with pytest.raises(WebhookError) as caught:
        webhooks.check_url(url, **kwargs)
    assert caught.value.code == code
    assert caught.value.field == "url"


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("", "bad_url"),
        ("hooks.example.edu/upas", "bad_url"),
        ("ftp://hooks.example.edu/", "bad_url"),
        ("https://user:pass@hooks.example.edu/", "bad_url"),
        ("https://hooks.example.edu:99999/", "bad_url"),
        ("http://hooks.example.edu/upas", "not_https"),
        ("https://10.1.2.3/hook", "private_address"),
        ("https://192.168.0.10/hook", "private_address"),
        ("https://172.16.5.4/hook", "private_address"),
        ("https://169.254.169.254/latest/meta-data/", "private_address"),  # cloud metadata
        ("https://100.64.0.1/hook", "private_address"),  # carrier-grade NAT
        ("https://0.0.0.0/hook", "private_address"),
        ("https://[fd00::1]/hook", "private_address"),
        ("https://[fe80::1]/hook", "private_address"),
        ("https://[::ffff:10.0.0.1]/hook", "private_address"),
        # IPv4 carried in IPv6: NAT64, 6to4 and IPv4-compatible forms of private addresses
        ("https://[64:ff9b::a9fe:a9fe]/hook", "private_address"),
        ("https://[2002:a9fe:a9fe::1]/hook", "private_address"),
        ("https://[::7f00:1]/hook", "private_address"),
        ("https://x..example.edu/hook", "bad_url"),  # an empty label (was a 500)
    ],
)
def test_bad_and_private_addresses_are_refused(url, code):
    refused(code, url)


def test_local_receivers_only_when_the_setting_allows_them(settings):
    settings.UPAS_WEBHOOKS_ALLOW_HTTP_LOCAL = True
    assert webhooks.check_url("http://127.0.0.1:8131/hook") == "http://127.0.0.1:8131/hook"
    assert webhooks.check_url("http://localhost/hook")
    settings.UPAS_WEBHOOKS_ALLOW_HTTP_LOCAL = False  # production
    refused("not_https", "http://127.0.0.1:8131/hook")
    refused("private_address", "https://127.0.0.1/hook")
    refused("private_address", "https://localhost/hook")


def test_public_and_not_yet_resolvable_names_are_accepted():
    assert webhooks.check_url("https://93.184.215.14/upas")
    # Not resolvable now (no such name): accepted, and checked again before every send.
    assert webhooks.check_url("https://hooks.example.invalid/upas")


def test_registering_a_bad_address_writes_nothing(admin):
    with pytest.raises(WebhookError) as caught:
        webhooks.register_endpoint(actor=admin, url="https://10.0.0.1/", events=["checkin.created"])
    assert caught.value.code == "private_address"
    with pytest.raises(WebhookError) as caught:
        webhooks.register_endpoint(actor=admin, url="https://hooks.example.edu/", events=["nope"])
    assert (caught.value.code, caught.value.field) == ("no_events", "events")
    assert not WebhookEndpoint.objects.exists() and not AuditLog.objects.exists()


def test_only_unlimited_admins_register(faculty, department_admin):
    for actor in (faculty, department_admin):
        with pytest.raises(WebhookError) as caught:
            webhooks.register_endpoint(
                actor=actor, url="https://hooks.example.edu/", events=["checkin.created"]
            )
        assert caught.value.code == "forbidden"


def test_the_secret_is_stored_sealed_and_registration_is_audited(admin):
    endpoint, secret = webhooks.register_endpoint(
        actor=admin, url="https://hooks.example.edu/upas", events=["points.awarded"]
    )
    endpoint.refresh_from_db()
    assert secret.startswith("whsec_") and secret not in endpoint.secret_sealed
    assert webhooks.unseal(endpoint.secret_sealed) == secret
    entry = AuditLog.objects.get(action="webhook.create")
    assert entry.after["url"] == "https://hooks.example.edu/upas"
    assert secret not in str(entry.after)


def test_the_secret_survives_a_secret_key_rotation_with_a_fallback(admin, settings):
    endpoint, secret = webhooks.register_endpoint(
        actor=admin, url="https://hooks.example.edu/upas", events=["points.awarded"]
    )
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-key-" + "x" * 50
    assert webhooks.unseal(endpoint.secret_sealed) == secret
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(WebhookError) as caught:
        webhooks.unseal(endpoint.secret_sealed)
    assert caught.value.code == "secret_unreadable"
