"""The dashboard's figures counted from the records of care themselves rather than the per-day
summaries, or from the summaries of what followed a contact: bed nights of the stays sharing
time with a period, follow-ups done on time, referrals and the SWEMWBS scores paired before and
after."""

from decimal import Decimal

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Window,
)
from django.db.models.functions import (
    Cast,
    Coalesce,
    Round,
    RowNumber,
)
from django.utils import timezone

from akuttilbud.models import ServiceSettings
from crisisplans.models import FollowUpStatus, Occasion, WellbeingScore
from crisisplans.swemwbs import MEANINGFUL_CHANGE

from . import queries
from .figures import NOT_OWED_FOLLOW_UP, local_zone, share, summary_days
from .models import FollowUpDay, ReferralDay


def nights_in_period(check_in, check_out, period, today, zone=None):
    """Nights of one stay inside the period: local dates slept (check-in's date up to, not
    including, check-out's date; an open stay up to ``today``), clipped to the period."""
    zone = zone or local_zone()
    first = max(check_in.astimezone(zone).date(), period.start)
    last = min(check_out.astimezone(zone).date() if check_out else today, period.end)
    return max(0, (last - first).days)


def meals_in_period(check_in, meals, period):
    """A stay's meals belong to the period it was checked in: meals are not dated, so they are
    counted once, where the stay began, never split across the periods a stay crosses."""
    return meals if period.start_at <= check_in < period.end_at else 0


def beds(period, service_settings=None, today=None):
    """Bed nights in the period ÷ (beds × days), counting only nights inside the period for
    stays crossing its edges; meals by ``meals_in_period``."""
    service_settings = service_settings or ServiceSettings.load()
    today = today or timezone.localdate()
    zone = local_zone()
    stays = queries.stays(period).values_list("check_in", "check_out", "meals")
    bed_nights = 0
    meals = 0
    for check_in, check_out, stay_meals in stays:
        bed_nights += nights_in_period(check_in, check_out, period, today, zone)
        meals += meals_in_period(check_in, stay_meals, period)
    capacity = service_settings.beds * period.days
    return {
        "bed_nights": bed_nights,
        "capacity": capacity,
        "occupancy": share(bed_nights, capacity),
        "meals": meals,
    }


def wellbeing(period):
    """SWEMWBS before and after: each person's first at-contact score in the period paired with
    their first follow-up score recorded after it. Means are of metric scores; improved means a
    rise of at least ``MEANINGFUL_CHANGE`` metric points. % change is the change of the means
    relative to the mean at contact.
    """
    first_at_contact = (
        queries.wellbeing_scores(period)
        .filter(occasion=Occasion.CONTACT)
        .annotate(rank=Window(RowNumber(), partition_by=F("person_id"), order_by=[F("recorded_at"), F("id")]))
        .filter(rank=1)
    )
    first_follow_up = WellbeingScore.objects.filter(
        occasion=Occasion.FOLLOW_UP, person_id=OuterRef("person_id"), recorded_at__gt=OuterRef("recorded_at")
    ).order_by("recorded_at", "id")
    # Whole hundredths: exact where SQLite holds decimals as floating point. The pairs are
    # summed in the database: one row leaves it, not one per citizen.
    hundredths = (
        first_at_contact.annotate(after=Subquery(first_follow_up.values("metric_score")[:1]))
        .annotate(
            before_hundredths=Cast(Round(F("metric_score") * 100), IntegerField()),
            after_hundredths=Cast(Round(F("after") * 100), IntegerField()),
        )
        .order_by()
    )
    paired = Q(after_hundredths__isnull=False)
    totals = hundredths.aggregate(
        pairs=Count("after_hundredths"),
        before=Coalesce(Sum("before_hundredths", filter=paired), 0),
        after=Coalesce(Sum("after_hundredths"), 0),
        improved=Count(
            "after_hundredths",
            filter=Q(after_hundredths__gte=F("before_hundredths") + int(MEANINGFUL_CHANGE * 100)),
        ),
    )
    count = totals["pairs"]
    if not count:
        return {
            "pairs": 0,
            "mean_at_contact": None,
            "mean_at_follow_up": None,
            "mean_change": None,
            "percent_change": None,
            "improved": 0,
            "improved_share": None,
        }
    mean_before = Decimal(totals["before"]) / 100 / count
    mean_after = Decimal(totals["after"]) / 100 / count
    improved = totals["improved"]
    return {
        "pairs": count,
        "mean_at_contact": float(mean_before),
        "mean_at_follow_up": float(mean_after),
        "mean_change": float(mean_after - mean_before),
        "percent_change": float((mean_after - mean_before) / mean_before * 100),
        "improved": improved,
        "improved_share": improved / count,
    }


def follow_ups(period):
    """Follow-ups first due in the period that were owed (not declined up front, not cancelled):
    how many were done on or before their local first-due date, and how many reached the citizen.
    """
    owed = summary_days(FollowUpDay, period).exclude(status__in=NOT_OWED_FOLLOW_UP)
    totals = owed.aggregate(
        owed=Coalesce(Sum("follow_ups"), 0),
        on_time=Coalesce(Sum("follow_ups", filter=Q(on_time=True)), 0),
        reached=Coalesce(Sum("follow_ups", filter=Q(status=FollowUpStatus.REACHED)), 0),
    )
    totals["on_time_share"] = share(totals["on_time"], totals["owed"])
    totals["reached_share"] = share(totals["reached"], totals["owed"])
    return totals


def referrals(period):
    """``{(partner kind name, direction): count}``."""
    rows = (
        summary_days(ReferralDay, period)
        .values("partner__kind__name", "direction")
        .annotate(count=Sum("referrals"))
        .order_by("partner__kind__position", "partner__kind__name", "direction")
    )
    return {(row["partner__kind__name"], row["direction"]): row["count"] for row in rows}
