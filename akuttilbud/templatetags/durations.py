from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def duration(value):
    """A timedelta as staff say it: "28 min", "1 h 38 min"; empty for None."""
    if value is None:
        return "–"
    minutes = max(0, round(value.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


@register.filter
def clock(seconds):
    """Whole seconds as a phone shows a call's length: "0:42", "12:05", "1:02:05"; "–" for None."""
    if seconds is None:
        return "–"
    minutes, seconds = divmod(max(0, int(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


@register.filter
def elapsed(since, now):
    """The time from ``since`` to ``now`` as ``clock`` shows it."""
    if since is None or now is None:
        return "–"
    return clock((now - since).total_seconds())
