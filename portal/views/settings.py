from __future__ import annotations

from django import forms
from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from portal import ratelimit
from portal.exceptions import PortalError
from portal.forms import add_portal_error
from portal.forms.accounts import ErasureRequestForm, ProfileForm
from portal.htmx import HtmxHttpRequest, render_page
from portal.models import Notification, StudentProfile
from portal.permissions import can_request_erasure, is_partner, is_student
from portal.selectors.accounts import latest_erasure_request, warnings_for
from portal.selectors.milestones import badges_for, level_of
from portal.selectors.personal_data import write_personal_data
from portal.services.accounts import (
    reset_calendar_token,
    set_leaderboard_visibility,
    update_profile,
)
from portal.services.accounts import set_language as save_language
from portal.services.notifications import set_email_preferences
from portal.views.api_tokens import personal_token_context
from portal.views.discord import settings_context as discord_settings_context


class PrivacyForm(forms.ModelForm):
    class Meta:
        model = StudentProfile
        fields = ["show_on_leaderboard", "leaderboard_name"]
        labels = {"show_on_leaderboard": gettext_lazy("Show my name on the leaderboard")}
        help_texts = {
            "show_on_leaderboard": gettext_lazy(
                "When your name is hidden, other people see “Anonymous student” in your place "
                "on the leaderboard. You always see yourself."
            )
        }


class EmailPreferencesForm(forms.Form):
    wanted = forms.MultipleChoiceField(
        choices=Notification.Kind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(
            attrs={"class": "h-4 w-4 rounded border-slate-300 text-brand-600"}
        ),
        label=gettext_lazy("Email me about"),
    )


@login_required
def account_settings(request: HtmxHttpRequest) -> HttpResponse:
    """Profile, level and badges (students), privacy, email preferences and links to password,
    email and two-factor settings."""
    profile = request.user.student_profile if is_student(request.user) else None
    which = request.POST.get("form", "privacy") if request.method == "POST" else None
    email_form = _email_form(request.user, request.POST if which == "email" else None)
    if which == "email" and email_form.is_valid():
        set_email_preferences(request.user, wanted=email_form.cleaned_data["wanted"])
        # Back to the section, not the top of a long page; it says "saved" itself, since the
        # messages region at the top would be out of sight.
        return redirect(reverse("portal:settings") + "?saved=email#email")
    data = request.POST if which == "privacy" else None
    form = PrivacyForm(data, instance=profile) if profile else None
    if which == "privacy" and form is not None and form.is_valid():
        try:
            set_leaderboard_visibility(
                profile=profile,
                visible=form.cleaned_data["show_on_leaderboard"],
                name=form.cleaned_data["leaderboard_name"],
            )
        except PortalError as exc:
            add_portal_error(form, exc)
        else:
            messages.success(request, _("Your privacy setting was saved."))
            return redirect("portal:settings")
    return render_settings(request, privacy_form=form, email_form=email_form)


def _email_form(user, data=None) -> EmailPreferencesForm:
    wanted = [k for k in Notification.Kind.values if k not in user.email_opt_outs]
    return EmailPreferencesForm(data, initial={"wanted": wanted})


def render_settings(request: HtmxHttpRequest, **bound: forms.Form | None) -> HttpResponse:
    """The settings page, with the given forms (bound, showing their errors) in place of
    fresh ones."""
    user = request.user
    profile = user.student_profile if is_student(user) else None
    name_editable = "name" in django_settings.UPAS_PROFILE_EDITABLE
    context = {
        "profile": profile,
        "privacy_form": bound["privacy_form"]
        if "privacy_form" in bound
        else (PrivacyForm(instance=profile) if profile else None),
        "email_form": bound.get("email_form") or _email_form(user),
        "profile_form": bound.get("profile_form")
        or ProfileForm(
            initial={"name": user.name}, name_editable=name_editable, has_photo=bool(user.photo)
        ),
        "erasure_form": bound.get("erasure_form") or ErasureRequestForm(),
        "erasure": latest_erasure_request(user),
        "can_request_erasure": can_request_erasure(user),
        "email_saved": request.method == "GET" and request.GET.get("saved") == "email",
        "language_form": LanguageForm(initial={"language": user.language}),
        "warnings": warnings_for(user),
        "calendar_url": request.build_absolute_uri(
            reverse("portal:calendar-feed", args=[user.calendar_token])
        )
        if user.calendar_token
        else "",
    }
    if profile is not None:
        context |= {"level": level_of(profile), "badges": badges_for(profile)}
    # Events calendar, Discord and API tokens are about points and events: not for partners
    # (their pages are fenced off, so the sections would only lead to a 403).
    context["member_sections"] = not is_partner(user)
    if context["member_sections"]:
        context |= discord_settings_context(user)
        context |= personal_token_context(user)
    return render_page(request, "portal/settings.html", context)


