from django.urls import path

from . import views

app_name = "partners"

urlpatterns = [
    path("", views.partner_list, name="partner_list"),
    path("new/", views.partner_create, name="partner_create"),
    path("<int:partner_id>/", views.partner_detail, name="partner_detail"),
    path("<int:partner_id>/edit/", views.partner_edit, name="partner_edit"),
    path("kinds/", views.kind_list, name="kind_list"),
    path("kinds/new/", views.kind_create, name="kind_create"),
    path("kinds/<int:kind_id>/edit/", views.kind_edit, name="kind_edit"),
    path("agreements/", views.agreement_list, name="agreement_list"),
    path("agreements/new/", views.agreement_create, name="agreement_create"),
    path("agreements/<int:agreement_id>/edit/", views.agreement_edit, name="agreement_edit"),
    path("agreements/<int:agreement_id>/document/", views.agreement_document, name="agreement_document"),
    path("agreements/expiring/", views.expiring, name="expiring"),
    path("agreements/expiring/fragment/", views.expiring_fragment, name="expiring_fragment"),
    path("contacts/<int:contact_id>/referrals/", views.contact_referrals, name="contact_referrals"),
    path("billing/", views.billing_statement, name="billing"),
    path("billing/csv/", views.billing_statement_csv, name="billing_csv"),
]
