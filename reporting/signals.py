"""Every write that can change what a day's contacts count as marks that day for a new count
(see ``summaries``): a contact saved or deleted (its old and new date, and its old and new
person's next day of contact after each), its reasons changed, a referral made or removed at
it, a crisis plan or follow-up saved or deleted, and a person changed (whether they have a CPR
number, their age, their psychiatry history), for every date they had contacts, plans or
follow-ups."""

from django.db.models.signals import m2m_changed, post_delete, post_init, post_save
from django.dispatch import receiver

from contacts.models import Contact, Person
from contacts.signals import persons_changed
from crisisplans.models import CrisisPlan, FollowUp
from partners.models import Referral

from . import summaries


@receiver(post_init, sender=Contact)
def remember_start(sender, instance, **kwargs):
    # From __dict__: a deferred field must not cost a query per loaded contact.
    instance._summary_started_at = instance.__dict__.get("started_at")
    instance._summary_person_id = instance.__dict__.get("person_id")


@receiver(post_save, sender=Contact)
def contact_saved(sender, instance, **kwargs):
    summaries.changed([instance.started_at, getattr(instance, "_summary_started_at", None)])
    summaries.changed_next_days(
        [
            (instance.person_id, instance.started_at),
            (getattr(instance, "_summary_person_id", None), getattr(instance, "_summary_started_at", None)),
        ]
    )
    instance._summary_started_at = instance.started_at
    instance._summary_person_id = instance.person_id


@receiver(post_delete, sender=Contact)
def contact_deleted(sender, instance, **kwargs):
    summaries.changed([instance.started_at])
    summaries.changed_next_days([(instance.person_id, instance.started_at)])


@receiver(m2m_changed, sender=Contact.reasons.through)
def reasons_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if not reverse:
        if action in {"post_add", "post_remove", "post_clear"}:
            summaries.changed([instance.started_at])
        return
    # From the reason's side: the contacts named, or before a clear every contact it had.
    if action in {"post_add", "post_remove"}:
        contacts = Contact.objects.filter(pk__in=pk_set)
    elif action == "pre_clear":
        contacts = instance.contact_set.all()
    else:
        return
    summaries.changed(contacts.values_list("started_at", flat=True))


def _persons_changed(person_ids):
    summaries.changed(
        [
            *Contact.objects.filter(person_id__in=person_ids).values_list("started_at", flat=True),
            *CrisisPlan.objects.filter(person_id__in=person_ids).values_list("created_at", flat=True),
            *FollowUp.objects.filter(plan__person_id__in=person_ids).values_list("first_due_at", flat=True),
        ]
    )


@receiver(post_save, sender=Person)
def person_saved(sender, instance, created, **kwargs):
    if not created:
        _persons_changed([instance.pk])


@receiver(persons_changed)
def persons_bulk_changed(sender, person_ids, **kwargs):
    _persons_changed(person_ids)


@receiver(post_init, sender=Referral)
def remember_contact(sender, instance, **kwargs):
    instance._summary_contact_id = instance.__dict__.get("contact_id")


@receiver(post_save, sender=Referral)
@receiver(post_delete, sender=Referral)
def referral_changed(sender, instance, **kwargs):
    contact_ids = {instance.contact_id, getattr(instance, "_summary_contact_id", None)} - {None}
    summaries.changed(Contact.objects.filter(pk__in=contact_ids).values_list("started_at", flat=True))
    instance._summary_contact_id = instance.contact_id


def _remember(field):
    def remember(sender, instance, **kwargs):
        setattr(instance, f"_summary_{field}", instance.__dict__.get(field))

    def changed(sender, instance, **kwargs):
        summaries.changed([getattr(instance, field), getattr(instance, f"_summary_{field}", None)])
        setattr(instance, f"_summary_{field}", getattr(instance, field))

    return remember, changed


# A crisis plan counts on the day it was made, a follow-up on the day it was first due.
for model, field in [(CrisisPlan, "created_at"), (FollowUp, "first_due_at")]:
    remember, record_changed = _remember(field)
    post_init.connect(remember, sender=model, weak=False)
    post_save.connect(record_changed, sender=model, weak=False)
    post_delete.connect(record_changed, sender=model, weak=False)
