import logging
import uuid

from django.db import transaction

from akuttilbud.audit import audit
from akuttilbud.models import AuditAction
from reporting import summaries

from .models import Referral

logger = logging.getLogger(__name__)


@transaction.atomic
def save_partner(*, partner, people_formset):
    """Save a partner and its contact people (new, changed and removed) together."""
    partner.full_clean()
    partner.save()
    people_formset.instance = partner
    for person in people_formset.save(commit=False):
        person.partner = partner
        person.full_clean()
        person.save()
    for removed in people_formset.deleted_objects:
        removed.delete()
    return partner


def save_agreement(*, agreement, replaced_document_name="", changed_fields=(), request=None):
    """Save an agreement, audited with the names of the fields that changed (its prices and
    dates are what billing statements are made from); a newly uploaded document gets a random
    name, the old file goes.

    The uploaded file's own name could carry personal or misleading text, so it is not kept.
    """
    document = agreement.document
    if document and not getattr(document, "_committed", True):
        document.name = f"{uuid.uuid4().hex}.pdf"
    created = agreement.pk is None
    with transaction.atomic():
        agreement.full_clean()
        agreement.save()
        audit(
            AuditAction.CREATE if created else AuditAction.SETTINGS_CHANGE,
            request=request,
            obj=agreement,
            detail={"settings": "agreement", "fields": sorted(changed_fields)},
        )
    if replaced_document_name and replaced_document_name != agreement.document.name:
        agreement.document.storage.delete(replaced_document_name)
        logger.info("agreement %s: replaced document removed", agreement.pk)
    return agreement


@transaction.atomic
def add_referral(
    *,
    contact,
    partner,
    direction,
    user,
    reason="",
    agreed_by_citizen=None,
    outcome="",
    request=None,
):
    """Record a referral on a contact, out to or in from a partner, and audit it."""
    referral = Referral(
        contact=contact,
        partner=partner,
        direction=direction,
        reason=reason,
        agreed_by_citizen=agreed_by_citizen,
        outcome=outcome,
        created_by=user,
    )
    referral.full_clean()
    referral.save()
    summaries.referral_changed(referral)
    audit(
        AuditAction.CREATE,
        request=request,
        user=user,
        obj=referral,
        person_id=contact.person_id,
        detail={"contact": contact.pk, "partner": partner.pk, "direction": direction},
    )
    return referral
