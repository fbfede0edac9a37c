"""The JSON API under /api/v1/ (Django REST Framework, schema by drf-spectacular). A request
carries `Authorization: Bearer <token>` and acts as the token's owner: views call the same
services, selectors and `portal.permissions` functions as the pages, and the token's scopes
and department limit narrow that further. docs/API.md is the guide for integrators."""
