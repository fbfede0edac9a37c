"""Tasks: the list (students: what they can take and their current task; staff: what they
posted), the task page with the student's panel (take, submit, abandon), posting and editing,
and the submission file for its student and reviewers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.exceptions import PortalError
from portal.forms import add_portal_error
from portal.forms.claims import SubmitTaskForm, TaskForm
from portal.htmx import HtmxHttpRequest, render_page
from portal.models import Role, Task, TaskAssignment
from portal.permissions import (
    STAFF,
    access_assignment_file,
    access_own_assignment,
    access_task,
    access_task_for_editing,
    can_claim,
    can_edit_task,
    role_required,
    student_profile_of,
)
from portal.selectors import tasks as task_selectors
from portal.services import tasks as task_services
from portal.tables.paging import lazy_page
from portal.uploads import evidence_response

DETAIL = "portal/tasks/detail.html"
# Pages of tasks without a total (LazyPaginator reads one row more than the page instead of
# counting): at 50,000 students there were 386 open tasks on one page.
TASK_PAGE_SIZE = 24


@login_required
@require_GET
def task_list(request: HtmxHttpRequest) -> HttpResponse:
    user = request.user
    number = request.GET.get("page")
    if not can_claim(user):
        tasks = task_selectors.tasks_posted(user)
        return render_page(
            request,
            "portal/tasks/staff_list.html",
            {"page": lazy_page(tasks, TASK_PAGE_SIZE, number), "now": timezone.now()},
            partial="task-list",
        )
    profile = student_profile_of(user)
    tasks = task_selectors.available_tasks(profile)
    return render_page(
        request,
        "portal/tasks/list.html",
        {
            "tab": "tasks",
            "current": task_selectors.current_assignment(profile),
            "page": lazy_page(tasks, TASK_PAGE_SIZE, number),
            "past": task_selectors.past_assignments(profile),
        },
        partial="task-list",
    )


def _refusal(task: Task, current: TaskAssignment | None, mine: TaskAssignment | None) -> str:
    """Why the student cannot take the task now ("" when they can)."""
    try:
        task_services.check_claimable(
            task,
            current=current,
            taken_before=mine is not None and mine.status != TaskAssignment.Status.ABANDONED,
            held=task.held,
        )
    except PortalError as exc:
        return exc.message
    return ""


def _detail_context(request: HtmxHttpRequest, task: Task, **extra: Any) -> dict[str, Any]:
    user = request.user
    context: dict[str, Any] = {"task": task, "now": timezone.now(), **extra}
    if can_claim(user):
        profile = student_profile_of(user)
        mine = task_selectors.get_assignment_of(profile, task)
        current = task_selectors.current_assignment(profile)
        context.update(
            {
                "assignment": mine,
                "current": current,
                "refusal": _refusal(task, current, mine),
            }
        )
        context.setdefault("submit_form", SubmitTaskForm())
    else:
        context.update(
            {
                "assignments": task_selectors.list_task_assignments(task),
                "can_edit": can_edit_task(user, task),
            }
        )
    return context


@login_required
@require_GET
def task_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    task = access_task(request.user, pk, tasks=task_selectors.task_for_page())
    return render_page(request, DETAIL, _detail_context(request, task))


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def task_edit(request: HtmxHttpRequest, pk: int | None = None) -> HttpResponse:
    task = (
        access_task_for_editing(request.user, pk, tasks=task_selectors.task_for_page())
        if pk
        else None
    )
    form = TaskForm(request.POST or None, request.FILES or None, instance=task)
    if request.method == "POST" and form.is_valid():
        try:
            saved = task_services.save_task(actor=request.user, task=form.save(commit=False))
        except PortalError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Saved “%(t)s”.") % {"t": saved.title})
            return redirect("portal:task-detail", pk=saved.pk)
    return render_page(request, "portal/tasks/form.html", {"form": form, "task": task})


def _panel(request: HtmxHttpRequest, task: Task, **extra: Any) -> HttpResponse:
    """The student's panel on the task page, re-read after a change (htmx)."""
    task = access_task(request.user, task.pk, tasks=task_selectors.task_for_page())
    return render_page(
        request, DETAIL, _detail_context(request, task, **extra), partial="assignment-panel"
    )


def _busy_link(request: HtmxHttpRequest, message: str) -> str:
    """A refusal because of another unfinished task links to that task."""
    current = task_selectors.current_assignment(student_profile_of(request.user))
    if current is None:
        return message
    url = reverse("portal:task-detail", kwargs={"pk": current.task_id})
    return format_html('{} <a class="link" href="{}">{}</a>', message, url, _("Go to it"))


@role_required(Role.STUDENT)
@require_POST
def task_claim(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    task = access_task(request.user, pk, tasks=task_selectors.task_for_page())
    try:
        task_services.claim_task(actor=request.user, task_id=task.pk)
    except PortalError as exc:
        error = _busy_link(request, exc.message) if exc.code == "busy" else exc.message
        if request.htmx:
            return _panel(request, task, error=error)
        messages.error(request, error)
        return redirect("portal:task-detail", pk=task.pk)
    notice = _("The task is yours. Submit it before the deadline.")
    if request.htmx:
        return _panel(request, task, notice=notice)
    messages.success(request, notice)
    return redirect("portal:task-detail", pk=task.pk)


@role_required(Role.STUDENT)
@require_POST
def task_submit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    assignment = access_own_assignment(request.user, pk)
    form = SubmitTaskForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            task_services.submit_task(
                actor=request.user,
                assignment_id=assignment.pk,
                text=form.cleaned_data["text"],
                file=form.cleaned_data["file"],
            )
        except PortalError as exc:
            add_portal_error(form, exc)
        else:
            notice = _("Submitted. A reviewer will look at it soon.")
            if request.htmx:
                return _panel(request, assignment.task, notice=notice)
            messages.success(request, notice)
            return redirect("portal:task-detail", pk=assignment.task_id)
    if request.htmx:
        return _panel(request, assignment.task, submit_form=form)
    task = access_task(request.user, assignment.task_id, tasks=task_selectors.task_for_page())
    return render_page(request, DETAIL, _detail_context(request, task, submit_form=form))


@role_required(Role.STUDENT)
@require_POST
def task_abandon(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Give up one's own task (claimed or submitted); the place is free again."""
    assignment = access_own_assignment(request.user, pk)
    try:
        task_services.abandon_task(actor=request.user, assignment_id=assignment.pk)
    except PortalError as exc:
        if request.htmx:
            return _panel(request, assignment.task, error=exc.message)
        messages.error(request, exc.message)
        return redirect("portal:task-detail", pk=assignment.task_id)
    notice = _("You gave up “%(t)s”; your place is free for someone else.") % {
        "t": assignment.task.title
    }
    if request.htmx:
        return _panel(request, assignment.task, notice=notice)
    messages.success(request, notice)
    return redirect("portal:tasks")


@login_required
@require_GET
def task_file(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A submission's file, for its student and for reviewers only (404 for others)."""
    assignment = access_assignment_file(request.user, pk)
    return evidence_response(
        assignment.submission_file, assignment.file_type, f"task-{assignment.pk}-file"
    )
