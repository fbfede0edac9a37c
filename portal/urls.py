from __future__ import annotations

from django.urls import path

from portal.views import dashboards, health, leaderboard, ledger, settings, staff

app_name = "portal"

urlpatterns = [
    path("", dashboards.dashboard, name="dashboard"),
    path("healthz", health.healthz, name="healthz"),
    path("settings/", settings.account_settings, name="settings"),
    # ledger
    path("leaderboard/", leaderboard.leaderboard, name="leaderboard"),
    path("history/", ledger.history, name="history"),
    path("history/export.csv", ledger.history_export, name="history-export"),
    path("balance/", ledger.balance_badge, name="balance-badge"),
    path("award/", ledger.award_page, name="award"),
    path("award/new/", ledger.award_create, name="award-create"),
    path("award/points-field/", ledger.award_points_field, name="award-points-field"),
    path("award/bulk/", ledger.bulk_award, name="award-bulk"),
    path("award/students/", ledger.student_search, name="student-search"),
    path("transactions/<int:pk>/reverse/", ledger.transaction_reverse, name="transaction-reverse"),
    # admin pages
    path("staff/people/", staff.user_list, name="user-list"),
    path("staff/people/new/", staff.user_create, name="user-create"),
    path("staff/people/<int:pk>/role/", staff.user_role, name="user-role"),
    path("staff/categories/", staff.category_list, name="category-list"),
    path("staff/categories/new/", staff.category_edit, name="category-create"),
    path("staff/categories/<int:pk>/edit/", staff.category_edit, name="category-edit"),
    path("staff/categories/<int:pk>/toggle/", staff.category_toggle, name="category-toggle"),
]
