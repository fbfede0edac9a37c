"""The OpenAPI schema validates, describes every endpoint, and the documentation page loads
its files from this site only (the CSP allows nothing else)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from openapi_spec_validator import validate

from portal.api import urls as api_urls

pytestmark = pytest.mark.django_db


def test_the_schema_is_valid_openapi_3():
    response = Client().get(reverse("api:schema"))
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate(schema)


def test_the_schema_describes_every_endpoint_and_the_bearer_token():
    schema = Client().get(reverse("api:schema")).json()
    paths = set(schema["paths"])
    routes = {
        "/api/v1/" + re.sub(r"<int:\w+>", "{id}", str(p.pattern))
        for p in api_urls.urlpatterns
        if p.name not in {"schema", "docs", "not-found"}
    }
    assert routes == paths
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    award = schema["paths"]["/api/v1/points/award/"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["required"] for p in award["parameters"])


def test_the_docs_page_loads_only_local_files_and_no_inline_script():
    response = Client().get(reverse("api:docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>" not in html and "<style>" not in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert "script-src 'self'" in response["Content-Security-Policy"]
    script = re.search(r'<script src="([^"]+\?script=)"', html).group(1)
    assert Client().get(script).status_code == 200
