"""Template helpers for missions: times in the mission's local time zone and the viewer's."""

from __future__ import annotations

import datetime
import zoneinfo

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


def _zone(name: str | None) -> datetime.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return datetime.UTC


@register.simple_tag(takes_context=True)
def dual_time(context, moment: datetime.datetime | None, mission_time_zone: str | None):
    """``14:05 (Africa/Kampala) · 12:05 your time``; one time only when both zones agree.

    Teams coordinate across continents: the site's local time is what matters in the field,
    the viewer's own time is what they plan by at home.
    """
    if moment is None:
        return ""
    request = context.get("request")
    user = getattr(request, "user", None)
    viewer_zone = _zone(getattr(user, "time_zone", None) if user and user.is_authenticated else None)
    local_zone = _zone(mission_time_zone)
    local = timezone.localtime(moment, local_zone)
    mine = timezone.localtime(moment, viewer_zone)
    local_text = formats.date_format(local, "DATETIME_FORMAT")
    if local.utcoffset() == mine.utcoffset():
        return format_html('<time datetime="{}">{} ({})</time>', moment.isoformat(), local_text, local_zone)
    return format_html(
        '<time datetime="{}">{} ({})</time> <span class="muted">· {}</span>',
        moment.isoformat(),
        local_text,
        local_zone,
        _("%(time)s your time") % {"time": formats.date_format(mine, "DATETIME_FORMAT")},
    )


@register.simple_tag
def mission_now(mission_time_zone: str | None) -> str:
    """The current time at the site, e.g. for the header of a mission page."""
    local = timezone.localtime(timezone.now(), _zone(mission_time_zone))
    return formats.date_format(local, "DATETIME_FORMAT")
