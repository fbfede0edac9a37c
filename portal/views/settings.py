from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.htmx import HtmxHttpRequest, render_page
from portal.models import Notification, Role, StudentProfile
from portal.selectors.milestones import badges_for, level_of
from portal.services.accounts import set_leaderboard_visibility
from portal.services.notifications import set_email_preferences


class PrivacyForm(forms.ModelForm):
    class Meta:
        model = StudentProfile
        fields = ["show_on_leaderboard"]
        labels = {"show_on_leaderboard": _("Show my name on the leaderboard")}
        help_texts = {
            "show_on_leaderboard": _(
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
        label=_("Email me about"),
    )


@login_required
def account_settings(request: HtmxHttpRequest) -> HttpResponse:
    """Profile, level and badges (students), privacy, email preferences and links to password,
    email and two-factor settings."""
    profile = request.user.student_profile if request.user.role == Role.STUDENT else None
    which = request.POST.get("form", "privacy") if request.method == "POST" else None
    email_form = EmailPreferencesForm(
        request.POST if which == "email" else None,
        initial={
            "wanted": [k for k in Notification.Kind.values if k not in request.user.email_opt_outs]
        },
    )
    if which == "email" and email_form.is_valid():
        set_email_preferences(request.user, wanted=email_form.cleaned_data["wanted"])
        # Back to the section, not the top of a long page; it says "saved" itself, since the
        # messages region at the top would be out of sight.
        return redirect(reverse("portal:settings") + "?saved=email#email")
    data = request.POST if which == "privacy" else None
    form = PrivacyForm(data, instance=profile) if profile else None
    if which == "privacy" and form is not None and form.is_valid():
        set_leaderboard_visibility(
            profile=profile, visible=form.cleaned_data["show_on_leaderboard"]
        )
        messages.success(request, _("Your privacy setting was saved."))
        return redirect("portal:settings")
    context = {
        "profile": profile,
        "privacy_form": form,
        "email_form": email_form,
        "email_saved": request.method == "GET" and request.GET.get("saved") == "email",
    }
    if profile is not None:
        context |= {"level": level_of(profile), "badges": badges_for(profile)}
    return render_page(request, "portal/settings.html", context)
