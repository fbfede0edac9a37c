"""/api/v1/: the endpoints, the OpenAPI schema and its interactive documentation."""

from __future__ import annotations

from django.urls import path, re_path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from . import views
from .errors import not_found

app_name = "api"


class SchemaView(SpectacularJSONAPIView):
    """The OpenAPI 3 schema, readable without a token (it describes, it reveals nothing)."""

    permission_classes = [AllowAny]


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI, its files from drf-spectacular-sidecar and its start-up script from this
    view (`?script=`), never inline: the CSP allows scripts from this site only."""

    permission_classes = [AllowAny]
    template_name = "portal/api/swagger_ui.html"


urlpatterns = [
    path("openapi.json", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
    path("me/", views.me, name="me"),
    path("students/", views.student_list, name="students"),
    path("students/<int:pk>/", views.student_detail, name="student"),
    path("students/<int:pk>/history/", views.student_history, name="student-history"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("categories/", views.category_list, name="categories"),
    path("points/award/", views.award, name="award"),
    path("points/deduct/", views.deduct, name="deduct"),
    path("points/bulk-award/", views.bulk_award, name="bulk-award"),
    path("transactions/<int:pk>/reverse/", views.reverse, name="reverse"),
    path("rewards/", views.reward_list, name="rewards"),
    path("rewards/<int:pk>/redeem/", views.redeem, name="redeem"),
    path("redemptions/", views.redemption_list, name="redemptions"),
    path("redemptions/<int:pk>/cancel/", views.cancel, name="redemption-cancel"),
    path("redemptions/<int:pk>/decide/", views.decide, name="decide"),
    path("events/", views.event_list, name="events"),
    path("events/<int:pk>/check-ins/", views.check_in, name="check-in"),
    path("draws/", views.draw_list, name="draws"),
    path("draws/<int:pk>/verification/", views.draw_verification, name="draw-verification"),
    re_path(r"^.*$", not_found, name="not-found"),
]
