"""The shift board's sections: one partial for every section, each refreshed on its own."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

register = template.Library()

# Each section: its heading, the URL its fragment is refreshed from and the fragment's template.
# A section without a template here comes from another app and is loaded when the board shows.
SECTIONS = {
    "waiting": (_("Walk-ins waiting"), "contacts:board_section", "contacts/board/_waiting.html"),
    "callbacks": (_("Call-backs due"), "contacts:board_section", "contacts/board/_callbacks.html"),
    "beds": (_("Beds tonight"), "contacts:board_section", "contacts/board/_beds.html"),
    "followups": (_("Follow-ups due and overdue"), "crisisplans:board_followups", None),
    "notes": (_("Handover notes, last 24 hours"), "contacts:board_section", "contacts/board/_notes.html"),
    "today": (_("Today's contacts"), "contacts:board_section", "contacts/board/_today.html"),
}


@register.inclusion_tag("contacts/board/_section.html", takes_context=True)
def board_section(context, name):
    """A section of the board: its heading and its fragment, refreshed every 30 seconds."""
    title, url_name, fragment = SECTIONS[name]
    url = reverse(url_name, args=[name]) if url_name == "contacts:board_section" else reverse(url_name)
    return {**context.flatten(), "name": name, "title": title, "url": url, "fragment": fragment}


@register.simple_tag
def board_title(name):
    return SECTIONS[name][0]


@register.inclusion_tag("contacts/board/_more.html")
def show_all(name, total):
    """ "Show all (n)" to the section's paged list, when the board cannot show every row."""
    return {"total": total, "url": reverse("contacts:board_section_all", args=[name])}
