from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from akuttilbud import outbox
from akuttilbud.once import save_once
from akuttilbud.roles import EVALUATOR, LEADER, role_required
from akuttilbud.spreadsheet import csv_line

from . import dashboard as dashboard_figures
from . import exports as export_files
from . import services
from .exports.writer import format_cell
from .forms import (
    KIND_LABELS,
    CostEntryForm,
    DashboardPeriodForm,
    ExportForm,
    LinkageKeyForm,
    MonthlyReportForm,
    NewCostEntryForm,
)
from .models import CostCategory, CostEntry
from .periods import DEFAULT_PRESET, Period, add_months, first_of_month, preset_period


def _period_from(request):
    """The period the query string asks for; a bad one gives form errors and the default preset."""
    form = DashboardPeriodForm(request.GET or None)
    today = timezone.localdate()
    if form.is_bound and form.is_valid():
        if form.cleaned_data["preset"] == "custom":
            return form, form.period
        return form, preset_period(form.cleaned_data["preset"] or DEFAULT_PRESET, today)
    return form, preset_period(DEFAULT_PRESET, today)


def _csv_response(chunks, filename, *, streaming=True):
    response_class = StreamingHttpResponse if streaming else HttpResponse
    response = response_class(chunks, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _board_context(board):
    """What the dashboard and the monthly report show of a ``dashboard.Dashboard``."""
    return {
        "board": board,
        "period": board.period,
        "previous": board.previous,
        "headline": board.headline,
        "sections": [
            (heading, [board.figures[key] for key in keys]) for heading, keys in dashboard_figures.SECTIONS
        ],
    }


@role_required(LEADER)
def dashboard(request):
    form, period = _period_from(request)
    board = dashboard_figures.build(period)
    data = {
        "figures": [
            figure.chart_data()
            for figure in board.figures.values()
            if figure.chart and figure.chart != "heatmap"
        ]
    }
    return render(
        request,
        "reporting/dashboard.html",
        {
            **_board_context(board),
            "form": form,
            "data": data,
            "failed_mail": list(outbox.failed_recently()),
            "period_query": urlencode(
                {"preset": "custom", "start": period.start.isoformat(), "end": period.last_day.isoformat()}
            ),
            "report_month": first_of_month(board.period.last_day),
        },
    )


@role_required(LEADER)
def monthly_report(request):
    """One month's figures beside the previous month's, laid out to print on A4 for the committee."""
    form = MonthlyReportForm(request.GET or None)
    today = timezone.localdate()
    month = form.cleaned_data["month"] if form.is_valid() else first_of_month(today)
    board = dashboard_figures.build(Period(month, add_months(month, 1)))
    return render(request, "reporting/monthly_report.html", {**_board_context(board), "form": form})


@role_required(LEADER)
def figure_csv(request):
    _form, period = _period_from(request)
    figures = dashboard_figures.build(period).figures
    key = request.GET.get("figure", "")
    if key not in figures:
        raise Http404
    figure = figures[key]
    dialect = export_files.DIALECTS["standard"]
    lines = [csv_line([_("Figure"), *[str(column) for column in figure.columns]])]
    lines += [csv_line([format_cell(value, dialect) for value in row]) for row in figure.rows]
    return _csv_response(
        lines, f"akuttilbud-{key}-{period.start:%Y%m%d}-{period.last_day:%Y%m%d}.csv", streaming=False
    )


@never_cache
@role_required(EVALUATOR, LEADER)
def exports(request):
    form = ExportForm(request.POST or None, initial=_default_range())
    if request.method == "POST" and form.is_valid():
        kind, dialect, period = form.cleaned_data["kind"], form.cleaned_data["dialect"], form.period
        services.record_export(kind=kind, period=period, dialect=dialect, request=request)
        return _csv_response(
            export_files.stream(kind, period, dialect), export_files.filename(kind, period, dialect)
        )
    return render(
        request,
        "reporting/exports.html",
        {
            "form": form,
            "can_make_linkage_key": request.user.has_role(LEADER),
            "columns": _column_rows(),
        },
    )


@never_cache
@role_required(LEADER)
def linkage_key(request):
    form = LinkageKeyForm(request.POST or None, initial=_default_range())
    if request.method == "POST" and form.is_valid():
        period, dialect = form.period, form.cleaned_data["dialect"]
        services.record_linkage_key(period=period, reason=form.cleaned_data["reason"], request=request)
        return _csv_response(
            export_files.linkage.stream(period, dialect),
            export_files.filename("linkage-key", period, dialect),
        )
    return render(request, "reporting/linkage_key.html", {"form": form})


# The data dictionary's column types and allowed values, in the page's language; the codes
# themselves (column names, channel codes, formats) are the files' and stay as they are.
COLUMN_TYPES = {
    "integer": gettext_lazy("whole number"),
    "decimal": gettext_lazy("decimal number"),
    "text": gettext_lazy("text"),
    "date": gettext_lazy("date"),
    "datetime": gettext_lazy("date and time with UTC offset"),
    "flag": gettext_lazy("flag (1 yes, 0 no)"),
}


def _column_rows():
    """``[(kind's label, [(column name, type, allowed values)])]`` for the exports page."""
    return [
        (
            KIND_LABELS[kind],
            [
                (
                    column.name,
                    COLUMN_TYPES.get(column.type, column.type),
                    _(column.allowed) if column.allowed else "",
                )
                for column in columns
            ],
        )
        for kind, columns in export_files.COLUMNS.items()
    ]


def _default_range():
    period = preset_period("last_month", timezone.localdate())
    return {"start": period.start, "end": period.last_day}


@role_required(LEADER)
def cost_list(request):
    year = request.GET.get("year", "")
    year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else timezone.localdate().year
    months = {}
    for entry in CostEntry.objects.for_year(year).order_by("month", "category", "id"):
        month = months.setdefault(
            entry.month,
            {
                "month": entry.month,
                "running": [],
                "establishment": [],
                "running_total": 0,
                "establishment_total": 0,
            },
        )
        part = "establishment" if entry.category == CostCategory.ESTABLISHMENT else "running"
        month[part].append(entry)
        month[f"{part}_total"] += entry.amount
    return render(
        request,
        "reporting/cost_list.html",
        {"year": year, "months": list(months.values()), "years": [year - 1, year, year + 1]},
    )


@role_required(LEADER)
def cost_create(request):
    form = NewCostEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return save_once(
            request,
            form,
            save=lambda: services.create_cost_entry(
                **form.cleaned_data, created_by=request.user, request=request
            ),
            url_for=lambda entry: f"{_cost_list_url()}?year={entry.month.year}",
            message=_("The cost was saved."),
        )
    return render(request, "reporting/cost_form.html", {"form": form})


@role_required(LEADER)
def cost_edit(request, pk):
    entry = get_object_or_404(CostEntry, pk=pk)
    form = CostEntryForm(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        services.update_cost_entry(entry=entry, **form.cleaned_data, request=request)
        messages.success(request, _("The cost was saved."))
        return redirect(f"{_cost_list_url()}?year={entry.month.year}")
    return render(request, "reporting/cost_form.html", {"form": form, "entry": entry})


@role_required(LEADER)
def cost_delete(request, pk):
    entry = get_object_or_404(CostEntry, pk=pk)
    if request.method == "POST":
        year = entry.month.year
        services.delete_cost_entry(entry=entry, request=request)
        messages.success(request, _("The cost was deleted."))
        return redirect(f"{_cost_list_url()}?year={year}")
    return render(request, "reporting/cost_confirm_delete.html", {"entry": entry})


def _cost_list_url():
    return reverse("reporting:costs")
