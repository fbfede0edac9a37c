"""Run the test identity provider: migrate its own SQLite database, create the directory's
people and the portal's client, serve on a free port and print it.

    python -m tests.sso.idp.serve   (env: IDP_DATABASE, IDP_RSA_KEY, IDP_PEOPLE,
                                     IDP_REDIRECT_URI, IDP_CLIENT_ID, IDP_CLIENT_SECRET,
                                     IDP_PORT: 0 for any free port)"""

from __future__ import annotations

import os
import socketserver
import sys
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import django


class ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.sso.idp.settings")
    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from oauth2_provider.models import Application

    from tests.sso.idp.claims import directory

    call_command("migrate", verbosity=0)
    for person in directory().values():
        User.objects.create_user(person["username"], password=person["password"])
    Application.objects.create(
        name="UPAS portal",
        client_id=os.environ["IDP_CLIENT_ID"],
        client_secret=os.environ["IDP_CLIENT_SECRET"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=os.environ["IDP_REDIRECT_URI"],
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=False,
    )
    port = int(os.environ.get("IDP_PORT", "0"))
    app = get_wsgi_application()
    server = make_server("127.0.0.1", port, app, ThreadingServer, handler_class=QuietHandler)
    print(server.server_port, flush=True)
    sys.stdout.close()
    server.serve_forever()


if __name__ == "__main__":
    main()
