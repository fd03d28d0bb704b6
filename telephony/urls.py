from django.urls import path

from . import views

app_name = "telephony"

urlpatterns = [
    path("events/", views.events, name="events"),
    path("settings/", views.line_settings, name="line_settings"),
    path("calls/<int:call_id>/caller/", views.known_caller, name="known_caller"),
    path("calls/<int:call_id>/caller/link/", views.link_caller, name="link_caller"),
]
