"""Admin pages inside the portal: people and roles, point categories, the audit log."""

from __future__ import annotations

from allauth.account.forms import ResetPasswordForm
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_tables2 import RequestConfig

from portal.exceptions import PortalError
from portal.filters.audit import AuditFilter
from portal.forms import add_portal_error
from portal.forms.accounts import ASSIGNABLE_ROLES, RoleForm, StaffUserForm, UserFilterForm
from portal.forms.categories import CategoryForm
from portal.htmx import HtmxHttpRequest, render_page
from portal.models import AuditLog, Category, Role, User
from portal.permissions import accounts_manager_required, people_in_reach, role_required
from portal.selectors.accounts import list_users
from portal.services import accounts as account_services
from portal.services import categories as category_services
from portal.tables.audit import AuditTable
from portal.tables.paging import configure_paged
from portal.tables.staff import CategoryTable


@role_required(Role.ADMIN)
def user_list(request: HtmxHttpRequest) -> HttpResponse:
    """Everyone, searchable by name/email/enrollment and filterable by role."""
    filters = UserFilterForm(request.GET or None)
    options = filters.cleaned_data if filters.is_valid() else {"q": "", "role": ""}
    people = people_in_reach(request.user, list_users(role=options["role"], query=options["q"]))
    page = Paginator(people, 25).get_page(request.GET.get("page"))
    return render_page(
        request,
        "portal/staff/users.html",
        {
            "filters": filters,
            "page": page,
            "roles": Role.choices,
            "assignable_roles": ASSIGNABLE_ROLES,
        },
        partial="user-table",
    )


@accounts_manager_required
def user_create(request: HtmxHttpRequest) -> HttpResponse:
    """Create a faculty member or admin; they get an email to set their password."""
    form = StaffUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = account_services.create_staff_user(actor=request.user, **form.cleaned_data)
        except PortalError as exc:
            add_portal_error(form, exc)
        else:
            # allauth's reset form sends the "set your password" link through the normal flow.
            reset = ResetPasswordForm(data={"email": user.email})
            if reset.is_valid():
                reset.save(request)
            messages.success(
                request,
                _("%(name)s can now sign in as %(role)s; we emailed them a link to set a password.")
                % {"name": user.name, "role": user.get_role_display().lower()},
            )
            return redirect("portal:user-list")
    return render_page(request, "portal/staff/user_form.html", {"form": form})


@accounts_manager_required
@require_POST
def user_role(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Change one person's role (htmx: the row re-renders with the result)."""
    target = get_object_or_404(User.objects.select_related("student_profile__department"), pk=pk)
    form = RoleForm(request.POST)
    error = None
    if form.is_valid():
        try:
            target = account_services.change_role(
                actor=request.user, user_id=target.pk, role=form.cleaned_data["role"]
            )
        except PortalError as exc:
            error = exc.message
    else:
        error = _("Choose a role.")
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(
                request,
                _("%(name)s is now %(role)s.")
                % {"name": target.name, "role": target.get_role_display()},
            )
        return redirect("portal:user-list")
    return render_page(
        request,
        "portal/staff/users.html",
        {
            "u": target,
            "assignable_roles": ASSIGNABLE_ROLES,
            "row_error": error,
            "row_saved": error is None,
        },
        partial="user-row",
    )


@role_required(Role.ADMIN)
def category_list(request: HtmxHttpRequest) -> HttpResponse:
    table = CategoryTable(Category.objects.all())
    RequestConfig(request, paginate=False).configure(table)
    return render_page(request, "portal/staff/categories.html", {"table": table})


@role_required(Role.ADMIN)
def category_edit(request: HtmxHttpRequest, pk: int | None = None) -> HttpResponse:
    category = get_object_or_404(Category, pk=pk) if pk else None
    form = CategoryForm(request.POST or None, instance=category)
    if request.method == "POST" and form.is_valid():
        saved = category_services.save_category(
            actor=request.user, category=form.save(commit=False)
        )
        messages.success(request, _("Saved “%(name)s”.") % {"name": saved.name})
        return redirect("portal:category-list")
    return render_page(
        request, "portal/staff/category_form.html", {"form": form, "category": category}
    )


@role_required(Role.ADMIN)
@require_POST
def category_toggle(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    category = get_object_or_404(Category, pk=pk)
    category = category_services.set_category_active(
        actor=request.user, category_id=category.pk, active=not category.is_active
    )
    state = _("reactivated") if category.is_active else _("deactivated")
    messages.success(request, _("“%(name)s” %(state)s.") % {"name": category.name, "state": state})
    return redirect("portal:category-list")


@role_required(Role.ADMIN)
@require_GET
def audit_log(request: HtmxHttpRequest) -> HttpResponse:
    """The audit log, newest first, filterable; read-only (there is no view that changes it)."""
    entries = AuditLog.objects.select_related("actor").only(
        "created_at",
        "action",
        "target_type",
        "target_id",
        "target_repr",
        "before",
        "after",
        "actor__name",
    )
    filters = AuditFilter(request.GET or None, queryset=entries)
    table = AuditTable(filters.qs)
    configure_paged(request, table, per_page=30, count=False)
    return render_page(
        request,
        "portal/staff/audit.html",
        {"filter": filters, "table": table},
        partial="audit-table",
    )
