"""Writes of overnight stays: booking a bed and checking out, one stay a bed at a time."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from akuttilbud.audit import audit
from akuttilbud.models import AuditAction, ServiceSettings

from ..models import Stay
from . import _municipality_of


def _stay_in_the_way(bed, check_in, check_out, exclude_pk=None):
    stays = Stay.objects.filter(bed=bed).overlapping(check_in, check_out).select_related("person")
    if exclude_pk:
        stays = stays.exclude(pk=exclude_pk)
    return stays.order_by("check_in").first()


def _overlap_error(stay):
    end = (
        timezone.localtime(stay.check_out).strftime("%d.%m.%Y %H:%M")
        if stay.check_out
        else _("not checked out")
    )
    return ValidationError(
        {
            "bed": _("Bed %(bed)s is taken by %(person)s from %(start)s to %(end)s.")
            % {
                "bed": stay.bed,
                "person": stay.person.label,
                "start": timezone.localtime(stay.check_in).strftime("%d.%m.%Y %H:%M"),
                "end": end,
            }
        }
    )


def _save_stay(stay):
    """Check the bed under a lock, then save; the PostgreSQL exclusion constraint is the
    backstop for anything that slips past the check."""
    beds = ServiceSettings.objects.select_for_update().get(pk=ServiceSettings.load().pk).beds
    if not 1 <= stay.bed <= beds:
        raise ValidationError({"bed": _("Choose a bed from 1 to %(beds)s.") % {"beds": beds}})
    stay.full_clean()
    in_the_way = _stay_in_the_way(stay.bed, stay.check_in, stay.check_out, exclude_pk=stay.pk)
    if in_the_way is not None:
        raise _overlap_error(in_the_way)
    try:
        with transaction.atomic():
            stay.save()
    except IntegrityError as error:
        if "stay_bed_no_overlap" not in str(error):
            raise
        in_the_way = _stay_in_the_way(stay.bed, stay.check_in, stay.check_out, exclude_pk=stay.pk)
        if in_the_way is None:
            raise ValidationError({"bed": _("The bed is taken at that time.")}) from error
        raise _overlap_error(in_the_way) from error
    return stay


@transaction.atomic
def book_stay(*, person, bed, check_in, user, check_out=None, meals=0, note="", contact=None, request=None):
    """Book a bed for a person. Refuses, naming the stay in the way, when the bed is taken."""
    stay = Stay(
        person=person,
        municipality_id=_municipality_of(person),
        bed=bed,
        check_in=check_in,
        check_out=check_out,
        meals=meals or 0,
        note=note or "",
        contact=contact,
        created_by=user,
    )
    _save_stay(stay)
    audit(AuditAction.CREATE, request=request, user=user, obj=stay, person=person)
    return stay


@transaction.atomic
def check_out_stay(*, stay, check_out, user, meals=None, note=None, request=None):
    stay.check_out = check_out
    if meals is not None:
        stay.meals = meals
    if note is not None:
        stay.note = note
    _save_stay(stay)
    audit(
        AuditAction.UPDATE,
        request=request,
        user=user,
        obj=stay,
        person_id=stay.person_id,
        detail={"fields": ["check_out", "meals", "note"]},
    )
    return stay
