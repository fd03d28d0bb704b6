"""Sign-ins through the provider: recording them, refusing them, and ending their sessions."""

from importlib import import_module

from django.conf import settings

from akuttilbud.audit import audit
from akuttilbud.models import AuditAction
from akuttilbud.two_factor import mark_second_factor

from . import provider
from .models import Identity, SignInSession

# The session keeps the ID token only to name the person to the provider at logout.
ID_TOKEN_SESSION_KEY = "oidc_id_token"  # noqa: S105 - a key's name, where mozilla-django-oidc stores it


def _identity_fields(claims):
    return {"issuer": str(claims.get("iss", ""))[:255], "subject": str(claims.get("sub", ""))[:255]}


def signed_in(request, user, claims):
    """After ``login``: note the session so the provider can end it, give the second factor the
    provider vouched for, and audit the sign-in with its subject and issuer."""
    identity = user.oidc_identity
    if not request.session.session_key:
        request.session.save()
    SignInSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={"identity": identity, "sid": str(claims.get("sid", ""))[:255]},
    )
    several_factors = provider.used_several_factors(claims)
    if several_factors:
        mark_second_factor(request, method="oidc")
    audit(
        AuditAction.OIDC_LOGIN,
        request=request,
        user=user,
        detail={**_identity_fields(claims), "role": user.role, "provider_mfa": several_factors},
    )


def refused(request, reason, claims=None):
    """Audit a refused sign-in and why; a known person refused (removed from the group, say)
    loses every session they still have open."""
    claims = claims or {}
    audit(AuditAction.OIDC_REFUSED, request=request, detail={"reason": reason, **_identity_fields(claims)})
    if claims.get("iss") and claims.get("sub"):
        identity = Identity.objects.filter(issuer=claims["iss"], subject=claims["sub"]).first()
        if identity is not None:
            end_sessions(SignInSession.objects.filter(identity=identity))


def end_sessions(sign_ins):
    """Delete the sessions behind ``sign_ins`` from the session store; returns how many."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    count = 0
    for sign_in in list(sign_ins):
        store(session_key=sign_in.session_key).delete()
        sign_in.delete()
        count += 1
    return count


def logged_out_by_provider(request, claims):
    """The provider's back-channel logout: end the sessions of its ``sid``, or of its ``sub``."""
    sign_ins = SignInSession.objects.filter(identity__issuer=claims["iss"])
    if claims.get("sid"):
        sign_ins = sign_ins.filter(sid=claims["sid"])
    if claims.get("sub"):
        sign_ins = sign_ins.filter(identity__subject=claims["sub"])
    count = end_sessions(sign_ins)
    audit(AuditAction.OIDC_LOGOUT, request=request, detail={**_identity_fields(claims), "sessions": count})
    return count
