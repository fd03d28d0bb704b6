from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CostCategory(models.TextChoices):
    SALARIES = "salaries", _("Salaries")
    RENT = "rent", _("Rent")
    TRAINING = "training", _("Training")
    COMMUNICATION = "communication", _("Communication")
    MEALS = "meals", _("Meals")
    ESTABLISHMENT = "establishment", _("Establishment")
    OTHER = "other", _("Other")


class CostEntryQuerySet(models.QuerySet):
    def running(self):
        """Running costs: everything except establishment, as the national evaluation counted."""
        return self.exclude(category=CostCategory.ESTABLISHMENT)

    def for_year(self, year):
        return self.filter(month__year=year)

    def in_months(self, first_month, last_month):
        return self.filter(month__gte=first_month, month__lte=last_month)


class CostEntry(models.Model):
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    category = models.CharField(_("category"), max_length=16, choices=CostCategory.choices)
    amount = models.DecimalField(
        _("amount (DKK)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = CostEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-month", "category"]
        verbose_name = _("cost")
        verbose_name_plural = _("costs")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="cost_amount_not_negative"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.get_category_display()}"
