from __future__ import annotations

from django.urls import path

from portal.views import (
    dashboards,
    draws,
    events,
    health,
    leaderboard,
    ledger,
    rewards,
    settings,
    staff,
)

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
    # rewards
    path("rewards/", rewards.catalogue, name="rewards"),
    path("rewards/mine/", rewards.my_redemptions, name="my-redemptions"),
    path("rewards/<int:pk>/", rewards.reward_detail, name="reward-detail"),
    path("rewards/<int:pk>/action/", rewards.reward_action, name="reward-action"),
    path("rewards/<int:pk>/redeem/", rewards.reward_redeem, name="reward-redeem"),
    path("rewards/mine/<int:pk>/cancel/", rewards.redemption_cancel, name="redemption-cancel"),
    path("staff/rewards/", rewards.reward_admin_list, name="reward-admin"),
    path("staff/rewards/new/", rewards.reward_edit, name="reward-create"),
    path("staff/rewards/<int:pk>/edit/", rewards.reward_edit, name="reward-edit"),
    path("staff/rewards/<int:pk>/toggle/", rewards.reward_toggle, name="reward-toggle"),
    path("staff/redemptions/", rewards.redemption_queue, name="redemption-queue"),
    path("staff/redemptions/bulk/", rewards.redemption_bulk, name="redemption-bulk"),
    path("staff/redemptions/count/", rewards.queue_badge, name="queue-badge"),
    path("staff/redemptions/<int:pk>/decide/", rewards.redemption_decide, name="redemption-decide"),
    # events
    path("events/", events.event_list, name="events"),
    path("events/new/", events.event_edit, name="event-create"),
    path("events/<int:pk>/", events.event_detail, name="event-detail"),
    path("events/<int:pk>/edit/", events.event_edit, name="event-edit"),
    path("events/<int:pk>/status/", events.event_status, name="event-status"),
    path("events/<int:pk>/check-in/", events.event_checkin, name="event-checkin"),
    path("events/<int:pk>/scan/<str:code>/", events.event_scan, name="event-scan"),
    path("events/<int:pk>/screen/", events.event_screen, name="event-screen"),
    path("events/<int:pk>/attendance/", events.event_attendance, name="event-attendance"),
    path(
        "events/<int:pk>/attendance/add/", events.event_checkin_manual, name="event-checkin-manual"
    ),
    path(
        "events/<int:pk>/attendance/upload/",
        events.event_attendance_upload,
        name="event-attendance-upload",
    ),
    path(
        "events/<int:pk>/attendance.csv",
        events.event_attendance_export,
        name="event-attendance-export",
    ),
    path("events/<int:pk>/students/", events.event_student_search, name="event-student-search"),
    # draws
    path("draws/", draws.draw_list, name="draws"),
    path("draws/new/", draws.draw_edit, name="draw-create"),
    path("draws/<int:pk>/", draws.draw_detail, name="draw-detail"),
    path("draws/<int:pk>/edit/", draws.draw_edit, name="draw-edit"),
    path("draws/<int:pk>/enter/", draws.draw_enter, name="draw-enter"),
    path("draws/<int:pk>/perform/", draws.draw_perform, name="draw-perform"),
    path("draws/<int:pk>/screen/", draws.draw_screen, name="draw-screen"),
    path("draws/<int:pk>/verify/", draws.draw_verify, name="draw-verify"),
    path("draws/prizes/<int:pk>/claim/", draws.prize_claim, name="prize-claim"),
    path("draws/prizes/<int:pk>/pass/", draws.prize_pass, name="prize-pass"),
    # admin pages
    path("staff/people/", staff.user_list, name="user-list"),
    path("staff/people/new/", staff.user_create, name="user-create"),
    path("staff/people/<int:pk>/role/", staff.user_role, name="user-role"),
    path("staff/categories/", staff.category_list, name="category-list"),
    path("staff/categories/new/", staff.category_edit, name="category-create"),
    path("staff/categories/<int:pk>/edit/", staff.category_edit, name="category-edit"),
    path("staff/categories/<int:pk>/toggle/", staff.category_toggle, name="category-toggle"),
]
