from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from typing import Any

from django import forms, template
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.forms.boundfield import BoundField
from django.template.base import render_value_in_context
from django.template.loader import get_template
from django.urls import get_script_prefix, resolve
from django.urls.exceptions import Resolver404
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from portal.domain import dates
from portal.phrases import points_phrase
from portal.selectors.attendance import reason_label
from portal.tables.fast import STAMP_ID, escaped

register = template.Library()


def _is_current(context: template.Context, url_name: str) -> bool:
    request = context.get("request")
    if request is None:
        return False
    # The match Django made for this request; resolving the path again, for each of the 30
    # links in the navigation, was a fifth of a list page's time under the profiler (issue 17).
    match = getattr(request, "resolver_match", None)
    if match is None:  # an error page rendered outside URL resolution
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
    # "portal:draw*" marks a whole area active (the list, a draw's page, its screen ...).
    if url_name.endswith("*"):
        return match.view_name.startswith(url_name[:-1])
    return match.view_name == url_name


@register.simple_tag
def other_languages(current: str) -> list[tuple[str, str]]:
    """The languages a reader can switch to, each named in itself (settings.LANGUAGES), not in
    the page's language: someone who cannot read the page still finds theirs."""
    return [(code, name) for code, name in settings.LANGUAGES if code != current]


@register.simple_tag(takes_context=True)
def active_nav(context: template.Context, url_name: str) -> str:
    """The active-link classes when the current page is `url_name` ("area*" for an area)."""
    return "nav-link-active" if _is_current(context, url_name) else ""


@register.simple_tag(takes_context=True)
def current_page(context: template.Context, url_name: str) -> str:
    """` aria-current="page"` on the link to the page being shown, so screen readers say so."""
    return mark_safe(' aria-current="page"') if _is_current(context, url_name) else ""


@register.simple_tag(takes_context=True)
def active_nav_any(context: template.Context, *url_names: str) -> str:
    """`active_nav` for a menu that holds several areas: active when any of them is current."""
    return "nav-link-active" if any(_is_current(context, name) for name in url_names) else ""


ADMIN_LINKS = "portal/components/admin_links.html"
# Drawn admin menus, by everything they show (`admin_links`): languages x pages x the two
# placements x pending counts; emptied if it ever grows past this.
_admin_links_drawn: dict[tuple, SafeString] = {}
ADMIN_LINKS_KEPT = 4096


@lru_cache(maxsize=8)
def abilities_read_by(template_name: str) -> tuple[str, ...]:
    """The `can.<ability>` names a template's source asks about."""
    source = get_template(template_name).template.source
    return tuple(sorted(set(re.findall(r"\bcan\.(\w+)", source))))


