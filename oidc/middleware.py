"""The periodic check that a person signed in through the provider still may be: every
``OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS`` (less than the idle timeout) a page load goes to the
provider with ``prompt=none`` and comes back through the callback, which refuses, and logs
out, a person the provider no longer signs in or no longer gives a mapped role."""

from django.conf import settings
from django.urls import reverse
from django.utils.functional import cached_property
from mozilla_django_oidc.middleware import SessionRefresh

from akuttilbud.middleware import BACKGROUND_HEADER

from . import provider


class SessionCheckMiddleware(SessionRefresh):
    def __init__(self, get_response):
        # The library reads the provider's endpoints here; this app learns them from discovery,
        # and only when a check is due.
        super(SessionRefresh, self).__init__(get_response)
        self.OIDC_STATE_SIZE = 32
        self.OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_authentication_callback"
        self.OIDC_USE_NONCE = True
        self.OIDC_NONCE_SIZE = 32

    # Read at each check, so the settings of the moment count.
    @property
    def OIDC_RP_CLIENT_ID(self):  # noqa: N802 - the names the library reads
        return settings.OIDC_RP_CLIENT_ID

    @property
    def OIDC_RP_SCOPES(self):  # noqa: N802
        return settings.OIDC_RP_SCOPES

    @cached_property
    def exempt_urls(self):
        return {
            reverse(name) for name in ("oidc_authentication_init", "oidc_authentication_callback", "logout")
        }

    @cached_property
    def exempt_url_patterns(self):
        return set()

    def is_refreshable_url(self, request):
        # The board's polling and htmx requests cannot follow a redirect to the provider; the
        # next page load checks instead.
        if BACKGROUND_HEADER in request.META or request.headers.get("HX-Request"):
            return False
        return provider.configured() and super().is_refreshable_url(request)

    def process_request(self, request):
        if not self.is_refreshable_url(request):
            return None
        try:
            self.OIDC_OP_AUTHORIZATION_ENDPOINT = provider.endpoint("authorization_endpoint")
        except provider.ProviderUnavailable:
            # A provider that is down does not lock everyone out; the check runs when it is back.
            return None
        return super().process_request(request)
