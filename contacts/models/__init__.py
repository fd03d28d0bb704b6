"""Models of the contacts app, one module a job: ``persons``, ``contacts`` (with their reasons,
outcomes and conversations), ``stays``, ``callbacks`` and ``notes``. Django finds an app's models
here, so every model and the names the other apps use stand here too."""

from .callbacks import Callback, CallbackClosure, CallbackKind, CallbackQuerySet
from .contacts import (
    CHANNELS_NEEDING_CPR,
    CPR_MISSING_REASON,
    Acuteness,
    CallerRole,
    Channel,
    Contact,
    ContactQuerySet,
    CrisisConversation,
    Direction,
    NotificationDecision,
    Outcome,
    Reason,
    phone_validator,
)
from .notes import ShiftNote, ShiftNoteQuerySet
from .persons import Person, PersonQuerySet, PsychiatryContact
from .stays import Stay, StayQuerySet, tonight_ends

__all__ = [
    "CHANNELS_NEEDING_CPR",
    "CPR_MISSING_REASON",
    "Acuteness",
    "Callback",
    "CallbackClosure",
    "CallbackKind",
    "CallbackQuerySet",
    "CallerRole",
    "Channel",
    "Contact",
    "ContactQuerySet",
    "CrisisConversation",
    "Direction",
    "NotificationDecision",
    "Outcome",
    "Person",
    "PersonQuerySet",
    "PsychiatryContact",
    "Reason",
    "ShiftNote",
    "ShiftNoteQuerySet",
    "Stay",
    "StayQuerySet",
    "phone_validator",
    "tonight_ends",
]
