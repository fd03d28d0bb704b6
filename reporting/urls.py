from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/figure.csv", views.figure_csv, name="figure_csv"),
    path("dashboard/monthly-report/", views.monthly_report, name="monthly_report"),
    path("exports/", views.exports, name="exports"),
    path("exports/linkage-key/", views.linkage_key, name="linkage_key"),
    path("costs/", views.cost_list, name="costs"),
    path("costs/new/", views.cost_create, name="cost_create"),
    path("costs/<int:pk>/", views.cost_edit, name="cost_edit"),
    path("costs/<int:pk>/delete/", views.cost_delete, name="cost_delete"),
]
