from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from portal.htmx import HtmxHttpRequest, render_page
from portal.models import Role, StudentProfile
from portal.services.accounts import set_leaderboard_visibility


class PrivacyForm(forms.ModelForm):
    class Meta:
        model = StudentProfile
        fields = ["show_on_leaderboard"]
        labels = {"show_on_leaderboard": _("Show my name on the leaderboard")}


@login_required
def account_settings(request: HtmxHttpRequest) -> HttpResponse:
    """Profile, privacy and links to password, email and two-factor settings."""
    profile = request.user.student_profile if request.user.role == Role.STUDENT else None
    data = request.POST if request.method == "POST" else None
    form = PrivacyForm(data, instance=profile) if profile else None
    if request.method == "POST" and form is not None and form.is_valid():
        set_leaderboard_visibility(
            profile=profile, visible=form.cleaned_data["show_on_leaderboard"]
        )
        messages.success(request, _("Your privacy setting was saved."))
        return redirect("portal:settings")
    return render_page(request, "portal/settings.html", {"profile": profile, "privacy_form": form})
