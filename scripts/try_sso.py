"""Try campus sign-in locally: the tests' OpenID Connect provider (django-oauth-toolkit) on
port 8100 with two campus people, and the portal on port 8000 configured to use it.

    .venv/bin/python scripts/try_sso.py     (after `make run` has made the demo database)

Then open http://127.0.0.1:8000/accounts/login/ and choose "Sign in with Campus sign-in":
campus username `sara` / `campus-demo` (a new student, CS2026777) or `lopez` / `campus-demo`
(links to the demo faculty account faculty@upas.test by its email, faculty by group)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.sso.provider import CLIENT_ID, _rsa_key  # noqa: E402

PEOPLE = """[
 {"username": "sara", "password": "campus-demo", "name": "Sara Nasser",
  "email": "sara.nasser@upas.test", "enrollment_number": "CS2026777", "department": "CS",
  "groups": ["students"]},
 {"username": "lopez", "password": "campus-demo", "name": "Dr Maria Lopez",
  "email": "faculty@upas.test", "groups": ["faculty-staff"]}
]"""


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="upas-idp-"))
    (workdir / "people.json").write_text(PEOPLE)
    secret = secrets.token_urlsafe(24)
    idp = subprocess.Popen(
        [sys.executable, "-m", "tests.sso.idp.serve"],
        cwd=ROOT,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "IDP_PORT": "8100",
            "IDP_DATABASE": str(workdir / "idp.sqlite3"),
            "IDP_RSA_KEY": _rsa_key(),
            "IDP_PEOPLE": str(workdir / "people.json"),
            "IDP_REDIRECT_URI": "http://127.0.0.1:8000/accounts/oidc/campus/login/callback/",
            "IDP_CLIENT_ID": CLIENT_ID,
            "IDP_CLIENT_SECRET": secret,
        },
        stdout=subprocess.PIPE,
        text=True,
    )
    print(f"identity provider on http://127.0.0.1:{idp.stdout.readline().strip()}/o")
    portal_env = {
        **os.environ,
        "SSO_OIDC_ISSUER": "http://127.0.0.1:8100/o",
        "SSO_OIDC_CLIENT_ID": CLIENT_ID,
        "SSO_OIDC_CLIENT_SECRET": secret,
        "SSO_ENROLLMENT_CLAIM": "enrollment_number",
        "SSO_DEPARTMENT_CLAIM": "department",
        "SSO_GROUP_CLAIM": "groups",
        "SSO_GROUP_ROLES": "faculty-staff=faculty",
    }
    try:
        subprocess.run(
            [sys.executable, "manage.py", "runserver", "127.0.0.1:8000"], cwd=ROOT, env=portal_env
        )
    finally:
        idp.terminate()


if __name__ == "__main__":
    main()
