from django.urls import path

from . import views

# The names are mozilla-django-oidc's, which its views and session check reverse.
urlpatterns = [
    path("authenticate/", views.StartView.as_view(), name="oidc_authentication_init"),
    path("callback/", views.CallbackView.as_view(), name="oidc_authentication_callback"),
    path("backchannel-logout/", views.backchannel_logout, name="oidc_backchannel_logout"),
]
