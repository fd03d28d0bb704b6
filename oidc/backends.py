"""The two ways to sign in: through the municipality's identity provider, and with a local
password for those ``LOCAL_LOGIN_USERS`` still allows."""

import hashlib

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from akuttilbud.models import Role, User

from . import provider
from .models import Identity


class Refused(SuspiciousOperation):
    """The provider signed the person in, but this app will not; ``reason`` goes to the audit log."""

    def __init__(self, reason, claims=None):
        super().__init__(reason)
        self.reason = reason
        self.claims = claims or {}


def mapped_role(claims):
    """The role ``OIDC_ROLE_MAP`` gives the first of its values the person's ``OIDC_ROLE_CLAIM``
    holds (so the map lists the most privileged group first), or ``None``."""
    values = claims.get(settings.OIDC_ROLE_CLAIM)
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        return None
    for value, role in settings.OIDC_ROLE_MAP.items():
        if value in values and role in Role.values:
            return role
    return None


class ProviderBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's code flow, with the endpoints from discovery, every claim taken
    from the verified ID token (Entra ID puts groups and roles there, not in userinfo), and
    users found by issuer and subject."""

    def __init__(self, *args, **kwargs):
        # Every authenticate() call builds every backend, a local password login too: nothing
        # here may reach the provider.
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.UserModel = User

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self):  # noqa: N802 - the name the library reads
        return provider.endpoint("token_endpoint")

    def authenticate(self, request, **kwargs):
        if request is None or not provider.configured():
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        try:
            claims = provider.verify(token)
        except provider.TokenRejected as exc:
            raise Refused(exc.reason) from None
        if claims.get("nonce") != kwargs.get("nonce"):
            raise Refused("nonce", claims)
        return claims

    def get_userinfo(self, access_token, id_token, payload):
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        # The library logs and swallows SuspiciousOperation here; a refusal must reach the
        # callback view, which audits it and tells the person why.
        try:
            return self._user_for(payload)
        except Refused as exc:
            self.request.oidc_refusal = exc
            return None

    def _user_for(self, claims):
        identity = Identity.objects.filter(issuer=claims["iss"], subject=claims["sub"]).select_related("user")
        identity = identity.first()
        role = mapped_role(claims)
        if role is None:
            raise Refused("no_mapped_role", claims)
        if identity is not None and not identity.user.is_active:
            raise Refused("inactive", claims)
        with transaction.atomic():
            if identity is None:
                user = User(username=self._free_username(claims))
                user.set_unusable_password()
                identity = Identity(issuer=claims["iss"], subject=claims["sub"])
            else:
                user = identity.user
            user.first_name, user.last_name = _names(claims)
            user.email = claims.get("email", "") if isinstance(claims.get("email"), str) else ""
            user.role = role
            user.save()
            identity.user = user
            identity.save()
        # The callback view audits the sign-in with these, after login.
        self.request.oidc_claims = claims
        return user

    def _free_username(self, claims):
        wanted = claims.get("preferred_username") or claims.get("email") or ""
        wanted = wanted[:100] if isinstance(wanted, str) else ""
        if wanted and not User.objects.filter(username=wanted).exists():
            return wanted
        # Taken (a local account, or someone else who once had it): a stable suffix from the subject.
        digest = hashlib.sha256(f"{claims['iss']} {claims['sub']}".encode()).hexdigest()[:12]
        return f"{wanted or 'oidc'}-{digest}"


def _names(claims):
    given, family = claims.get("given_name"), claims.get("family_name")
    if isinstance(given, str) and isinstance(family, str):
        return given[:150], family[:150]
    name = claims.get("name")
    if isinstance(name, str) and name.strip():
        first, _, last = name.strip().partition(" ")
        return first[:150], last[:150]
    return "", ""


class LocalPasswordBackend(ModelBackend):
    """Passwords kept in this app, for whom ``LOCAL_LOGIN_USERS`` allows: ``all`` (the embedded
    setup), ``superusers`` (the break-glass administrators, when the provider signs in
    everyone else) or ``none``."""

    def user_can_authenticate(self, user):
        policy = settings.LOCAL_LOGIN_USERS
        allowed = policy == "all" or (policy == "superusers" and user.is_superuser)
        return allowed and super().user_can_authenticate(user)
