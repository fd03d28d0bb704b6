from django.urls import path

from . import twilio_voice, views

app_name = "telephony"

urlpatterns = [
    path("events/", views.events, name="events"),
    path("twilio/status/", twilio_voice.status_callback, name="twilio_status"),
    path("settings/", views.line_settings, name="line_settings"),
    path("calls/<int:call_id>/caller/", views.known_caller, name="known_caller"),
    path("calls/<int:call_id>/caller/link/", views.link_caller, name="link_caller"),
    path("board/calls/", views.board_calls, name="board_calls"),
    path("line/", views.line_now, name="line_now"),
    path("line/stream/", views.line_now_stream, name="line_now_stream"),
]
