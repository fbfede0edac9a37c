"""A real OpenID Connect provider for the SSO tests: django-oauth-toolkit in its own process
(serve.py), with its own settings, database and signing key. The portal reaches it over HTTP
exactly as it would reach a campus provider."""