@register.simple_tag(takes_context=True)
def admin_links(context: template.Context, classes: str = "") -> SafeString:
    """The admin menu's links (`ADMIN_LINKS`), drawn once per process for each combination of
    what they depend on: the language, the current page (which link is marked), the link
    classes, the pending redemptions count and the abilities the template asks about. Drawing
    its seventeen links twice (menu and phone menu) was a fifth of an admin page."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    can, pending = context.get("can"), context.get("nav_pending")
    values = {"classes": classes, "can": can, "nav_pending": pending, "request": request}
    if match is None or can is None:  # an error page, or a test rendering it bare
        return get_template(ADMIN_LINKS).render(values)
    key = (
        get_language(),
        get_script_prefix(),
        match.view_name,
        classes,
        int(pending or 0),
        tuple(getattr(can, name, None) for name in abilities_read_by(ADMIN_LINKS)),
    )
    drawn = _admin_links_drawn.get(key)
    if drawn is None:
        if len(_admin_links_drawn) >= ADMIN_LINKS_KEPT:
            _admin_links_drawn.clear()
        drawn = _admin_links_drawn[key] = get_template(ADMIN_LINKS).render(values)
    return drawn


# What a stamp is drawn with: ints from the quick tables' stand-in id (`{% url %}` takes
# them), and words no text holds; digits and letters only, so escaping and translation leave
# them as they are.
STAMP_WORD = "zqstamp{}qz"


class StampNode(template.Node):
    """`{% stamp pk=c.pk name=c.student.user.name %}...{% endstamp %}`: the body is drawn once
    per page render with stand-ins for the named values, then copied for each row with the
    row's values written in (escaped, as `{{ name }}` would write them). For a row's buttons
    and forms, the same on every row but for an id and a name: the attendance list's annul
    form cost 0.2 ms a row through the template.

    The body may print the named values only as they are (`{{ name }}`, `{% url ... pk %}`,
    `{% blocktranslate with who=name %}`), never through a filter, a condition or its own
    `{% autoescape %}`, and may read nothing else that changes between rows. A row with an
    empty value is drawn in full. With settings.STAMP_CHECK (development and tests), every
    row is also drawn in full and compared."""

    def __init__(self, nodelist: template.NodeList, values: dict[str, Any]) -> None:
        self.nodelist, self.values = nodelist, values

    def render(self, context: template.Context) -> str:
        values = {name: value.resolve(context) for name, value in self.values.items()}
        if not all(values.values()):
            # A stand-in is never empty, so an `{% if %}` in the body would take it for a value.
            with context.push(values):
                return self.nodelist.render(context)
        # An int stands in for an int (a URL converter may insist), a word for anything else.
        kinds = tuple(type(value) is int for value in values.values())
        stamps = context.render_context.setdefault(self, {})
        stamp = stamps.get(kinds)
        if stamp is None:
            marks = {
                name: STAMP_ID + i if is_int else STAMP_WORD.format(i)
                for i, (name, is_int) in enumerate(zip(values, kinds, strict=True))
            }
            with context.push(marks):
                html = self.nodelist.render(context)
            names = {str(mark): name for name, mark in marks.items()}
            stamp = stamps[kinds] = (html, re.compile("|".join(map(re.escape, names))), names)
        html, marks_found, names = stamp
        # One pass, so a value holding another's stand-in is written as it is.
        copied = marks_found.sub(lambda m: _stamped(values[names[m[0]]], context), html)
        if settings.STAMP_CHECK:
            with context.push(values):
                drawn = self.nodelist.render(context)
            if drawn != copied:
                raise template.TemplateSyntaxError(
                    f"{{% stamp %}} copied a row unlike its full drawing:\n{copied}\n{drawn}"
                )
        return mark_safe(copied)  # noqa: S308 - the template's own output, values escaped


def _stamped(value: Any, context: template.Context) -> str:
    """A row's value where its stand-in was: an int as a URL and `{{ }}` both write it (no
    thousands separator is configured), anything else as `{{ value }}` writes it (time zone,
    locale, autoescaping)."""
    return str(value) if type(value) is int else render_value_in_context(value, context)


@register.tag
def stamp(parser: template.base.Parser, token: template.base.Token) -> StampNode:
    bits = token.split_contents()[1:]
    given = len(bits)
    values = template.base.token_kwargs(bits, parser, support_legacy=False)  # takes from bits
    if not values or len(values) != given:
        raise template.TemplateSyntaxError("{% stamp %} takes name=value pairs only")
    nodelist = parser.parse(("endstamp",))
    parser.delete_first_token()
    return StampNode(nodelist, values)


@register.simple_tag(takes_context=True)
def page_query(context: template.Context, name: str, number: int) -> str:
    """The current query string with `name` set to `number`: the page links of one list
    among several on a page, each paging on its own parameter."""
    query = context["request"].GET.copy()
    query[name] = number
    return f"?{query.urlencode()}"


@register.filter
def refusal_reason(code: str) -> str:
    """A refused check-in's code as the organiser reads it (`CheckInAttempt.Reason`)."""
    return reason_label(code)


@register.filter
def day_time(value: datetime | None) -> str:
    """`|date:"D j M, H:i"` for lists that write it on every row (portal/domain/dates.py,
    which converts to local time itself: the filter does not ask the template to as well)."""
    return dates.weekday_day_and_time(value) if value else ""


@register.filter
def month_abbr(value: datetime | None) -> str:
    """`|date:"M"`, as `day_time` (portal/domain/dates.py): the event cards' date tile."""
    return dates.month_abbreviation(value) if value else ""


@register.filter
def day_of_month(value: datetime | None) -> str:
    """`|date:"j"`, as `day_time` (portal/domain/dates.py)."""
    return dates.day_of_month(value) if value else ""


@register.filter
def day_month_time(value: datetime | None, seconds: str = "") -> str:
    """`|date:"j M H:i"` (`|day_month_time:"seconds"`: `|date:"j M H:i:s"`) for the attendance
    lists' rows, as `day_time` (portal/domain/dates.py)."""
    return dates.day_month_time(value, seconds=seconds == "seconds") if value else ""


# The draw's verification page lists every entrant (hundreds): one loop in Python, not a
# template loop (14 µs an entrant). tests/draws compares it with the template's loop.
ENTRANT_CLASSES = {
    True: "rounded px-1.5 py-0.5 font-mono bg-brand-100 font-semibold text-brand-800",
    False: "rounded px-1.5 py-0.5 font-mono bg-slate-100 text-slate-600",
}


