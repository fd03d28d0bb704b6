from django.urls import path

from . import views

app_name = "telephony"

urlpatterns = [
    path("events/", views.events, name="events"),
    path("settings/", views.line_settings, name="line_settings"),
    path("board/calls/", views.board_calls, name="board_calls"),
]