@login_required
@require_POST
def profile_update(request: HtmxHttpRequest) -> HttpResponse:
    """Name (where the university allows it) and photo."""
    name_editable = "name" in django_settings.UPAS_PROFILE_EDITABLE
    form = ProfileForm(
        request.POST,
        request.FILES,
        name_editable=name_editable,
        has_photo=bool(request.user.photo),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            update_profile(
                user=request.user,
                name=data.get("name"),
                photo=data.get("photo"),
                remove_photo=data.get("remove_photo", False),
            )
        except PortalError as exc:
            add_portal_error(form, exc)
        else:
            messages.success(request, _("Your profile was saved."))
            return redirect(reverse("portal:settings") + "#profile")
    return render_settings(request, profile_form=form)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        choices=[
            ("", gettext_lazy("The language my browser asks for")),
            *django_settings.LANGUAGES,
        ],
        required=False,
        label=gettext_lazy("Language"),
        widget=forms.RadioSelect(attrs={"class": "h-4 w-4 border-slate-300 text-brand-600"}),
    )


@require_POST
def choose_language(request: HtmxHttpRequest) -> HttpResponse:
    """The header's and the settings page's language choice, for everyone. Django's
    `set_language` sets the cookie and checks `next`; a signed-in user's choice is also kept on
    their account, so it follows them to other devices and into their emails."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the languages offered."))
        return redirect("portal:settings" if request.user.is_authenticated else "/")
    language = form.cleaned_data["language"]
    response = set_language(request)
    if not language:  # back to the browser's language
        response.delete_cookie(django_settings.LANGUAGE_COOKIE_NAME)
    if request.user.is_authenticated:
        save_language(user=request.user, language=language)
    return response


EXPORTS_PER_USER = "5/h"


@login_required
def data_export(request: HtmxHttpRequest) -> HttpResponse:
    """GET: what the download contains and a button; POST: the zip of everything the portal
    holds about the signed-in user (a POST, so no link prefetch builds one)."""
    minutes = 0
    if request.method == "POST":
        # Each archive reads everything the person has and copies their files: a few an hour
        # is plenty for a person and keeps a script from tying up the workers.
        usage = ratelimit.consume("data-export:user", str(request.user.pk), EXPORTS_PER_USER)
        if usage.limited:
            minutes = max(1, -(-usage.seconds_left // 60))
    if request.method == "POST" and not minutes:
        archive = write_personal_data(request.user)
        stamp = timezone.localdate().isoformat()
        response = FileResponse(
            archive,
            as_attachment=True,
            filename=f"upas-data-{stamp}.zip",
            content_type="application/zip",
        )
        response["Cache-Control"] = "private, no-store"
        return response
    context = {"is_student": is_student(request.user), "wait_minutes": minutes}
    return render_page(
        request, "portal/settings_export.html", context, status=429 if minutes else 200
    )


@login_required
@require_POST
def calendar_reset(request: HtmxHttpRequest) -> HttpResponse:
    """Make (or replace) the user's calendar subscription address; the old one stops working."""
    reset_calendar_token(user=request.user)
    messages.success(request, _("Your calendar address is new: the old one no longer works."))
    return redirect(reverse("portal:settings") + "#calendar")
