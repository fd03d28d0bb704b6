import io
import random

import pytest
from django.utils import timezone

from akuttilbud.models import Role
from contacts.models import Person, Stay
from partners import billing, demo
from partners.models import Agreement, AgreementStatus, AgreementType, Partner, PartnerKind, Referral
from tests.factories import ContactFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def users():
    return {"staff": UserFactory(username="staff", role=Role.STAFF)}


def run(users):
    demo.seed(rng=random.Random(82), users=users, stdout=io.StringIO())


def test_demo_covers_every_kind_agreement_status_and_both_referral_directions(users):
    ContactFactory(in_target_group=False)
    run(users)
    today = timezone.localdate()

    assert set(PartnerKind.objects.values_list("pk", flat=True)) == set(
        Partner.objects.values_list("kind", flat=True)
    )
    assert all(partner.people.exists() for partner in Partner.objects.all())
    statuses = {agreement.status_on(today) for agreement in Agreement.objects.all()}
    assert statuses == {AgreementStatus.DRAFT, AgreementStatus.ACTIVE, AgreementStatus.EXPIRED}
    expiring = list(Agreement.objects.expiring_within(today))
    assert [agreement.type for agreement in expiring] == [AgreementType.INTER_MUNICIPAL]
    active_inter_municipal = Agreement.objects.active_on(today).filter(type=AgreementType.INTER_MUNICIPAL)
    assert active_inter_municipal.values("partner__municipality").distinct().count() == 2
    assert set(Referral.objects.values_list("direction", flat=True)) == {"in", "out"}


def test_demo_citizens_have_a_stay_across_a_month_boundary_that_bills(users):
    run(users)
    identified = Person.objects.filter(cpr_index__isnull=False)
    assert identified.values("home_municipality").distinct().count() == 2
    stay = Stay.objects.first()
    check_in, check_out = timezone.localdate(stay.check_in), timezone.localdate(stay.check_out)
    assert check_in.month != check_out.month
    statement = billing.build_statement(
        municipality=stay.person.home_municipality, month=check_out.replace(day=1)
    )
    assert statement.total_bed_nights >= 1
    assert stay.person.decrypted_cpr() in {row.cpr for row in statement.rows}


def test_demo_is_left_alone_the_second_time(users):
    run(users)
    counts = (
        Partner.objects.count(),
        Agreement.objects.count(),
        Referral.objects.count(),
        Person.objects.count(),
    )
    run(users)
    assert counts == (
        Partner.objects.count(),
        Agreement.objects.count(),
        Referral.objects.count(),
        Person.objects.count(),
    )
