"""Django's /admin/ for superusers. The ledger and the audit log are read-only here: points move
only through the services, so every change keeps the invariants and leaves a trail."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from .models import AuditLog, Category, Department, StudentProfile, Transaction, User


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "role", "is_active", "is_superuser"]
    list_filter = ["role", "is_active", "is_superuser"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Person", {"fields": ["name", "role"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "name", "role", "password1", "password2"]})
    ]
    readonly_fields = ["role"]  # roles change through the portal's people page, which audits it


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(StudentProfile)
class StudentProfileAdmin(admin.ModelAdmin):
    list_display = ["enrollment_number", "user", "department", "balance", "lifetime_points"]
    list_select_related = ["user", "department"]
    search_fields = ["enrollment_number", "user__name", "user__email"]
    list_filter = ["department", "year"]
    readonly_fields = ["balance", "lifetime_points"]
    raw_id_fields = ["user"]


@admin.register(Category)
class CategoryAdmin(ReadOnlyAdmin):
    list_display = ["name", "min_points", "default_points", "max_points", "yearly_cap", "is_active"]


@admin.register(Transaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "student", "kind", "amount", "category", "actor", "reason"]
    list_select_related = ["student__user", "category", "actor"]
    list_filter = ["kind", "category"]
    search_fields = ["student__enrollment_number", "student__user__name", "reason"]
    date_hierarchy = "created_at"
    show_full_result_count = False  # no COUNT(*) over the whole ledger


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor", "action", "target_repr"]
    list_filter = ["action"]
    list_select_related = ["actor"]
