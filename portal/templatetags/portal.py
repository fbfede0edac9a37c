from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField
from django.urls import resolve
from django.urls.exceptions import Resolver404

register = template.Library()


@register.simple_tag(takes_context=True)
def active_nav(context: template.Context, url_name: str) -> str:
    """The active-link classes when the current page is `url_name` (with aria-current)."""
    request = context.get("request")
    if request is None:
        return ""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return ""
    # "portal:draw*" marks a whole area active (the list, a draw's page, its screen ...).
    if url_name.endswith("*"):
        active = match.view_name.startswith(url_name[:-1])
    else:
        active = match.view_name == url_name
    return "nav-link-active" if active else ""


@register.filter
def minus(value: int, other: int) -> int:
    return int(value) - int(other)


@register.filter
def signed(value: int) -> str:
    """+12 / −5 with a real minus sign, for ledger amounts."""
    return f"+{value:,}" if value > 0 else f"−{abs(value):,}"


CHECK_CLASSES = "h-4 w-4 rounded border-slate-300 text-brand-600 focus:ring-brand-500"
FILE_CLASSES = (
    "block w-full text-sm text-slate-600 file:mr-3 file:rounded-lg file:border-0 "
    "file:bg-brand-50 file:px-3 file:py-2 file:text-sm file:font-semibold file:text-brand-700 "
    "hover:file:bg-brand-100"
)


@register.filter
def styled_widget(field: BoundField) -> str:
    """Render a form field's widget with the portal's input classes and the ARIA attributes
    that tie it to its help text and errors (used by the crispy field template)."""
    widget = field.field.widget
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}_helptext")
    if field.errors:
        described.append(f"{field.auto_id}_errors")
    attrs: dict[str, str] = {}
    if isinstance(widget, forms.CheckboxInput):
        attrs["class"] = CHECK_CLASSES
    elif isinstance(widget, forms.FileInput):
        attrs["class"] = FILE_CLASSES
    elif not isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        attrs["class"] = "input input-error" if field.errors else "input"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(
        attrs={**attrs, **{k: v for k, v in widget.attrs.items() if k != "class"}}
    )


@register.filter
def is_checkbox(field: BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)
