"""Factories for the core and contacts models. Other apps keep theirs in tests/<app>/factories.py."""

import datetime

import factory
from django.utils import timezone

from akuttilbud import cpr, phone
from akuttilbud.models import Role, User
from contacts.models import Callback, Channel, Contact, Person, ShiftNote, Stay
from reporting import summaries


class MarksSummaryDays:
    """A factory whose records change what days count marks those days, as the services that
    write such records do (``reporting.summaries``); ``_marks`` is the summaries function."""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        instance = super()._create(model_class, *args, **kwargs)
        cls._marks(instance)
        return instance


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Bruger{n}")
    role = Role.STAFF
    password = factory.django.Password("korrekt-hest-batteri-42")


class PhoneMixin:
    """``phone="20304050"`` stores the number as the app does (``HasPhone.set_phone``)."""

    @classmethod
    def _build_with_phone(cls, model_class, kwargs):
        number = kwargs.pop("phone", None)
        instance = model_class(**kwargs)
        if number:
            instance.set_phone(phone.parse(number))
        return instance


class PersonFactory(PhoneMixin, factory.django.DjangoModelFactory):
    """A person; pass ``cpr="0101901234"`` to identify them, ``phone="20304050"`` for a number."""

    class Meta:
        model = Person

    nickname = ""

    @classmethod
    def _create(cls, model_class, *args, cpr_number=None, **kwargs):
        person = cls._build_with_phone(model_class, kwargs)
        if cpr_number:
            person.set_cpr(cpr.parse(cpr_number))
        person.save()
        return person

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        if "cpr" in kwargs:
            kwargs["cpr_number"] = kwargs.pop("cpr")
        return kwargs


class ContactFactory(MarksSummaryDays, factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    @staticmethod
    def _marks(contact):
        summaries.contact_changed(after=contact)

    channel = Channel.PHONE
    started_at = factory.LazyFunction(timezone.now)
    answered_at = factory.LazyAttribute(lambda contact: contact.started_at + datetime.timedelta(seconds=40))
    ended_at = factory.LazyAttribute(lambda contact: contact.started_at + datetime.timedelta(minutes=15))
    acuteness = 3
    summary = "Ringede om ensomhed"
    staff = factory.SubFactory(UserFactory)
    # As the contacts service records it when a contact is tied to a person.
    municipality_id = factory.LazyAttribute(
        lambda contact: contact.person.home_municipality_id if getattr(contact, "person", None) else None
    )


class StayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stay

    person = factory.SubFactory(PersonFactory)
    municipality_id = factory.LazyAttribute(lambda stay: stay.person.home_municipality_id)
    bed = 1
    check_in = factory.LazyFunction(timezone.now)
    check_out = factory.LazyAttribute(lambda stay: stay.check_in + datetime.timedelta(hours=14))


class CallbackFactory(PhoneMixin, factory.django.DjangoModelFactory):
    class Meta:
        model = Callback

    phone = "20304050"
    received_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(lambda callback: callback.received_at + datetime.timedelta(hours=2))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        callback = cls._build_with_phone(model_class, kwargs)
        callback.save()
        return callback


class ShiftNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShiftNote

    text = "Husk at bed 2 skal gøres klar"
    author = factory.SubFactory(UserFactory)