@register.simple_tag
def entrant_items(entrants: list[Any]) -> SafeString:
    """The `<li>` of each frozen entrant (`selectors.draws.FrozenEntrant`), the viewer's own
    marked."""
    return mark_safe(  # noqa: S308 - labels escaped here
        "".join(
            f'<li class="{ENTRANT_CLASSES[e.is_viewer]}">{escaped(e.label)}</li>' for e in entrants
        )
    )


@register.filter
def minus(value: int, other: int) -> int:
    return int(value) - int(other)


@register.filter
def initials(name: str) -> str:
    """ "Maria Lopez" -> "ML": the stand-in for a photo beside a name."""
    return "".join(word[0] for word in str(name).split()[:2]).upper()


@register.filter
def points(count: int) -> str:
    """{{ reward.cost|points }}: "1 point", "1,200 points", in the page's language."""
    return points_phrase(count, grouped=True)


@register.filter
def signed(value: int) -> str:
    """+12 / −5 with a real minus sign, for ledger amounts."""
    return f"+{value:,}" if value > 0 else f"−{abs(value):,}"


CHECK_CLASSES = "h-4 w-4 rounded border-slate-300 text-brand-600 focus:ring-brand-500"
FILE_CLASSES = (
    "block w-full text-sm text-slate-600 file:me-3 file:rounded-lg file:border-0 "
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
    if counted(field):
        described.append(f"{field.auto_id}_counter")
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


# Text inputs this long get a counter too (shorter ones are names and codes).
COUNTED_INPUT_LENGTH = 200


@register.filter
def counted(field: BoundField) -> int | None:
    """The length limit to show beside a free-text field (a textarea, or a long text input),
    so the limit is seen while typing instead of the text being cut at it."""
    limit = getattr(field.field, "max_length", None)
    widget = field.field.widget
    if not limit or isinstance(widget, forms.HiddenInput):
        return None
    if isinstance(widget, forms.Textarea):
        return limit
    if isinstance(widget, forms.TextInput) and limit >= COUNTED_INPUT_LENGTH:
        return limit
    return None


@lru_cache(maxsize=64)
def _counter_texts(language: str | None, limit: int) -> tuple[str, str, str]:
    """What a counter says, in `language` (the active one): left, too many (the script fills in
    the number) and the limit. The `%%` is how a template's {% translate %} asks for these."""
    left = gettext("%%(n)s characters left").replace("%%", "%")
    over = gettext("%%(n)s characters too many").replace("%%", "%")
    return left, over, gettext("Up to %(n)s characters") % {"n": intcomma(limit)}


@register.simple_tag
def char_counter(*id_parts: object, limit: int, counter_id: str = "") -> SafeString:
    """A text field's length limit, seen while typing (static/js/app.js counts down; the server
    still checks). The field's id is `id_parts` joined by "-" (`{% char_counter "note" r.pk
    limit=500 %}` counts for `note-12`); the counter's own id, which the field's
    aria-describedby names, is `counter_id` or the field's id + "-counter". One per row of the
    queues: a tag with its texts kept per language, where including a template cost 0.2 ms a row."""
    field_id = "-".join(str(part) for part in id_parts)
    left, over, up_to = _counter_texts(get_language(), limit)
    return format_html(
        '<p id="{}" class="help tabular-nums" data-counter-for="{}" data-max="{}" '
        'data-left="{}" data-over="{}">{}</p>',
        counter_id or f"{field_id}-counter",
        field_id,
        limit,
        left,
        over,
        up_to,
    )


@register.filter
def is_checkbox(field: BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


# The colour of a status badge, by what the status means to the person reading it.
BADGE_TONES = {
    "waiting": "bg-amber-50 text-amber-800 ring-1 ring-amber-200",
    "moving": "bg-sky-50 text-sky-700 ring-1 ring-sky-200",
    "done": "bg-emerald-50 text-emerald-700 ring-1 ring-emerald-200",
    "refused": "bg-red-50 text-red-700 ring-1 ring-red-200",
    "other": "bg-slate-100 text-slate-600",
}
STATUS_TONES = {
    "pending": "waiting",
    "submitted": "waiting",
    "claimed": "moving",
    "approved": "moving",
    "fulfilled": "done",
    "rejected": "refused",
}


@register.filter
def badge_tone(status: str, kind: str = "") -> str:
    """The badge classes for a redemption's, claim's or task's status. A claim or task that
    is approved is finished (green); a redemption approved still waits to be handed over."""
    tone = STATUS_TONES.get(status, "other")
    if status == "approved" and kind == "review":
        tone = "done"
    return BADGE_TONES[tone]
