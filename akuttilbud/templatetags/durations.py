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
