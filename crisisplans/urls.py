from django.urls import path

from . import views

app_name = "crisisplans"

urlpatterns = [
    path("contacts/<int:contact_id>/new/", views.plan_create, name="plan_create"),
    path("contacts/<int:contact_id>/wellbeing/", views.wellbeing_at_contact, name="wellbeing_at_contact"),
    path("<int:plan_id>/", views.plan_detail, name="plan_detail"),
    path("<int:plan_id>/edit/", views.plan_edit, name="plan_edit"),
    path("<int:plan_id>/versions/<int:version>/", views.plan_version, name="plan_version"),
    path("<int:plan_id>/close/", views.plan_close, name="plan_close"),
    path("<int:plan_id>/print/", views.plan_print, name="plan_print"),
    path("followups/", views.follow_up_list, name="follow_up_list"),
    path("followups/<int:follow_up_id>/", views.follow_up_record, name="follow_up_record"),
    path("board/followups/", views.board_follow_ups, name="board_followups"),
    path("persons/<int:person_id>/", views.person_section, name="person_section"),
]
