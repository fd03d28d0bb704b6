"""The sections of a crisis plan (see docs/crisis-plan.md). Labels are our own words.

A plan's ``sections`` JSON maps each key below to an ordered list: plain strings for text
sections, ``{"name": ..., "phone": ...}`` objects for the sections that list people.
"""

from django.utils.translation import gettext_lazy as _

TEXT = "text"
PEOPLE = "people"

SECTIONS = [
    ("warning_signs", TEXT, _("Warning signs – what tells me a crisis is building")),
    ("own_coping", TEXT, _("What I can do myself")),
    ("distractions", TEXT, _("People and places that take my mind off it")),
    ("people_to_ask", PEOPLE, _("People I can ask for help")),
    ("professionals", PEOPLE, _("Professionals and services I can contact")),
    ("safe_surroundings", TEXT, _("Making my surroundings safe")),
    ("reasons_to_live", TEXT, _("What matters to me – reasons to keep going")),
    ("wishes_for_staff", TEXT, _("How I want staff to help me")),
]
SECTION_KEYS = [key for key, _kind, _label in SECTIONS]

SELF_RATING_AREAS = [
    ("self_care", _("Self-care (housing, food, sleep)")),
    ("network", _("Network")),
    ("feelings", _("Expressing feelings")),
    ("understanding", _("Understanding of the situation")),
    ("agency", _("Own ability to act")),
]


def section_rows(sections):
    """Each section of a plan's ``sections`` JSON in order, with its label and entries."""
    return [
        {"key": key, "kind": kind, "label": label, "entries": sections.get(key, [])}
        for key, kind, label in SECTIONS
    ]


def self_rating_rows(self_rating):
    """The rated areas of a plan's ``self_rating`` JSON in order, with their labels."""
    return [
        {"label": label, "rating": self_rating[key].get("rating"), "goal": self_rating[key].get("goal", "")}
        for key, label in SELF_RATING_AREAS
        if key in self_rating
    ]
